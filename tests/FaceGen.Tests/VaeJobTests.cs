using FaceGen.Jobs;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class VaeJobTests
{
    public VaeJobTests() => TorchRuntime.EnsureInitialized();

    static VaeJobOptions Small(int steps) => new()
    {
        Dataset = "synthetic", Arch = "conv", ImageSize = 32, Channels = 1, Latent = 8, Width = 8, Steps = steps, Batch = 32,
        Identities = 8, PerIdentity = 16, Seed = 2, Likelihood = "bernoulli", WarmupSteps = 20, SampleEvery = 40, EvaluateEvery = 40,
        CheckpointEvery = 40, Device = "cpu",
    };

    [Fact]
    public void ShortRunImprovesTheHeldOutElboAndEvaluatesWithTighterIwaeBound()
    {
        var folder = TestPaths.NewTempFolder();
        var result = VaeJob.Run(Small(120), folder);
        foreach (var file in new[] { "config.json", "model.json", "history.csv", "metrics.json", "report.html", "samples_000040.png", "interpolation.png", "traversal.png" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        var history = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")));
        var (_, elbos) = history.Series("eval_test_elbo");
        Assert.Equal(3, elbos.Length);                         // steps 40, 80, 120
        Assert.True(elbos[^1] > elbos[0], $"held-out ELBO {string.Join(" → ", elbos.Select(e => e.ToString("F1")))}");
        // KL warm-up: β = t/20 for the first 20 steps, then 1.
        Assert.Equal(0.05, history.Records[0].Metrics["beta"], 12);
        Assert.Equal(1.0, history.Records[^1].Metrics["beta"], 12);

        var (model, options) = VaeJob.Load(folder);
        using (model)
        {
            var (train, test) = VaeJob.LoadSplit(options, null);
            using (train) using (test)
            {
                Assert.Equal(16, test.Count); // stratified 10%: round(0.1 × 16) = 2 of each identity
                var evaluation = VaeJob.Evaluate(model, options.ParsedLikelihood, test, importanceSamples: 50, CPU);
                Assert.Equal(evaluation.Reconstruction - evaluation.Kl, evaluation.Elbo, 3);
                Assert.True(evaluation.LogLikelihood > evaluation.Elbo, $"IWAE(50) {evaluation.LogLikelihood:F2} vs ELBO {evaluation.Elbo:F2}");
                Assert.InRange(evaluation.BitsPerDimension, 0, 1.5); // Bernoulli: bits per binary-valued pixel ≤ 1 for a useful model
            }
        }
    }

    [Fact]
    public void ResumedVaeRunRepeatsTheWarmupAndLosses()
    {
        var folder = TestPaths.NewTempFolder();
        VaeJob.Run(Small(30) with { CheckpointEvery = 10, SampleEvery = 0, EvaluateEvery = 0 }, folder);
        var full = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")));

        // Rebuild the same run and continue from the step-10 checkpoint written by a 10-step run.
        var shortFolder = TestPaths.NewTempFolder();
        VaeJob.Run(Small(10) with { CheckpointEvery = 10, SampleEvery = 0, EvaluateEvery = 0 }, shortFolder);
        var options = Small(30);
        var (train, test) = VaeJob.LoadSplit(options, null);
        using (train) using (test)
        using (var vae = new VaeTrainable(VaeJob.CreateModel(options, 0, false), options.ParsedLikelihood, new FaceGen.Losses.KlWarmup(1, 20),
                   1e-3, FaceGen.Data.FaceDataset.ToUnitRange(test.Images.narrow(0, 4, 4)), null, options.Seed))
        using (var batches = new DatasetBatches(train, new FaceGen.Data.BatchOptions(32, Seed: 2, DropLast: false, Range: FaceGen.Data.PixelRange.Unit)))
        {
            var trainer = new Trainer(vae, batches, new TrainerOptions(30));
            trainer.LoadCheckpoint(Path.Combine(shortFolder, "checkpoints", "final"));
            var resumed = trainer.Run();
            var expected = full.Records.Where(r => r.Step > 10).Select(r => (r.Metrics["loss"], r.Metrics["beta"])).ToArray();
            var actual = resumed.Records.Where(r => r.Step > 10).Select(r => (r.Metrics["loss"], r.Metrics["beta"])).ToArray();
            Assert.Equal(expected, actual);
        }
    }
}
