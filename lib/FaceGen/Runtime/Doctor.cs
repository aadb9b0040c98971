using System.Runtime.InteropServices;
using TorchSharp;

namespace FaceGen.Runtime;

/// <summary>One line of the doctor's report.</summary>
public sealed record DoctorCheck(string Name, string Value, bool Ok = true);

/// <summary>What <c>facegen doctor</c> reports: the platform, the native backend and how it was loaded,
/// the device, threads, and a tiny computation as proof. Also callable from a notebook. Runtime knows no data sets: the
/// data-set rows come from <c>FaceGen.Data.DatasetRegistry.DoctorChecks</c>, appended with <see cref="With"/>.</summary>
public sealed record DoctorReport(IReadOnlyList<DoctorCheck> Checks, string? Failure, string? Remedy)
{
    public bool Healthy => Failure is null && Checks.All(c => c.Ok);

    public static DoctorReport Run(string? device = null, int? threads = null)
    {
        var checks = new List<DoctorCheck>
        {
            new("OS", RuntimeInformation.OSDescription),
            new(".NET", RuntimeInformation.FrameworkDescription),
            new("Process", $"{RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} logical CPUs"),
            new("TorchSharp", typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?"),
        };
        NativeLoadReport native;
        try { native = TorchRuntime.EnsureInitialized(); }
        catch (NumericsException e)
        {
            checks.Add(new("Convolutions", "no path computes correctly on this CPU", false));
            return new DoctorReport(checks, e.Message, "See environment.md ('Troubleshooting': wrong convolutions).");
        }
        catch (TorchLoadException e)
        {
            checks.Add(new("Native backend", "failed to load", false));
            return new DoctorReport(checks, e.Message, "See environment.md ('Linux: libstdc++' and 'Troubleshooting').");
        }
        checks.Add(new("LibTorch", torch.__version__));
        checks.Add(new("Backend package", torch.cuda.is_available() || File.Exists(Path.Combine(native.LibTorchFolder ?? "", "libtorch_cuda.so")) ? "CUDA" : "CPU"));
        checks.Add(new("Native load", native.Mode));
        if (native.LibTorchFolder is not null) checks.Add(new("LibTorch folder", native.LibTorchFolder));
        if (native.LibStdCxx is not null) checks.Add(new("libstdc++", native.LibStdCxx));
        checks.Add(new("Compat copy", native.CompatCopyInUse ? $"in use: {native.LibTorchSharpLoaded}" : "not needed"));
        if (native.Compat is not null) checks.Add(new("Compat reason", native.Compat.Explanation));
        checks.AddRange(NumericsChecks(TorchRuntime.Numerics));
        checks.Add(new("CUDA available", torch.cuda.is_available() ? $"yes ({torch.cuda.device_count()} device(s))" : "no"));
        try
        {
            var chosen = Devices.Resolve(device);
            checks.Add(new("Device", chosen.ToString()));
            checks.Add(new("Threads", Devices.ConfigureThreads(threads).ToString()));
            using var scope = torch.NewDisposeScope();
            // Proof: a 2×2 matrix product on the chosen device, checked against the hand result.
            var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2, device: chosen);
            var product = a.matmul(a).cpu().data<float>().ToArray();
            bool right = product.SequenceEqual(new float[] { 7, 10, 15, 22 });
            checks.Add(new("Tensor proof", $"[[1,2],[3,4]]² = [[{product[0]},{product[1]}],[{product[2]},{product[3]}]]", right));
        }
        catch (ArgumentException e)
        {
            return new DoctorReport(checks, e.Message, "Choose another --device / FACEGEN_DEVICE or --threads / FACEGEN_THREADS.");
        }
        var numerics = TorchRuntime.Numerics;
        return numerics.Correct ? new DoctorReport(checks, null, null)
            : new DoctorReport(checks, $"the convolution path in force ({NumericsReport.PathName(numerics.InForce)}) computes wrong results on this CPU",
                $"unset {NumericsGuard.Variable} / drop --conv-backend (auto switches to a correct path), or use aten.");
    }

    /// <summary>The self-check as doctor rows: the path and why, then one row per probe with its worst relative error
    /// on each path checked (marked wrong above tolerance; a row fails only for the path in force).</summary>
    public static IEnumerable<DoctorCheck> NumericsChecks(NumericsReport numerics)
    {
        yield return new("Convolutions", numerics.Summary, numerics.Correct);
        var oneDnn = numerics.OneDnn?.ToDictionary(r => r.Name);
        var aten = numerics.Aten?.ToDictionary(r => r.Name);
        foreach (var name in (numerics.OneDnn ?? numerics.Aten ?? []).Select(r => r.Name))
        {
            string Cell(Dictionary<string, ProbeResult>? results, ConvBackend path) =>
                results?.GetValueOrDefault(name) is { } r ? $"{NumericsReport.PathName(path)} {ProbeResult.Format(r.Worst)}{(r.Ok ? "" : $" WRONG ({r.WorstPart})")}" : "";
            var inForce = (numerics.InForce == ConvBackend.OneDnn ? oneDnn : aten)?.GetValueOrDefault(name);
            yield return new($"  {name}", string.Join(", ", new[] { Cell(oneDnn, ConvBackend.OneDnn), Cell(aten, ConvBackend.Aten) }.Where(c => c.Length > 0)),
                inForce?.Ok ?? true);
        }
    }

    /// <summary>This report with <paramref name="more"/> rows appended (e.g. the data sets found); a report that already
    /// failed is returned as it is, since nothing after the failure was checked.</summary>
    public DoctorReport With(IEnumerable<DoctorCheck> more) => Failure is null ? this with { Checks = Checks.Concat(more).ToArray() } : this;
}
