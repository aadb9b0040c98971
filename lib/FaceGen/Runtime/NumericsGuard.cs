using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FaceGen.Runtime;

/// <summary>The start-up self-check's outcome: which convolution path is in force and why, and every probe's errors on
/// the paths that were checked (<see cref="OneDnn"/> is null when a cached verdict or a forced ATen path skipped it).</summary>
public sealed record NumericsReport(
    ConvBackendRequest Requested,
    string RequestSource,
    ConvBackend InForce,
    string Why,
    IReadOnlyList<ProbeResult>? OneDnn,
    IReadOnlyList<ProbeResult>? Aten,
    double Seconds,
    string? CachedVerdict)
{
    /// <summary>The probes of the path in force.</summary>
    public IReadOnlyList<ProbeResult> InForceResults => (InForce == ConvBackend.OneDnn ? OneDnn : Aten) ?? [];

    /// <summary>Whether every probe of the path in force is within tolerance.</summary>
    public bool Correct => InForceResults.All(r => r.Ok);

    /// <summary>Probes out of tolerance on any path checked.</summary>
    public IEnumerable<ProbeResult> Complaints => (OneDnn ?? []).Concat(Aten ?? []).Where(r => !r.Ok);

    /// <summary>One line: the path, why, and the worst error of the path in force.</summary>
    public string Summary
    {
        get
        {
            var worst = InForceResults.MaxBy(r => r.Worst);
            return $"{PathName(InForce)} ({Why}); worst error {(worst is null ? "—" : ProbeResult.Format(worst.Worst))} over {InForceResults.Count} probes in {Seconds:0.00} s";
        }
    }

    /// <summary>What to add to a message about a run that diverged in its first steps: the self-check's complaints, if any.</summary>
    public string? DivergenceHint =>
        !Correct
            ? $"LibTorch's start-up self-check found wrong results on this CPU with the convolution path in force ({PathName(InForce)}: " +
              $"{string.Join("; ", InForceResults.Where(r => !r.Ok).Take(3))}), so this divergence may be the CPU's arithmetic, not the " +
              $"model's: drop {NumericsGuard.Variable} / --conv-backend (auto switches to a correct path) or use aten; `facegen doctor` shows the check."
        : Complaints.Any()
            ? $"(oneDNN failed the self-check on this CPU, but the ATen convolutions in force passed it: the cause is likely the model or its settings.)"
            : null;

    public static string PathName(ConvBackend backend) => backend == ConvBackend.OneDnn ? "onednn" : "aten";
}

/// <summary>Thrown when no convolution path computes correctly (or the requested one cannot be had): the message names
/// each wrong operation, by how much, and what to try.</summary>
public sealed class NumericsException(string message) : TorchLoadException(message);

/// <summary>
/// Chooses the convolution path from the request and the self-check (<see cref="ArithmeticCheck"/>):
/// <list type="bullet">
/// <item><c>auto</c>: check oneDNN; if any probe is wrong, turn oneDNN off, check ATen, remember the verdict for this CPU
/// and LibTorch in the kit's cache (later starts go straight to ATen, so an intermittent bug cannot flip back), and carry
/// on; if ATen is wrong too, stop.</item>
/// <item><c>aten</c>: turn oneDNN off and check; stop when wrong. <c>onednn</c>: keep oneDNN and only report.</item>
/// </list>
/// </summary>
public static class NumericsGuard
{
    /// <summary>The environment variable that forces a path: auto | onednn | aten.</summary>
    public const string Variable = "FACEGEN_CONV_BACKEND";

    /// <summary>Parses auto | onednn | aten (<see cref="OptionNames"/>' rule; empty = auto); <paramref name="source"/>
    /// names the option or variable in the error.</summary>
    public static ConvBackendRequest ParseRequest(string? value, string source) =>
        string.IsNullOrWhiteSpace(value) ? ConvBackendRequest.Auto : OptionNames.Parse<ConvBackendRequest>(value.Trim(), source);

    /// <summary>Chooses the path for <paramref name="request"/> (named by <paramref name="requestSource"/> in reasons and
    /// errors), running <paramref name="probes"/> on the paths <paramref name="backends"/> switches to.</summary>
    /// <param name="request">auto, onednn or aten.</param>
    /// <param name="requestSource">Where the request came from, e.g. "--conv-backend aten" or "default".</param>
    /// <param name="probes">The operations to check (<see cref="ArithmeticCheck.DefaultProbes"/> at start-up).</param>
    /// <param name="backends">The switch between oneDNN and ATen (a fake one in tests).</param>
    /// <param name="verdictFile">Where a failed oneDNN verdict is remembered (null: nowhere).</param>
    public static NumericsReport Select(ConvBackendRequest request, string requestSource, IReadOnlyList<ArithmeticProbe> probes,
        IConvBackendSwitch backends, string? verdictFile)
    {
        var clock = Stopwatch.StartNew();
        var references = new Dictionary<string, double[][]>();
        IReadOnlyList<ProbeResult> CheckOn(ConvBackend backend)
        {
            backends.Use(backend);
            return ArithmeticCheck.Run(probes, references);
        }
        string forced = $"forced by {requestSource}";

        if (request == ConvBackendRequest.OneDnn)
        {
            var results = CheckOn(ConvBackend.OneDnn);
            var bad = results.Where(r => !r.Ok).ToList();
            string why = bad.Count == 0 ? $"{forced}; self-check passed" : $"{forced}, although the self-check found {bad.Count} wrong: {bad.MaxBy(r => r.Worst)}";
            return new(request, requestSource, ConvBackend.OneDnn, why, results, null, clock.Elapsed.TotalSeconds, null);
        }

        if (request == ConvBackendRequest.Aten)
        {
            RequireSwitch(backends, forced);
            var results = CheckOn(ConvBackend.Aten);
            ThrowIfWrong(results, $"ATen's convolutions ({forced})");
            return new(request, requestSource, ConvBackend.Aten, $"{forced}; self-check passed", null, results, clock.Elapsed.TotalSeconds, null);
        }

        string? cached = ReadVerdict(verdictFile);
        if (cached is not null && backends.Available)
        {
            var results = CheckOn(ConvBackend.Aten);
            ThrowIfWrong(results, "ATen's convolutions (oneDNN is known to be wrong on this CPU)");
            return new(request, requestSource, ConvBackend.Aten,
                $"oneDNN failed the self-check on this CPU before ({cached}; remembered in {verdictFile}; delete it to test oneDNN again)",
                null, results, clock.Elapsed.TotalSeconds, cached);
        }

        var oneDnn = CheckOn(ConvBackend.OneDnn);
        var wrong = oneDnn.Where(r => !r.Ok).ToList();
        if (wrong.Count == 0)
            return new(request, requestSource, ConvBackend.OneDnn, "self-check passed", oneDnn, null, clock.Elapsed.TotalSeconds, null);

        string verdict = $"{wrong.Count} of {oneDnn.Count} probes wrong, worst {wrong.MaxBy(r => r.Worst)}";
        RequireSwitch(backends, $"oneDNN is wrong on this CPU ({verdict})");
        var aten = CheckOn(ConvBackend.Aten);
        ThrowIfWrong(aten, "both convolution paths", oneDnn);
        WriteVerdict(verdictFile, verdict);
        return new(request, requestSource, ConvBackend.Aten, $"oneDNN failed the self-check: {verdict}; switched to ATen, which passed",
            oneDnn, aten, clock.Elapsed.TotalSeconds, null);
    }

    static void RequireSwitch(IConvBackendSwitch backends, string context)
    {
        if (!backends.Available)
            throw new NumericsException($"Cannot turn oneDNN off in this LibTorch ({context}). Remedy: set ONEDNN_MAX_CPU_ISA=SSE41 " +
                "before starting (oneDNN then uses its gemm-based convolutions) and run `facegen doctor` again.");
    }

    static void ThrowIfWrong(IReadOnlyList<ProbeResult> aten, string what, IReadOnlyList<ProbeResult>? oneDnn = null)
    {
        if (aten.All(r => r.Ok)) return;
        static string List(IEnumerable<ProbeResult> results) => string.Join("; ", results.Where(r => !r.Ok).Select(r => r.ToString()));
        throw new NumericsException(
            $"LibTorch computes wrong results on this CPU with {what}, against the same operations in float64 (tolerance " +
            $"{ArithmeticCheck.Tolerance:0e0}): aten: {List(aten)}" + (oneDnn is null ? "" : $"; onednn: {List(oneDnn)}") +
            ". Training would diverge or give wrong numbers. Try: ONEDNN_MAX_CPU_ISA=SSE41 in the environment before starting; " +
            "FACEGEN_THREADS=1; another machine type; and report `facegen doctor`'s output (environment.md, troubleshooting).");
    }

    /// <summary>The remembered verdict, or null. Its file name encodes the CPU, LibTorch and oneDNN settings (<see cref="VerdictFile"/>).</summary>
    static string? ReadVerdict(string? path)
    {
        if (path is null || !File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<Verdict>(File.ReadAllText(path))?.Text; }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException) { return null; }
    }

    static void WriteVerdict(string? path, string text)
    {
        if (path is null) return;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Verdict(text, DateTime.UtcNow)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* the check runs again next time */ }
    }

    sealed record Verdict(string Text, DateTime When);

    /// <summary>Where the verdict for this CPU (model, family, stepping, flags), LibTorch version and oneDNN settings
    /// (<c>ONEDNN_*</c>/<c>DNNL_*</c> variables) lives under <paramref name="cacheFolder"/>.</summary>
    public static string VerdictFile(string cacheFolder, string libTorchVersion)
    {
        var key = new StringBuilder(libTorchVersion).Append('|').Append(CpuIdentity());
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(n => n.StartsWith("ONEDNN_") || n.StartsWith("DNNL_")).Order())
            key.Append('|').Append(name).Append('=').Append(Environment.GetEnvironmentVariable(name));
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16].ToLowerInvariant();
        return Path.Combine(cacheFolder, "numerics", $"onednn-wrong-{hash}.json");
    }

    /// <summary>The first processor's identity lines of /proc/cpuinfo (not its clock), or the architecture elsewhere.</summary>
    static string CpuIdentity()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo)) return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture + "|" + Environment.ProcessorCount;
        var wanted = new[] { "vendor_id", "cpu family", "model", "model name", "stepping", "flags", "cache size" };
        return string.Join("|", File.ReadLines(cpuinfo).TakeWhile(l => l.Trim().Length > 0)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && wanted.Contains(p[0].Trim())).Select(p => p[1].Trim()));
    }
}
