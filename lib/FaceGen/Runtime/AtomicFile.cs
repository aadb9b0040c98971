namespace FaceGen.Runtime;

/// <summary>Writes that never leave a half-written result: a temporary file or folder beside the
/// target, then a rename.</summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.tmp{Environment.ProcessId}";
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = $"{full}.tmp{Environment.ProcessId}";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Moves the complete folder <paramref name="source"/> to <paramref name="target"/>,
    /// replacing an older <paramref name="target"/> only once the new one is complete.</summary>
    public static void ReplaceFolder(string source, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        var old = target.TrimEnd('/') + $".old{Environment.ProcessId}";
        if (Directory.Exists(target)) Directory.Move(target, old);
        Directory.Move(source, target);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }
}
