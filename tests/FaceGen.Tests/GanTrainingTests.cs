using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class GanTrainingTests
{
    public GanTrainingTests() => TorchRuntime.EnsureInitialized();

    /// <summary>8 Gaussians on a circle of radius 2, σ = 0.05 (the classic mode-collapse benchmark).</summary>
    static (Tensor points, Tensor modes) Ring(int n, long seed)
    {
        using var g = new torch.Generator((ulong)seed);
        var angles = arange(8, dtype: ScalarType.Float32) * (2 * Math.PI / 8);
        var modes = stack(new[] { angles.cos(), angles.sin() }, 1) * 2;
        var which = randint(0, 8, new long[] { n }, generator: g);
        return (modes.index_select(0, which) + 0.05f * randn(new long[] { n, 2 }, generator: g), modes);
    }

    static TensorBatches RingBatches(long seed)
    {
        var (points, _) = Ring(4096, seed);
        return new TensorBatches(points, null, batchSize: 256, seed: seed);
    }

    static GanTrainable ToyGan(GanLoss loss, int seed)
    {
        manual_seed(seed);
        var options = GanTrainingOptions.For(loss) with { GeneratorLearningRate = 1e-3, DiscriminatorLearningRate = 1e-3, Seed = seed };
        if (loss != GanLoss.WganGp) options = options with { Beta1 = 0.5 };
        return new GanTrainable(() => new MlpGenerator(8, 128, 2), () => new MlpDiscriminator(2, 128), options);
    }

    [Fact]
    public void EveryLossHasOneDefinitionWhoseFormulasAreTheLossesOwn()
    {
        // D outputs on real and fake: logits 2 and −1 (for the logit losses), scores for the others.
        var real = tensor(new float[] { 2f }); var fake = tensor(new float[] { -1f });
        static double Log1pExp(double v) => Math.Log(1 + Math.Exp(v));   // softplus: −log σ(−v)
        var expected = new Dictionary<GanLoss, (double D, double G, bool Logits, bool Penalty)>
        {
            // L_D = −log σ(r) − log(1 − σ(f)); saturating L_G = log(1 − σ(f)) = −softplus(f); non-saturating −log σ(f).
            [GanLoss.Minimax] = (Log1pExp(-2) + Log1pExp(-1), -Log1pExp(-1), true, false),
            [GanLoss.NonSaturating] = (Log1pExp(-2) + Log1pExp(-1), Log1pExp(1), true, false),
            // hinge: relu(1 − r) + relu(1 + f) = 0 + 0; L_G = −f.
            [GanLoss.Hinge] = (0, 1, false, false),
            // Wasserstein critic: f − r; L_G = −f.
            [GanLoss.WganGp] = (-3, 1, false, true),
            // least squares: ½(r − 1)² + ½f²; L_G = ½(f − 1)².
            [GanLoss.LeastSquares] = (0.5 * 1 + 0.5 * 1, 0.5 * 4, false, false),
        };
        Assert.Equal(Enum.GetValues<GanLoss>().Order(), expected.Keys.Order());
        foreach (var (loss, e) in expected)
        {
            var d = GanLossDefinition.Of(loss);
            Assert.Equal(loss, GanTrainingOptions.For(loss).Loss);
            Assert.Equal(e.D, d.Discriminator(real, fake).item<float>(), 4);
            Assert.Equal(e.G, d.Generator(fake).item<float>(), 4);
            Assert.Equal(e.Logits, d.OutputsAreLogits);
            Assert.Equal(e.Penalty, d.GradientPenalty);
            Assert.Equal(e.Penalty ? DiscriminatorNorm.None : DiscriminatorNorm.Batch, d.DefaultNorm);
        }
        Assert.Equal(5, GanTrainingOptions.For(GanLoss.WganGp).CriticSteps);
    }

    [Fact]
    public void SmallGanLearnsATwoDimensionalMixtureWithinSeconds()
    {
        using var gan = ToyGan(GanLoss.NonSaturating, seed: 1);
        var trainer = new Trainer(gan, RingBatches(1), new TrainerOptions(Steps: 1500));
        trainer.Run();

        using var scope = NewDisposeScope();
        gan.Generator.eval();
        var samples = gan.Generator.forward(gan.Generator.SampleLatent(2000));
        var (_, modes) = Ring(1, 0);
        var distances = cdist(samples, modes);                      // (2000, 8)
        var (nearest, which) = distances.min(1);
        double nearFraction = (nearest < 0.25f).to_type(ScalarType.Float32).mean().item<float>();
        int covered = Enumerable.Range(0, 8).Count(m => ((which == m) & (nearest < 0.25f)).sum().item<long>() >= 2000 / 8 / 4);
        // Seed 1, 1,500 steps (≈ 5 s on 2 cores): 8 of 8 modes covered, most samples within 0.25 (5σ) of a mode.
        Assert.True(covered >= 6, $"modes covered: {covered} of 8");
        Assert.True(nearFraction > 0.6, $"fraction of samples within 0.25 of a mode: {nearFraction:F3}");
    }

    [Fact]
    public void TrainedDiscriminatorApproachesTheOptimalDiscriminator()
    {
        // p_data = N(−1, 1), p_g = N(1, 1) fixed: D*(x) = p_data/(p_data + p_g) = σ(−2x).
        manual_seed(7);
        using var d = new MlpDiscriminator(inputs: 1, hidden: 32);
        var opt = optim.Adam(d.parameters(), 1e-2);
        for (int step = 0; step < 600; step++)
        {
            using var scope = NewDisposeScope();
            var real = randn(512, 1) - 1;
            var fake = randn(512, 1) + 1;
            var loss = AdversarialLosses.MinimaxDiscriminator(d.forward(real), d.forward(fake));
            opt.zero_grad();
            loss.backward();
            opt.step();
        }
        using var noGrad = no_grad();
        var x = linspace(-2, 2, 41).unsqueeze(1);
        var learned = sigmoid(d.forward(x));
        static Tensor LogNormal(Tensor t, double mean) => -(t - mean).square() / 2 - 0.5 * Math.Log(2 * Math.PI);
        var optimal = OptimalDiscriminator.Of(LogNormal(x.squeeze(1), -1), LogNormal(x.squeeze(1), 1));
        float maxError = (learned - optimal).abs().max().item<float>();
        Assert.True(maxError < 0.06f, $"max |D − D*| on [−2, 2] = {maxError:F4}");
    }

    [Fact]
    public void ResumingFromACheckpointGivesTheSameLossesAsAnUninterruptedRun()
    {
        var folder = TestPaths.NewTempFolder();
        // Uninterrupted: 20 steps. Interrupted: 10 steps, checkpoint, a fresh process-like start, 10 more.
        double[] Losses(TrainingHistory h) => h.Records.Where(r => r.Step > 10).SelectMany(r => new[] { r.Metrics["loss_d"], r.Metrics["loss_g"] }).ToArray();

        TrainingHistory full;
        using (var gan = ToyGan(GanLoss.WganGp, seed: 3))
            full = new Trainer(gan, RingBatches(3), new TrainerOptions(Steps: 20)).Run();

        using (var gan = ToyGan(GanLoss.WganGp, seed: 3))
        {
            var first = new Trainer(gan, RingBatches(3), new TrainerOptions(Steps: 10));
            first.Run();
            first.SaveCheckpoint(Path.Combine(folder, "ckpt"));
        }
        manual_seed(999); // a different global state, which the checkpoint must overwrite
        using (var gan = ToyGan(GanLoss.WganGp, seed: 42)) // different initial weights, overwritten too
        {
            var resumed = new Trainer(gan, RingBatches(3), new TrainerOptions(Steps: 20));
            resumed.LoadCheckpoint(Path.Combine(folder, "ckpt"));
            Assert.Equal(10, resumed.StepsDone);
            var history = resumed.Run();
            Assert.Equal(20, history.Records.Count);
            Assert.Equal(Losses(full), Losses(history));
        }
    }

    [Fact]
    public void HundredsOfStepsLeaveNoLiveTensorsBehind()
    {
        using var gan = ToyGan(GanLoss.WganGp, seed: 5); // exercises the gradient-penalty graph too
        var trainer = new Trainer(gan, RingBatches(5), new TrainerOptions(Steps: 20));
        trainer.Run(); // warm-up: optimiser state and the epoch permutation are created once
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var source = RingBatches(5);
        new Trainer(gan, source, new TrainerOptions(Steps: 100)).Run();
        long after100 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        new Trainer(gan, source, new TrainerOptions(Steps: 400)).Run();
        long after400 = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        // 300 further steps (WGAN-GP: 5 critic steps each) add no live tensor.
        Assert.True(after100 == after400, $"live tensors: {before} before, {after100} after 100 steps, {after400} after 400");
    }

    [Fact]
    public void EmaGeneratorAveragesWithAWarmedUpDecay()
    {
        manual_seed(8);
        var options = GanTrainingOptions.For(GanLoss.NonSaturating) with { EmaDecay = 0.999 };
        using var gan = new GanTrainable(() => new MlpGenerator(4, 16, 2), () => new MlpDiscriminator(2, 16), options);
        var before = gan.Generator.parameters().Select(p => p.detach().clone()).ToList();
        new Trainer(gan, RingBatches(8), new TrainerOptions(Steps: 1)).Run();
        // Step 1: β₁ = min(0.999, (1 + 1)/(10 + 1)) = 2/11, so θ_ema = 2/11·θ₀ + 9/11·θ₁.
        foreach (var ((ema, live), initial) in gan.EmaGenerator!.parameters().Zip(gan.Generator.parameters()).Zip(before))
        {
            var expected = initial * (2.0 / 11) + live.detach() * (9.0 / 11);
            Assert.True((ema - expected).abs().max().item<float>() < 1e-6f);
        }
    }

    [Fact]
    public void NonFiniteLossStopsTheRunWithTheStepAndKeepsTheHistory()
    {
        var folder = TestPaths.NewTempFolder();
        using var gan = ToyGan(GanLoss.NonSaturating, seed: 2);
        var points = full(new long[] { 512, 2 }, float.NaN);
        var trainer = new Trainer(gan, new TensorBatches(points, null, 64, 0), new TrainerOptions(Steps: 5, OutputFolder: folder));
        var ex = Assert.Throws<TrainingDivergedException>(() => trainer.Run());
        Assert.Contains("step 1", ex.Message);
        Assert.True(File.Exists(Path.Combine(folder, "history.csv")));
    }
}
