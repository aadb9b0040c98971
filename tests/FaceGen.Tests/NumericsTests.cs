using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The start-up arithmetic self-check and the choice of convolution path (issue 13). The decision logic runs
/// against a fake switch and injected wrong operations, so the fallback is exercised on a CPU where oneDNN is right.</summary>
public class NumericsTests
{
    static NumericsTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void RelativeErrorIsMaxDifferenceOverMaxReferenceAndInfiniteForNaN()
    {
        Assert.Equal(0.25, ArithmeticCheck.RelativeError([1, -2], [1, -1.5]), 12);   // 0.5 / 2
        Assert.Equal(0.0, ArithmeticCheck.RelativeError([3, 4], [3, 4]));
        Assert.Equal(double.PositiveInfinity, ArithmeticCheck.RelativeError([1, 2], [1, double.NaN]));
        Assert.Equal(double.PositiveInfinity, ArithmeticCheck.RelativeError([1, 2], [1]));
    }

    [Fact]
    public void TheProbesCatchAWrongConvolutionGradient()
    {
        // A transposed convolution whose input gradient is off by 5 % (the kind of error oneDNN made) must fail the check;
        // the same probe unperturbed must pass.
        var real = ArithmeticCheck.Convolution(true, 2, 3, 8, 16, 3, 1, 1);
        var wrong = real with { Evaluate = dtype => Perturb(real.Evaluate(dtype), dtype, part: 1, by: 0.05) };
        var results = ArithmeticCheck.Run([real, wrong]);
        Assert.True(results[0].Ok, results[0].ToString());
        Assert.False(results[1].Ok);
        Assert.Equal("grad input", results[1].WorstPart);
        Assert.InRange(results[1].Worst, 0.04, 0.06);
    }

    [Fact]
    public void TheCheckLeavesTorchsRandomStreamAlone()
    {
        manual_seed(7);
        var before = randn(4).data<float>().ToArray();
        manual_seed(7);
        ArithmeticCheck.Run(ArithmeticCheck.DefaultProbes.Take(3).ToList());
        var after = randn(4).data<float>().ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public void ThePathInForcePassedEveryDefaultProbe()
    {
        var numerics = TorchRuntime.Numerics;
        Assert.True(numerics.Correct, numerics.Summary);
        Assert.Equal(ArithmeticCheck.DefaultProbes.Count, numerics.InForceResults.Count);
        Assert.All(numerics.InForceResults, r => Assert.True(r.Worst < ArithmeticCheck.Tolerance, r.ToString()));
        Assert.Contains(NumericsReport.PathName(numerics.InForce), numerics.Summary);
    }

    // ---- the decision, with a fake switch and operations that are wrong only on the paths a test chooses ----

    sealed class FakeSwitch(bool available = true) : IConvBackendSwitch
    {
        public bool Available { get; } = available;
        public ConvBackend Current { get; private set; } = ConvBackend.OneDnn;
        public List<ConvBackend> Uses { get; } = [];
        public void Use(ConvBackend backend)
        {
            if (!Available && backend == ConvBackend.Aten) throw new InvalidOperationException("unavailable");
            Current = backend;
            Uses.Add(backend);
        }
    }

    static Tensor[] Perturb(Tensor[] parts, ScalarType dtype, int part, double by)
    {
        if (dtype == ScalarType.Float32) parts[part] = parts[part] * (1 + by);
        return parts;
    }

    /// <summary>A small real convolution probe, plus one that is wrong (its output 30 % off, as oneDNN's worst cases)
    /// whenever the fake switch is on one of <paramref name="wrongOn"/>.</summary>
    static List<ArithmeticProbe> Probes(FakeSwitch fake, params ConvBackend[] wrongOn)
    {
        var good = ArithmeticCheck.Convolution(false, 2, 1, 4, 16, 4, 2, 1);
        var bad = ArithmeticCheck.Convolution(false, 4, 3, 8, 8, 3, 1, 1);
        return [good, bad with { Evaluate = dtype => wrongOn.Contains(fake.Current) ? Perturb(bad.Evaluate(dtype), dtype, 0, 0.3) : bad.Evaluate(dtype) }];
    }

    static string TempVerdictFile() => Path.Combine(Path.GetTempPath(), $"facegen-verdict-{Guid.NewGuid():N}", "v.json");

    [Fact]
    public void AutoKeepsOneDnnWhenItIsRightAndRemembersNothing()
    {
        var fake = new FakeSwitch();
        string file = TempVerdictFile();
        var report = NumericsGuard.Select(ConvBackendRequest.Auto, "default", Probes(fake), fake, file);
        Assert.Equal(ConvBackend.OneDnn, report.InForce);
        Assert.Equal("self-check passed", report.Why);
        Assert.Null(report.Aten);
        Assert.Empty(report.Complaints);
        Assert.False(File.Exists(file));
        Assert.Null(report.DivergenceHint);
    }

    [Fact]
    public void AutoSwitchesToAtenWhenOneDnnIsWrongSaysWhyAndGoesStraightThereNextTime()
    {
        var fake = new FakeSwitch();
        string file = TempVerdictFile();
        try
        {
            var report = NumericsGuard.Select(ConvBackendRequest.Auto, "default", Probes(fake, ConvBackend.OneDnn), fake, file);
            Assert.Equal(ConvBackend.Aten, report.InForce);
            Assert.Equal(ConvBackend.Aten, fake.Current);
            Assert.True(report.Correct);
            var complaint = Assert.Single(report.Complaints);
            Assert.Equal("conv2d b4 3→8 8px k3 s1 p1", complaint.Name);
            Assert.InRange(complaint.Worst, 0.2, 0.31);                  // |y·1.3 − y| / max|y| ≤ 0.3
            Assert.Contains("oneDNN failed the self-check", report.Why);
            Assert.Contains("conv2d b4 3→8 8px k3 s1 p1: output off by", report.Why);
            Assert.True(File.Exists(file));
            Assert.Contains("the cause is likely the model", report.DivergenceHint);

            // A later start: the remembered verdict skips oneDNN even if it would pass this time (the bug is intermittent).
            var later = new FakeSwitch();
            var again = NumericsGuard.Select(ConvBackendRequest.Auto, "default", Probes(later), later, file);
            Assert.Equal(ConvBackend.Aten, again.InForce);
            Assert.Null(again.OneDnn);
            Assert.DoesNotContain(ConvBackend.OneDnn, later.Uses);
            Assert.NotNull(again.CachedVerdict);
            Assert.Contains(file, again.Why);
        }
        finally { Directory.Delete(Path.GetDirectoryName(file)!, recursive: true); }
    }

    [Fact]
    public void AutoStopsNamingTheOperationWhenBothPathsAreWrong()
    {
        var fake = new FakeSwitch();
        var e = Assert.Throws<NumericsException>(() =>
            NumericsGuard.Select(ConvBackendRequest.Auto, "default", Probes(fake, ConvBackend.OneDnn, ConvBackend.Aten), fake, null));
        Assert.Contains("both convolution paths", e.Message);
        Assert.Contains("aten: conv2d b4 3→8 8px k3 s1 p1: output off by", e.Message);
        Assert.Contains("onednn: conv2d b4 3→8 8px k3 s1 p1", e.Message);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=SSE41", e.Message);
    }

    [Fact]
    public void ForcedOneDnnIsKeptButItsComplaintsAreReported()
    {
        var fake = new FakeSwitch();
        var report = NumericsGuard.Select(ConvBackendRequest.OneDnn, "FACEGEN_CONV_BACKEND=onednn", Probes(fake, ConvBackend.OneDnn), fake, null);
        Assert.Equal(ConvBackend.OneDnn, report.InForce);
        Assert.False(report.Correct);
        Assert.Single(report.Complaints);
        Assert.Contains("forced by FACEGEN_CONV_BACKEND=onednn", report.Why);
        var rows = DoctorReport.NumericsChecks(report).ToList();
        Assert.False(rows[0].Ok);
        Assert.Contains(rows, r => !r.Ok && r.Value.Contains("WRONG (output)"));
        // A run that diverges in its first steps under this path is told that the CPU may be at fault.
        Assert.Contains("may be the CPU's arithmetic", report.DivergenceHint);
        Assert.Contains("conv2d b4 3→8 8px k3 s1 p1", report.DivergenceHint);
    }

    [Fact]
    public void ForcedAtenNeedsTheSwitchAndIsChecked()
    {
        var fake = new FakeSwitch();
        var report = NumericsGuard.Select(ConvBackendRequest.Aten, "--conv-backend aten", Probes(fake, ConvBackend.OneDnn), fake, null);
        Assert.Equal(ConvBackend.Aten, report.InForce);
        Assert.Null(report.OneDnn);
        Assert.True(report.Correct);

        var missing = new FakeSwitch(available: false);
        var e = Assert.Throws<NumericsException>(() => NumericsGuard.Select(ConvBackendRequest.Aten, "--conv-backend aten", Probes(missing), missing, null));
        Assert.Contains("Cannot turn oneDNN off", e.Message);
        Assert.Throws<NumericsException>(() => NumericsGuard.Select(ConvBackendRequest.Aten, "x", Probes(fake, ConvBackend.Aten), fake, null));
    }

    [Theory]
    [InlineData("auto", ConvBackendRequest.Auto)]
    [InlineData(" ATEN ", ConvBackendRequest.Aten)]
    [InlineData("onednn", ConvBackendRequest.OneDnn)]
    [InlineData(null, ConvBackendRequest.Auto)]
    public void RequestsParse(string? value, ConvBackendRequest expected) =>
        Assert.Equal(expected, NumericsGuard.ParseRequest(value, "x"));

    [Fact]
    public void UnknownRequestNamesTheValue()
    {
        var e = Assert.Throws<ArgumentException>(() => NumericsGuard.ParseRequest("mkl", "--conv-backend"));
        Assert.Equal("--conv-backend mkl: expected one of auto, onednn, aten.", e.Message);
    }

    [Fact]
    public void VerdictFileDependsOnTheOneDnnSettings()
    {
        string a = NumericsGuard.VerdictFile("/c", "2.10.0");
        Assert.Equal(a, NumericsGuard.VerdictFile("/c", "2.10.0"));
        Assert.NotEqual(a, NumericsGuard.VerdictFile("/c", "2.11.0"));
        Assert.StartsWith("/c/numerics/onednn-wrong-", a);
    }
}

/// <summary>Tests that switch LibTorch's real convolution path: alone, so that no other test's numbers change mid-run.</summary>
[CollectionDefinition("Convolution backend", DisableParallelization = true)]
public sealed class ConvolutionBackendCollection;

[Collection("Convolution backend")]
public class ConvolutionBackendSwitchTests
{
    [Fact]
    public void TheRealSwitchTurnsOneDnnOffAndOnAndUseConvBackendChecksTheForcedPath()
    {
        var before = TorchRuntime.Numerics;
        var backends = TorchRuntime.ConvBackendSwitch;
        Assert.True(backends.Available, "libtorch_cpu exports at::Context::setUserEnabledMkldnn");
        try
        {
            var forced = TorchRuntime.UseConvBackend("aten");
            Assert.Equal(ConvBackend.Aten, backends.Current);     // the flag LibTorch itself holds
            Assert.Equal(ConvBackend.Aten, forced.InForce);
            Assert.True(forced.Correct, forced.Summary);
            Assert.Contains("forced by", forced.Why);   // --conv-backend aten, or FACEGEN_CONV_BACKEND=aten already

            var oneDnn = TorchRuntime.UseConvBackend("onednn");
            Assert.Equal(ConvBackend.OneDnn, backends.Current);
            Assert.Equal(ConvBackend.OneDnn, oneDnn.InForce);
        }
        finally
        {
            backends.Use(before.InForce);
            TorchRuntime.UseConvBackend(before.Requested.ToString());
        }
        Assert.Equal(before.InForce, TorchRuntime.Numerics.InForce);
    }

    [Fact]
    public void AWrongOneDnnOperationInjectedIntoTheRealProcessIsReplacedByAtenWhoseResultIsRight()
    {
        var before = TorchRuntime.Numerics;
        var backends = TorchRuntime.ConvBackendSwitch;
        var real = ArithmeticCheck.Convolution(true, 2, 3, 8, 16, 3, 1, 1);
        // Wrong whenever LibTorch's real flag says oneDNN is on, as the bug was.
        var injected = real with
        {
            Evaluate = dtype =>
            {
                var parts = real.Evaluate(dtype);
                if (dtype == ScalarType.Float32 && backends.Current == ConvBackend.OneDnn) parts[2] = parts[2] * 1.5;
                return parts;
            },
        };
        try
        {
            var report = NumericsGuard.Select(ConvBackendRequest.Auto, "default", [injected], backends, null);
            Assert.Equal(ConvBackend.Aten, report.InForce);
            Assert.Equal(ConvBackend.Aten, backends.Current);
            Assert.Equal("grad weight", Assert.Single(report.Complaints).WorstPart);
            Assert.True(report.Correct);
        }
        finally { backends.Use(before.InForce); }
    }
}

[Collection("Convolution backend")]
public class ConvBackendCostTests
{
    [Fact]
    public void EachPathIsTimedOnItsOwnBackendAndThePathInForceIsRestored()
    {
        var backends = TorchRuntime.ConvBackendSwitch;
        var inForce = TorchRuntime.Numerics.InForce;
        var seen = new List<ConvBackend>();
        var tiny = new FaceGen.Benchmarks.ConvBackendWorkload("tiny conv", 4, () =>
        {
            var conv = nn.Conv2d(3, 8, 3, padding: 1);
            var pass = FaceGen.Benchmarks.ConvBackendCost.Pass(conv, m => ((TorchSharp.Modules.Conv2d)m).forward(randn(4, 3, 16, 16)));
            return () => { seen.Add(backends.Current); pass(); };
        });
        var result = FaceGen.Benchmarks.ConvBackendCost.Measure(rounds: 2, steps: 2, workloads: [tiny]);
        var timing = Assert.Single(result.Timings);
        Assert.True(timing.OneDnnSecondsPerStep > 0 && timing.AtenSecondsPerStep > 0);
        // Per round and path: one warm-up and two timed passes.
        Assert.Equal(6, seen.Count(b => b == ConvBackend.OneDnn));
        Assert.Equal(6, seen.Count(b => b == ConvBackend.Aten));
        Assert.Equal(inForce, backends.Current);
        Assert.Contains("| tiny conv | 4 | 2 × 2 |", result.ToMarkdown());
        Assert.Contains(NumericsReport.PathName(inForce), result.PathInForce);
    }
}
