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

    /// <summary>How often a writer marks its claim as alive (<see cref="KeepAlive"/>; ablation cell claims too).</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(30);

    /// <summary>A claim from another host whose heartbeat is older than this (ten missed beats) is taken to be dead
    /// (run folders and ablation cell claims).</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    /// <summary>Marks the claim on <paramref name="folder"/> as alive (its file's modification time) every
    /// <see cref="HeartbeatInterval"/> until disposed, so that <see cref="Reclaim"/> on another host of a cluster can tell
    /// a run that is still being written from one whose node died.</summary>
    public static IDisposable KeepAlive(string folder)
    {
        var owner = Path.Combine(folder, OwnerFile);
        return new Timer(_ =>
        {
            try { File.SetLastWriteTimeUtc(owner, DateTime.UtcNow); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }   // the next beat tries again
        }, null, TimeSpan.Zero, HeartbeatInterval);
    }

    /// <summary>Claims an existing run folder again (<c>facegen train … --resume</c>). Refused while the process that
    /// holds the claim lives: on this host, a running process with that id which started before the claim was written
    /// (a later one merely reuses the id); on another host, a heartbeat younger than <see cref="StaleAfter"/>. A dead
    /// claim is renamed aside (of two takers only one rename succeeds) and the folder claimed anew.</summary>
    public static void Reclaim(string folder, string command)
    {
        var owner = Path.Combine(folder, OwnerFile);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            if (TryClaim(folder, command)) return;
            if (LiveWriter(folder) is string writer)
                throw new IOException($"--resume {folder}: the run is still being written by {writer}. Wait for it to finish or stop it, then resume.");
            var aside = $"{owner}.dead-{Environment.ProcessId}-{Guid.NewGuid():N}";
            try { File.Move(owner, aside); }
            catch (FileNotFoundException) { continue; }   // another taker moved it first: look again
            File.Delete(aside);
        }
        throw new IOException($"--resume {folder}: another facegen process claimed the run at the same moment; nothing was changed.");
    }

    /// <summary>Who is writing <paramref name="folder"/> now, in words, or null when its claim is absent or dead.</summary>
    public static string? LiveWriter(string folder)
    {
        if (ReadClaim(folder) is not { } fields) return null;
        var heartbeat = File.GetLastWriteTimeUtc(Path.Combine(folder, OwnerFile));
        if (!fields.TryGetValue("host", out var host) || !fields.TryGetValue("pid", out var pidText) || !int.TryParse(pidText, out int pid))
            return null;   // not a claim facegen wrote: nobody to wait for
        var started = fields.TryGetValue("started", out var s) && DateTime.TryParse(s, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.RoundtripKind, out var t) ? t.ToUniversalTime() : DateTime.MaxValue;
        var who = $"process {pid} on {host} ({fields.GetValueOrDefault("command", "facegen")}, started {started:u})";
        if (host != Environment.MachineName)
            return DateTime.UtcNow - heartbeat < StaleAfter
                ? who + $"; its heartbeat is {(DateTime.UtcNow - heartbeat).TotalSeconds:F0} s old, and a claim counts as dead after {StaleAfter.TotalMinutes:F0} min without one"
                : null;
        return pid != Environment.ProcessId && ProcessAlive(pid, started) ? who : null;
    }

    /// <summary>Whether process <paramref name="pid"/> of this host still runs and is the one that claimed: it started no
    /// later than <paramref name="claimedUtc"/> (a later process merely reuses the id; <see cref="DateTime.MaxValue"/>
    /// when the claim's time is unknown). Used for run folders and for ablation cell claims.</summary>
    public static bool ProcessAlive(int pid, DateTime claimedUtc)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited && (claimedUtc == DateTime.MaxValue || process.StartTime.ToUniversalTime() <= claimedUtc.AddSeconds(1));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }   // gone
        catch (System.ComponentModel.Win32Exception) { return true; }   // another user's process we may not inspect: assume it writes
    }

    /// <summary>The fields of the claim on <paramref name="folder"/> (host, pid, command, started), or null where there is none.</summary>
    public static IReadOnlyDictionary<string, string>? ReadClaim(string folder)
    {
        try
        {
            return File.ReadAllLines(Path.Combine(folder, OwnerFile)).Select(l => l.Split(' ', 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1]);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
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
