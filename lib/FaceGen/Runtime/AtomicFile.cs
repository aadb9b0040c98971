namespace FaceGen.Runtime;

/// <summary>Writes that never leave a half-written result: a temporary file or folder beside the
/// target, then a rename. The temporary name is unique to the writer (process id and a random part), so that
/// writers in several threads, or processes on several hosts of a cluster sharing a folder, never share one.</summary>
public static class AtomicFile
{
    static string TempPath(string full) => $"{full}.tmp{Environment.ProcessId}-{Guid.NewGuid():N}";

    public static void WriteAllText(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempPath(full);
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TempPath(full);
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Moves the complete folder <paramref name="source"/> to <paramref name="target"/>, replacing an older
    /// <paramref name="target"/> so that there is never a moment without a complete one: on Linux the two folders are
    /// swapped in one step (<c>renameat2(RENAME_EXCHANGE)</c>) and the old one is deleted after; elsewhere, or on a file
    /// system that cannot swap, the old folder is renamed aside first (a kill between the two renames leaves it as
    /// <c>target.old&lt;pid&gt;</c>). Leftovers of processes that no longer run (<c>target.tmp&lt;pid&gt;</c>,
    /// <c>target.old&lt;pid&gt;</c>) are removed.</summary>
    public static void ReplaceFolder(string source, string target)
    {
        target = Path.GetFullPath(target).TrimEnd('/');
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        RemoveLeftovers(target);
        if (!Directory.Exists(target))
        {
            Directory.Move(source, target);
            return;
        }
        if (OperatingSystem.IsLinux() && RenameExchange(Path.GetFullPath(source), target) == 0)
        {
            Directory.Delete(source, recursive: true);   // now holds the old folder
            return;
        }
        var old = target + $".old{Environment.ProcessId}";
        Directory.Move(target, old);
        Directory.Move(source, target);
        Directory.Delete(old, recursive: true);
    }

    const int AtFdCwd = -100;
    const uint RenameExchangeFlag = 2;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "renameat2", SetLastError = true)]
    static extern int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    /// <summary>Swaps two paths atomically; −1 where the C library or the file system cannot.</summary>
    static int RenameExchange(string a, string b)
    {
        try { return RenameAt2(AtFdCwd, a, AtFdCwd, b, RenameExchangeFlag); }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return -1; }
    }

    /// <summary>Deletes <c>target.tmp&lt;pid&gt;</c> and <c>target.old&lt;pid&gt;</c> folders whose process is gone.</summary>
    static void RemoveLeftovers(string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(parent)) return;
        var name = Path.GetFileName(target);
        // Not the search pattern name + ".*": .NET's patterns match "name" itself too.
        foreach (var folder in Directory.EnumerateDirectories(parent).Where(f => Path.GetFileName(f).StartsWith(name + ".", StringComparison.Ordinal)))
        {
            var suffix = Path.GetFileName(folder)[(name.Length + 1)..];
            if (suffix.Length <= 3 || !(suffix.StartsWith("tmp") || suffix.StartsWith("old")) || !int.TryParse(suffix[3..], out int pid)) continue;
            if (pid == Environment.ProcessId || ProcessIsRunning(pid)) continue;
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
        }
    }

    static bool ProcessIsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
    }
}
