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
        return new DoctorReport(checks, null, null);
    }

    /// <summary>This report with <paramref name="more"/> rows appended (e.g. the data sets found); a report that already
    /// failed is returned as it is, since nothing after the failure was checked.</summary>
    public DoctorReport With(IEnumerable<DoctorCheck> more) => Failure is null ? this with { Checks = Checks.Concat(more).ToArray() } : this;
}
