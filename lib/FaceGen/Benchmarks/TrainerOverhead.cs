using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Benchmarks;

/// <summary>Per-step times of the two loops, in seconds, and the trainer's overhead over the bare loop.</summary>
public sealed record OverheadResult(int ImageSize, int Width, int Batch, int Rounds, int StepsPerBlock, double[] BareSeconds, double[] TrainerSeconds)
{
    public double BareMedian => Median(BareSeconds);
    public double TrainerMedian => Median(TrainerSeconds);
    /// <summary>TrainerMedian / BareMedian − 1.</summary>
    public double Overhead => TrainerMedian / BareMedian - 1;
    static double Median(double[] v) { var s = v.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
}

/// <summary>
/// The kit's trainer (dispose scope, metrics with their host syncs, gradient norms, history, a progress
/// callback) against a bare hand-written TorchSharp loop of the same DCGAN step (non-saturating loss,
/// Adam), on the same models and batches, interleaved in blocks so that machine noise hits both alike.
/// </summary>
public static class TrainerOverhead
{
    public static OverheadResult Measure(int imageSize = 64, int width = 64, int batch = 64, int rounds = 5, int stepsPerBlock = 5,
        IProgress<ProgressReport>? progress = null)
    {
        Seeding.Seed(0);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(32, 8, imageSize, 3, 0));
        var options = GanTrainingOptions.For(GanLoss.NonSaturating);
        using var gan = new GanTrainable(() => new DcganGenerator(imageSize, 3, 100, width), () => new DcganDiscriminator(imageSize, 3, width), options);
        using var data = new DatasetBatches(faces, new BatchOptions(batch, Seed: 0, DropLast: true, Range: PixelRange.Signed));
        var g = gan.Generator;
        var d = gan.Discriminator;
        using var optG = optim.Adam(g.parameters(), options.GeneratorLearningRate, options.Beta1, options.Beta2);
        using var optD = optim.Adam(d.parameters(), options.DiscriminatorLearningRate, options.Beta1, options.Beta2);

        void BareStep()
        {
            using var scope = NewDisposeScope();
            var real = data.Next().Images;
            var fake = g.forward(g.SampleLatent(batch)).detach();
            var lossD = softplus(-d.forward(real)).mean() + softplus(d.forward(fake)).mean();
            optD.zero_grad();
            lossD.backward();
            optD.step();
            var lossG = softplus(-d.forward(g.forward(g.SampleLatent(batch)))).mean();
            optG.zero_grad();
            lossG.backward();
            optG.step();
        }

        var callback = new CountingCallback();
        BareStep(); // warm-up: allocator, Adam state
        new Trainer(gan, data, new TrainerOptions(1), callback).Run();
        var bare = new List<double>();
        var trained = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < stepsPerBlock; i++) BareStep();
            bare.Add(clock.Elapsed.TotalSeconds / stepsPerBlock);
            clock.Restart();
            new Trainer(gan, data, new TrainerOptions(stepsPerBlock), callback).Run();
            trained.Add(clock.Elapsed.TotalSeconds / stepsPerBlock);
            progress?.Report(new("bench trainer", r + 1, rounds, "rounds"));
        }
        return new OverheadResult(imageSize, width, batch, rounds, stepsPerBlock, bare.ToArray(), trained.ToArray());
    }

    /// <summary>Stands in for a progress bar: the trainer calls it every step.</summary>
    sealed class CountingCallback : ITrainingCallback
    {
        public long Steps;
        public void OnStep(StepRecord record, long totalSteps) => Steps++;
    }
}
