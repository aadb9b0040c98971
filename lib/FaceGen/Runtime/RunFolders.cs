namespace FaceGen.Runtime;

/// <summary>Where a command writes its results: always a new folder, so that no run overwrites another.</summary>
public static class RunFolders
{
    /// <summary>The folder under which runs go by default: <c>FACEGEN_RUNS</c>, else <c>data/runs</c> when the
    /// working directory is the kit's repository (it has a <c>data</c> folder), else <c>facegen-runs</c>.</summary>
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("FACEGEN_RUNS") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Directory.Exists(Path.Combine(Environment.CurrentDirectory, "data")) ? Path.Combine(Environment.CurrentDirectory, "data", "runs")
        : Path.Combine(Environment.CurrentDirectory, "facegen-runs");

    /// <summary>Creates and returns a new run folder: <paramref name="requested"/> if given (it must not exist or
    /// must be empty), else <c>&lt;DefaultRoot&gt;/&lt;command&gt;-&lt;yyyyMMdd-HHmmss&gt;</c> (with -2, -3 … on a clash).</summary>
    public static string Create(string command, string? requested = null)
    {
        if (requested is not null)
        {
            var full = Path.GetFullPath(requested);
            if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
                throw new IOException($"--out {requested}: {full} already exists and is not empty; results are never written over an earlier run. Choose a new folder.");
            Directory.CreateDirectory(full);
            return full;
        }
        var stem = Path.Combine(DefaultRoot, $"{command}-{DateTime.Now:yyyyMMdd-HHmmss}");
        var path = stem;
        for (int i = 2; Directory.Exists(path); i++) path = $"{stem}-{i}";
        Directory.CreateDirectory(path);
        return path;
    }
}
