using System.Globalization;

namespace FaceGen.Experiments;

/// <summary>
/// The peak resident memory of this process over a span of work. On Linux the kernel's high-water mark VmHWM
/// (<c>/proc/self/status</c>) is reset at the start by writing "5" to <c>/proc/self/clear_refs</c>, so that each
/// run of an experiment reports its own peak rather than the largest of every run before it. Where that is not
/// possible, <see cref="Environment.WorkingSet"/> is sampled every 50 ms and the largest sample kept (it can miss
/// short spikes). <see cref="Method"/> says which was used.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    const string Status = "/proc/self/status";
    readonly Timer? sampler;
    long sampledPeak;

    /// <summary>"VmHWM" or "sampled working set".</summary>
    public string Method { get; }

    PeakMemory(bool highWaterMark)
    {
        Method = highWaterMark ? "VmHWM" : "sampled working set";
        if (!highWaterMark)
        {
            sampledPeak = Environment.WorkingSet;
            sampler = new Timer(_ => Sample(), null, 50, 50);
        }
    }

    /// <summary>Starts measuring from now.</summary>
    public static PeakMemory Start() => new(TryResetHighWaterMark());

    /// <summary>The peak so far, in MiB.</summary>
    public double PeakMegabytes
    {
        get
        {
            if (sampler is null && ReadHighWaterMarkKilobytes() is long kilobytes) return kilobytes / 1024.0;
            Sample();
            return Interlocked.Read(ref sampledPeak) / (1024.0 * 1024.0);
        }
    }

    void Sample()
    {
        long now = Environment.WorkingSet;
        long seen;
        while (now > (seen = Interlocked.Read(ref sampledPeak)) && Interlocked.CompareExchange(ref sampledPeak, now, seen) != seen) { }
    }

    static bool TryResetHighWaterMark()
    {
        try
        {
            if (!OperatingSystem.IsLinux() || ReadHighWaterMarkKilobytes() is null) return false;
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    static long? ReadHighWaterMarkKilobytes()
    {
        if (!File.Exists(Status)) return null;
        var line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var number = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        return long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb : null;
    }

    public void Dispose() => sampler?.Dispose();
}
