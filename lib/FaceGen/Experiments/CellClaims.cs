using System.Globalization;
using FaceGen.Runtime;

namespace FaceGen.Experiments;

/// <summary>
/// Claims on the cells of an experiment folder, so that any number of workers (processes on one machine, Slurm array
/// tasks or Kubernetes pods on a shared file system) can run one grid without two of them running the same cell:
/// <code>
/// DIR/claims/&lt;cell&gt;/owner       host, process id, start time of the worker running the cell
/// DIR/claims/&lt;cell&gt;/heartbeat   rewritten every <see cref="HeartbeatInterval"/> while the cell runs
/// DIR/attempts.log              one line per cell started under a claim: time, cell, host, pid (append-only)
/// </code>
/// A claim is taken atomically: the owner file is written into a private folder, which is then renamed to
/// <c>claims/&lt;cell&gt;</c>; rename(2) of a folder onto an existing non-empty one fails, so of two workers exactly
/// one gets the cell. A claim is dead when its worker is on this host and its process is gone, or when its heartbeat
/// is older than <see cref="StaleAfter"/> (a worker on another host that died or lost the file system); a dead claim
/// is moved aside (again a rename, which only one taker wins) and the cell claimed anew.
/// </summary>
public sealed class CellClaims
{
    /// <summary>How often a held claim's heartbeat is rewritten (the run folders' interval).</summary>
    public static readonly TimeSpan HeartbeatInterval = RunFolders.HeartbeatInterval;

    /// <summary>A claim whose heartbeat is older than this is taken to be dead (as a run folder's claim).</summary>
    public TimeSpan StaleAfter { get; init; } = RunFolders.StaleAfter;

    readonly string claimsFolder;
    readonly string attemptsLog;

    public CellClaims(string experimentFolder)
    {
        claimsFolder = Path.Combine(experimentFolder, "claims");
        attemptsLog = Path.Combine(experimentFolder, "attempts.log");
        Directory.CreateDirectory(claimsFolder);
    }

    /// <summary>Who holds a claim and when it last showed life.</summary>
    public sealed record Owner(string Host, int ProcessId, DateTime HeartbeatUtc);

    /// <summary>Takes the claim on <paramref name="cell"/>, taking over a dead one; null when a live worker holds it.
    /// Dispose the returned claim to release it (after the cell's result is written).</summary>
    public Claim? TryClaim(string cell)
    {
        var target = Path.Combine(claimsFolder, cell);
        for (int attempt = 0; attempt < 3; attempt++)
        {
            // Private to this attempt (threads of one process may claim at once): host, process and a random part.
            var draft = Path.Combine(claimsFolder, $".draft-{cell}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(draft);
            File.WriteAllText(Path.Combine(draft, "owner"),
                $"host {Environment.MachineName}\npid {Environment.ProcessId}\nstarted {DateTime.UtcNow:O}\n");
            File.WriteAllText(Path.Combine(draft, "heartbeat"), DateTime.UtcNow.ToString("O"));
            try
            {
                Directory.Move(draft, target);
                return new Claim(target, cell, attemptsLog);
            }
            catch (IOException)
            {
                Directory.Delete(draft, recursive: true);
                if (!Directory.Exists(target)) continue;   // released between the rename and this look: try again
            }
            // An unreadable claim is being written or released right now: it counts as alive until the next look.
            if (ReadOwnerAt(target) is not Owner owner || !IsDead(owner)) return null;
            var aside = Path.Combine(claimsFolder, $".dead-{cell}-{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}");
            try { Directory.Move(target, aside); }
            catch (IOException) { continue; }   // another worker moved it first, or it was released: look again
            Directory.Delete(aside, recursive: true);
        }
        return null;
    }

    /// <summary>Dead: on this host with its process gone, or silent for longer than <see cref="StaleAfter"/>.</summary>
    public bool IsDead(Owner owner) =>
        (owner.Host == Environment.MachineName && !RunFolders.ProcessAlive(owner.ProcessId, DateTime.MaxValue)) || DateTime.UtcNow - owner.HeartbeatUtc > StaleAfter;

    /// <summary>How many times each cell was started (from attempts.log): a cell redone after a dead worker counts 2; a
    /// claim taken only to find the cell finished meanwhile counts nothing.</summary>
    public static IReadOnlyDictionary<string, int> Attempts(string experimentFolder)
    {
        var path = Path.Combine(experimentFolder, "attempts.log");
        if (!File.Exists(path)) return new Dictionary<string, int>();
        return File.ReadLines(path).Select(l => l.Split(' ')).Where(p => p.Length >= 2)
            .GroupBy(p => p[1]).ToDictionary(g => g.Key, g => g.Count());
    }

    static Owner? ReadOwnerAt(string folder)
    {
        try
        {
            var fields = File.ReadAllLines(Path.Combine(folder, "owner")).Select(l => l.Split(' ', 2)).Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1]);
            var heartbeat = DateTime.Parse(File.ReadAllText(Path.Combine(folder, "heartbeat")).Trim(), CultureInfo.InvariantCulture,
                DateTimeStyles.RoundtripKind).ToUniversalTime();
            return new Owner(fields["host"], int.Parse(fields["pid"], CultureInfo.InvariantCulture), heartbeat);
        }
        catch (Exception e) when (e is IOException or FormatException or KeyNotFoundException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A held claim: its heartbeat is rewritten on a timer until it is released (the folder deleted).</summary>
    public sealed class Claim : IDisposable
    {
        readonly string folder;
        readonly string cell;
        readonly string attemptsLog;
        readonly Timer heartbeat;

        internal Claim(string folder, string cell, string attemptsLog)
        {
            this.folder = folder;
            this.cell = cell;
            this.attemptsLog = attemptsLog;
            heartbeat = new Timer(_ => Beat(), null, HeartbeatInterval, HeartbeatInterval);
        }

        /// <summary>Records in attempts.log that the cell is being run under this claim (call once the holder has seen
        /// that no other worker finished it meanwhile).</summary>
        public void RecordStart() =>
            File.AppendAllText(attemptsLog, $"{DateTime.UtcNow:O} {cell} {Environment.MachineName} {Environment.ProcessId}\n");

        void Beat()
        {
            try { AtomicFile.WriteAllText(Path.Combine(folder, "heartbeat"), DateTime.UtcNow.ToString("O")); }
            catch (IOException) { }   // the shared file system hiccuped: the next beat tries again
        }

        public void Dispose()
        {
            using (var stopped = new ManualResetEvent(false))
                if (heartbeat.Dispose(stopped)) stopped.WaitOne();   // no beat may write into the folder once it is gone
            // Renamed aside first, then deleted: the claim vanishes in one step, never as an emptied folder onto which
            // another worker's rename would succeed and whose files this delete would then remove.
            var released = Path.Combine(Path.GetDirectoryName(folder)!, $".released-{Path.GetFileName(folder)}-{Guid.NewGuid():N}");
            try { Directory.Move(folder, released); }
            catch (IOException) { return; }   // taken over as dead meanwhile (a long pause): no longer ours
            Directory.Delete(released, recursive: true);
        }
    }
}
