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

    /// <summary>The file by which a process claims a run folder (host, process id, command, start time).</summary>
    public const string OwnerFile = ".facegen-run";

    /// <summary>Creates, claims and returns a new run folder: <paramref name="requested"/> if given (it must not exist or
    /// must be empty), else <c>&lt;DefaultRoot&gt;/&lt;command&gt;-&lt;yyyyMMdd-HHmmss&gt;</c> (with -2, -3 … on a clash).
    /// The claim is atomic — an <see cref="OwnerFile"/> created only if absent — so of two processes given the same
    /// folder exactly one gets it; the other stops with an error and nothing of the first is touched.</summary>
    public static string Create(string command, string? requested = null)
    {
        if (requested is not null)
        {
            var full = Path.GetFullPath(requested);
            string Refusal(string why) => $"--out {requested}: {full} {why}; results are never written over an earlier run. Choose a new folder.";
            if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
                throw new IOException(Refusal("already exists and is not empty"));
            try { Directory.CreateDirectory(full); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new IOException($"--out {requested}: cannot create {full} ({e.Message}). Choose a folder you can write to.");
            }
            if (!TryClaim(full, command))
                throw new IOException(Refusal("was just claimed by another facegen process"));
            if (Directory.EnumerateFileSystemEntries(full).Count() > 1)
            {
                File.Delete(Path.Combine(full, OwnerFile));
                throw new IOException(Refusal("already exists and is not empty"));
            }
            return full;
        }
        var stem = Path.Combine(DefaultRoot, $"{command}-{DateTime.Now:yyyyMMdd-HHmmss}");
        for (int i = 1; ; i++)
        {
            var path = i == 1 ? stem : $"{stem}-{i}";
            if (Directory.Exists(path)) continue;
            Directory.CreateDirectory(path);
            if (TryClaim(path, command)) return path;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a new run folder (<see cref="Create"/>). When it fails before the run has a
    /// checkpoint, what the command made is removed — the folder itself, or only its contents when the folder existed
    /// (empty) before — so that a refused or crashed start leaves nothing half-made and the same <c>--out</c> can be
    /// used again. A run that saved a checkpoint is kept: it can be sampled, evaluated or looked at.</summary>
    public static T Use<T>(string command, string? requested, Func<string, T> work)
    {
        bool existed = requested is not null && Directory.Exists(requested);
        var folder = Create(command, requested);
        try { return work(folder); }
        catch
        {
            if (!HasCheckpoint(folder)) Discard(folder, existed);
            throw;
        }
    }

    static bool HasCheckpoint(string folder)
    {
        var checkpoints = Path.Combine(folder, "checkpoints");
        return Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "trainer.json", SearchOption.AllDirectories).Any();
    }

    static void Discard(string folder, bool keepFolder)
    {
        // Best effort: the error being reported matters more than a file that cannot be removed.
        try
        {
            if (!keepFolder)
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            foreach (var file in Directory.EnumerateFiles(folder)) File.Delete(file);
            foreach (var directory in Directory.EnumerateDirectories(folder)) Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Creates <see cref="OwnerFile"/> in <paramref name="folder"/> unless it exists (an atomic create-new).</summary>
    static bool TryClaim(string folder, string command)
    {
        try
        {
            using var owner = new FileStream(Path.Combine(folder, OwnerFile), FileMode.CreateNew, FileAccess.Write);
            using var writer = new StreamWriter(owner);
            writer.Write($"host {Environment.MachineName}\npid {Environment.ProcessId}\ncommand {command}\nstarted {DateTime.UtcNow:O}\n");
            return true;
        }
        catch (IOException) when (File.Exists(Path.Combine(folder, OwnerFile))) { return false; }
    }
}
