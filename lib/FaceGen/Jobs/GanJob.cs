using System.Diagnostics;
using System.Text.Json.Serialization;
using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Jobs;

/// <summary>Everything that defines a GAN training run (saved as <c>config.json</c> in its folder).</summary>
public sealed record GanJobOptions : DatasetOptions
{
    /// <summary>dcgan, or tutorial (the source's Keras networks — they cannot train on images, see <c>FaceGen.Tutorial.TutorialKerasGenerator</c>).</summary>
    public string Arch { get; init; } = "dcgan";
    public GanLoss Loss { get; init; } = GanLoss.NonSaturating;
    public bool Conditional { get; init; }
    public int Steps { get; init; } = 2000;
    public int Batch { get; init; } = 64;
    public int Seed { get; init; }
    public int Width { get; init; } = 64;
    public int Latent { get; init; } = 100;
    /// <summary>Null: batch norm, or none for WGAN-GP (its penalty needs per-sample gradients).</summary>
    public DiscriminatorNorm? Norm { get; init; }
    /// <summary>Null: the loss's default (5 for WGAN-GP, else 1).</summary>
    public int? CriticSteps { get; init; }
    public double EmaDecay { get; init; }
    public double R1Gamma { get; init; }
    public bool Flip { get; init; } = true;
    /// <summary>Fraction of each identity's images held out of training (stratified, seeded with <see cref="Seed"/>;
    /// <see cref="GanJob.LoadSplit"/>), so that <c>facegen eval generator</c> can compare samples with real images the
    /// generator never saw. 0 (the default): train on every image.</summary>
    public double HoldOutFraction { get; init; }
    public int SampleEvery { get; init; } = 250;
    public int EvaluateEvery { get; init; } = 250;
    public int CheckpointEvery { get; init; } = 500;
    public string? Device { get; init; }

    public DiscriminatorNorm EffectiveNorm => Norm ?? GanLossDefinition.Of(Loss).DefaultNorm;

    public override void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        base.Validate(spelling);
        var check = new OptionCheck(spelling);
        check.Require(Arch != "tutorial", "--arch", "arch", Arch, "the tutorial's Keras generator never upsamples — it outputs 3×4×4 images, " +
            "so it cannot be trained against 32×32 or 64×64 faces (erratum shown in notebooks/02); use dcgan");
        check.Require(Arch == "dcgan", "--arch", "arch", Arch, "expected dcgan or tutorial");
        check.OneOf(ImageSize, ConvolutionalSizes, "--image-size", "imageSize", " pixels (DCGAN models need 4·2^k)");
        check.AtLeast(Steps, 1, "--steps", "steps");
        check.AtLeast(Batch, 1, "--batch", "batch");
        check.AtLeast(Seed, 0, "--seed", "seed");
        check.AtLeast(Width, 1, "--width", "width");
        check.AtLeast(Latent, 1, "--latent", "latent");
        check.Require(!(GanLossDefinition.Of(Loss).GradientPenalty && Norm == DiscriminatorNorm.Batch), "--d-norm", "norm", "batch",
            $"with loss {Loss.ToString().ToLowerInvariant()}, the gradient penalty needs per-sample gradients, which batch norm mixes; use none or spectral");
        check.AtLeast(CriticSteps, 1, "--critic-steps", "criticSteps");
        check.Fraction(EmaDecay, zeroAllowed: true, "--ema", "emaDecay");
        check.NonNegative(R1Gamma, "--r1", "r1Gamma");
        check.Fraction(HoldOutFraction, zeroAllowed: true, "--hold-out", "holdOutFraction");
        check.AtLeast(SampleEvery, 0, "--sample-every", "sampleEvery");
        check.AtLeast(EvaluateEvery, 0, "--eval-every", "evaluateEvery");
        check.AtLeast(CheckpointEvery, 0, "--checkpoint-every", "checkpointEvery");
    }
}

/// <summary>What a finished run measured (also written as <c>metrics.json</c>).</summary>
public sealed record GanJobResult(string Folder, long Steps, double Seconds, double StepsPerSecond, long GeneratorParameters,
    long DiscriminatorParameters, IReadOnlyDictionary<string, double> LastStep, double? BestFrechetDistance, long? BestStep);

/// <summary>
/// A complete GAN run, shared by <c>facegen train gan</c> and the notebooks: load the data, build the
/// models, train with the <see cref="Trainer"/>, and write into a new folder: <c>config.json</c>,
/// <c>history.csv</c>, <c>metrics.json</c>, <c>samples_&lt;step&gt;.png</c>, <c>checkpoints/final</c> and
/// <c>checkpoints/best</c> (lowest pixel-space Fréchet distance, <see cref="FrechetDistance"/>; GANs often
/// end worse than their best step), and <c>report.html</c>.
/// </summary>
public static class GanJob
{
    const int EvaluationSamples = 512;

    /// <summary>Trains, or with <c>resumeFrom</c> (a checkpoint of this run folder, <see cref="RunResume"/>) restores it and
    /// trains on to <c>options.Steps</c>, with the results of an uninterrupted run.</summary>
    public static GanJobResult Run(GanJobOptions options, string folder, IProgress<ProgressReport>? progress = null, string? resumeFrom = null,
        params ITrainingCallback[] callbacks)
    {
        var device = JobSupport.Start(options, options.Device, options.Seed, folder);

        var split = LoadSplit(options, progress);
        using var data = split.Train;
        using var heldOut = split.HeldOut;
        if (data.Count < options.Batch)
            throw new ArgumentException($"--batch {options.Batch} is larger than the data set '{data.Name}' ({data.Count} images).");
        int classes = options.Conditional ? data.ClassCount : 0;
        JobSupport.WriteJson(folder, "model.json", new JobSupport.ModelShape(classes, data.ClassNames.ToArray()));

        var defaults = GanTrainingOptions.For(options.Loss);
        var trainingOptions = defaults with
        {
            CriticSteps = options.CriticSteps ?? defaults.CriticSteps,
            EmaDecay = options.EmaDecay, R1Gamma = options.R1Gamma, Seed = options.Seed,
        };
        using var gan = new GanTrainable(() => CreateGenerator(options, classes), () => CreateDiscriminator(options, classes), trainingOptions, device);
        using var batches = new DatasetBatches(data, new BatchOptions(options.Batch, Seed: options.Seed, DropLast: true,
            RandomHorizontalFlip: options.Flip, Range: PixelRange.Signed, Device: device));
        using var realFeatures = RealFeatures(data);
        using var evaluationNoise = gan.Generator.SampleLatent(EvaluationSamples, new Generator((ulong)options.Seed + 777));
        using var evaluationLabels = ClassBalance.CyclicLabels(EvaluationSamples, classes, device);

        double PixelFd() => FrechetDistance.OfGenerator(gan.EmaGenerator ?? gan.Generator, evaluationNoise, realFeatures, evaluationLabels);

        var trainer = new Trainer(gan, batches,
            new TrainerOptions(options.Steps, options.SampleEvery, options.CheckpointEvery, options.EvaluateEvery,
                new PeriodicEvaluation("fd_pixels8", PixelFd), folder),
            callbacks.Append(new JobSupport.ProgressCallback("train gan", progress)).ToArray());
        if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
        long firstStep = trainer.StepsDone;
        var clock = Stopwatch.StartNew();
        var history = trainer.Run();
        double seconds = clock.Elapsed.TotalSeconds;
        trainer.SaveCheckpoint(Path.Combine(folder, "checkpoints", "final"));

        var best = history.Best("eval_fd_pixels8", higherIsBetter: false);
        var result = new GanJobResult(folder, trainer.StepsDone, seconds, (trainer.StepsDone - firstStep) / seconds,
            GanArchitecture.ParameterCount(gan.Generator), GanArchitecture.ParameterCount(gan.Discriminator),
            history.Records[^1].Metrics, best?.Value, best?.Step);
        JobSupport.WriteJson(folder, "metrics.json", result);
        RunReport.Write(folder, $"GAN on {data.Name}: {options.Arch}, {options.Loss}, {options.ImageSize} px", Settings(options, data, heldOut, result), history);
        return result;
    }

    static IReadOnlyDictionary<string, string> Settings(GanJobOptions o, FaceDataset data, FaceDataset? heldOut, GanJobResult r) => new Dictionary<string, string>
    {
        ["data"] = $"{data.Name}: {data.Count} images, {data.ClassCount} classes, {data.Channels}×{data.Height}×{data.Width}" +
                   (heldOut is null ? "" : $"; {heldOut.Count} more held out ({o.HoldOutFraction:P0} of each identity, seed {o.Seed})"),
        ["model"] = $"{o.Arch}, width {o.Width}, latent {o.Latent}, D norm {o.EffectiveNorm}{(o.Conditional ? ", conditional" : "")}; " +
                    $"G {r.GeneratorParameters:N0} / D {r.DiscriminatorParameters:N0} parameters",
        ["training"] = $"{o.Loss}, {r.Steps} steps of batch {o.Batch}, seed {o.Seed}, EMA {o.EmaDecay}, R1 γ {o.R1Gamma}",
        ["time"] = $"{r.Seconds:F1} s ({r.StepsPerSecond:F2} steps/s)",
        ["best fd_pixels8"] = r.BestFrechetDistance is null ? "—" : $"{r.BestFrechetDistance:F4} at step {r.BestStep}",
    };

    /// <summary>The run's training images, and with <see cref="GanJobOptions.HoldOutFraction"/> f &gt; 0 the held-out
    /// real images: <see cref="Splits.Stratified(FaceDataset, double, int)"/> with f and the run's seed, i.e. round(n_c·f)
    /// images of every identity c (so a conditional generator's classes are all present in both parts). Whole identities
    /// are not held out on purpose: the memorisation check asks whether a sample is closer to a training image than a
    /// new photograph of the same people would be. Rebuilt identically from <c>config.json</c>.</summary>
    public static (FaceDataset Train, FaceDataset? HeldOut) LoadSplit(GanJobOptions o, IProgress<ProgressReport>? progress = null)
    {
        o.Validate();
        var all = o.LoadData(o.Seed, DatasetPart.Train, progress);
        if (o.HoldOutFraction == 0) return (all, null);
        using (all)
        {
            var (train, heldOut) = Splits.Stratified(all, o.HoldOutFraction, o.Seed);
            if (heldOut.Count == 0)
            {
                heldOut.Dispose();
                train.Dispose();
                throw new ArgumentException($"--hold-out {o.HoldOutFraction}: rounds to no held-out image per identity in '{all.Name}'; choose a larger fraction.");
            }
            return (train, heldOut);
        }
    }

    static Tensor RealFeatures(FaceDataset data)
    {
        using var scope = NewDisposeScope();
        var count = Math.Min(EvaluationSamples, data.Count);
        var index = linspace(0, data.Count - 1, count).round().to_type(ScalarType.Int64);
        return FrechetDistance.PixelFeatures(FaceDataset.ToSignedRange(data.Images.index_select(0, index))).MoveToOuterDisposeScope();
    }

    public static GanGenerator CreateGenerator(GanJobOptions o, int classes) =>
        new DcganGenerator(o.ImageSize, o.Channels, o.Latent, o.Width, classes);

    public static GanDiscriminator CreateDiscriminator(GanJobOptions o, int classes) =>
        new DcganDiscriminator(o.ImageSize, o.Channels, o.Width, o.EffectiveNorm, classes);

    /// <summary>The generator of a run (its EMA copy when there is one) from a run folder (its best checkpoint)
    /// or one of its checkpoint folders, in eval mode, with the run's options.</summary>
    public static (GanGenerator Generator, GanJobOptions Options) LoadGenerator(string runOrCheckpoint, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        var (run, checkpoint) = JobSupport.ResolveRun(runOrCheckpoint);
        var ema = Path.Combine(checkpoint, "generator_ema.module");
        var weights = File.Exists(ema) ? ema : JobSupport.Weights(checkpoint, "generator.module", "a GAN");
        var options = JobSupport.ReadJson<GanJobOptions>(Path.Combine(run, "config.json"));
        var model = JobSupport.ReadJson<JobSupport.ModelShape>(Path.Combine(run, "model.json"));
        var generator = CreateGenerator(options, model.Classes);
        JobSupport.LoadWeights(generator, run, weights, "a GAN generator");
        generator.to(device ?? CPU);
        generator.eval();
        return (generator, options);
    }

}
