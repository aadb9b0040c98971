using System.Text.Json;
using FaceGen.Jobs;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class GanJobTests
{
    public GanJobTests() => TorchRuntime.EnsureInitialized();

    static GanJobOptions Small(int steps, bool conditional = false) => new()
    {
        Dataset = "synthetic", ImageSize = 32, Channels = 3, Width = 16, Latent = 32, Steps = steps, Batch = 32,
        Identities = 16, PerIdentity = 16, Seed = 1, SampleEvery = 50, EvaluateEvery = 50, CheckpointEvery = 100,
        Conditional = conditional, EmaDecay = conditional ? 0.9 : 0, Device = "cpu",
    };

    [Fact]
    public void ShortDcganRunSeparatesThenReconcilesDAndWritesEveryArtifact()
    {
        var folder = TestPaths.NewTempFolder();
        var result = GanJob.Run(Small(400), folder);
        foreach (var file in new[] { "config.json", "model.json", "history.csv", "metrics.json", "report.html", "samples_000050.png", "samples_000400.png" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        Assert.True(File.Exists(Path.Combine(folder, "checkpoints", "final", "generator.module")));
        Assert.True(File.Exists(Path.Combine(folder, "checkpoints", "best", "trainer.json")));
        Assert.Equal(400, result.Steps);

        var history = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")));
        double Gap(int from, int to) => history.Records.Skip(from).Take(to - from).Average(r => r.Metrics["d_real"] - r.Metrics["d_fake"]);
        double early = Gap(0, 5), peak = Enumerable.Range(0, 40).Max(k => Gap(k * 10, k * 10 + 10)), late = Gap(360, 400);
        // Seed 1 (measured: gap 0.13 over steps 1–10, peak 0.83 around step 210, 0.66 over steps 361–400):
        // D first learns to separate real from fake (the gap opens), then G catches up (it narrows).
        Assert.True(peak > early + 0.2, $"gap early {early:F3}, peak {peak:F3}");
        Assert.True(late < peak - 0.1, $"gap peak {peak:F3}, late {late:F3}");

        // Samples from the final generator differ from those of the freshly initialised one.
        manual_seed(5);
        using var initial = GanJob.CreateGenerator(Small(1), 0);
        initial.eval();
        var (trained, _) = GanJob.LoadGenerator(Path.Combine(folder, "checkpoints", "final"));
        using (trained)
        using (no_grad())
        {
            var z = trained.SampleLatent(16, new Generator(3));
            float difference = (trained.forward(z) - initial.forward(z)).abs().mean().item<float>();
            Assert.True(difference > 0.1f, $"mean |trained − initial| = {difference:F3}");
        }
        var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json"))).RootElement;
        Assert.True(metrics.GetProperty("BestFrechetDistance").GetDouble() > 0);
    }

    [Fact]
    public void ConditionalRunWithEmaReloadsWithItsClassCountAndTheTutorialArchIsExplained()
    {
        var folder = TestPaths.NewTempFolder();
        GanJob.Run(Small(20, conditional: true), folder);
        var (generator, options) = GanJob.LoadGenerator(folder);
        using (generator)
        {
            Assert.True(options.Conditional);
            Assert.Equal(16, generator.ClassCount);
            Assert.True(File.Exists(Path.Combine(folder, "checkpoints", "final", "generator_ema.module")));
        }
        var e = Assert.Throws<ArgumentException>(() => GanJob.Run(Small(1) with { Arch = "tutorial" }, TestPaths.NewTempFolder()));
        Assert.Contains("never upsamples", e.Message);
        Assert.Throws<FaceGen.Data.DataException>(() => GanJob.LoadGenerator(TestPaths.NewTempFolder()));
    }
}

public class TrainerOverheadTests
{
    [Fact]
    public void BothLoopsAreTimedPerStepAndTheirTimesFitInsideTheCall()
    {
        const int rounds = 3, steps = 2;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = FaceGen.Benchmarks.TrainerOverhead.Measure(imageSize: 16, width: 4, batch: 8, rounds: rounds, stepsPerBlock: steps);
        double wall = clock.Elapsed.TotalSeconds;
        Assert.Equal(rounds, result.BareSeconds.Length);
        Assert.Equal(rounds, result.TrainerSeconds.Length);
        // Per-step times: all the timed blocks together cannot take longer than the call that ran them (a time per block
        // reported as per step, or milliseconds as seconds, would), and none is zero (a loop that did no step).
        double timed = steps * (result.BareSeconds.Sum() + result.TrainerSeconds.Sum());
        Assert.True(timed <= wall, $"timed {timed:F3} s of steps inside a call of {wall:F3} s");
        Assert.All(result.BareSeconds.Concat(result.TrainerSeconds), s => Assert.True(s > 0));
        // The two loops run the same DCGAN step; the trainer adds bookkeeping, not a different amount of work.
        double ratio = result.TrainerMedian / result.BareMedian;
        Assert.InRange(ratio, 0.25, 4);
    }

    [Fact]
    public void TheOverheadComparesMediansSoOneSlowRoundDoesNotCount()
    {
        // Hand-made rounds: one round of each loop hit by machine noise (10 s, 30 s). Medians 2 and 2.2: overhead 10 %;
        // means (4.33 and 11.1) would give 156 %.
        var noisy = new FaceGen.Benchmarks.OverheadResult(16, 4, 8, 3, 1, [1, 2, 10], [1.1, 2.2, 30]);
        Assert.Equal(0.1, noisy.Overhead, 9);
        // An even number of rounds takes the middle two.
        var even = new FaceGen.Benchmarks.OverheadResult(16, 4, 8, 4, 1, [4, 1, 3, 2], [2, 4, 6, 8]);
        Assert.Equal(2.5, even.BareMedian, 12);
        Assert.Equal(5.0 / 2.5 - 1, even.Overhead, 12);
    }
}
