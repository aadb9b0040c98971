using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Jobs;

/// <summary>Everything that defines a VAE training run (saved as <c>config.json</c> in its folder).</summary>
public sealed record VaeJobOptions : DatasetOptions
{
    /// <summary>mlp (784-400-20, pytorch/examples) or conv.</summary>
    public string Arch { get; init; } = "conv";
    public bool Conditional { get; init; }
    public int Latent { get; init; } = 32;
    public int Width { get; init; } = 32;
    public double Beta { get; init; } = 1;
    public long WarmupSteps { get; init; }
    /// <summary>bernoulli (on [0, 1] targets), gaussian, laplace.</summary>
    public string Likelihood { get; init; } = "bernoulli";
    /// <summary>Fixed σ (Gaussian) or b (Laplace); null = learned per pixel.</summary>
    public double? Scale { get; init; }
    /// <summary>Steps; 0 = use <see cref="Epochs"/>.</summary>
    public int Steps { get; init; }
    public int Epochs { get; init; } = 10;
    public int Batch { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    public int Seed { get; init; } = 1;
    /// <summary>Held-out fraction for sets without a test part (all but fashion-mnist, cifar10).</summary>
    public double TestFraction { get; init; } = 0.1;
    public int SampleEvery { get; init; } = 500;
    /// <summary>Held-out ELBO every N steps (0: once per epoch); the best checkpoint has the highest.</summary>
    public int EvaluateEvery { get; init; }
    public int CheckpointEvery { get; init; } = 1000;
    public string? Device { get; init; }

    public ReconstructionLikelihood ParsedLikelihood => ReconstructionLikelihood.Parse(Likelihood, Scale);

    public override void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        base.Validate(spelling);
        var check = new OptionCheck(spelling);
        check.Require(Arch is "conv" or "mlp", "--arch", "arch", Arch, "expected conv or mlp");
        if (Arch == "conv") check.OneOf(ImageSize, ConvolutionalSizes, "--image-size", "imageSize", " pixels (the conv VAE needs 4·2^k)");
        else check.Require(ImageSize is >= 1 and <= 128, "--image-size", "imageSize", ImageSize, "the MLP VAE takes 1 to 128 pixels (28 for MNIST-sized images)");
        check.AtLeast(Latent, 1, "--latent", "latent");
        check.AtLeast(Width, 1, "--width", "width");
        check.NonNegative(Beta, "--beta", "beta");
        check.AtLeast(WarmupSteps, 0, "--warmup", "warmupSteps");
        check.Require(Likelihood?.Trim().ToLowerInvariant() is "bernoulli" or "gaussian" or "laplace", "--likelihood", "likelihood", Likelihood, "expected bernoulli, gaussian or laplace");
        check.Positive(Scale, "--scale", "scale");
        // 0 steps means "use epochs"; a negative count means neither and once ran the default 10 epochs silently.
        check.Require(Steps >= 0, "--steps", "steps", Steps, "must be ≥ 1, or 0 to train for the given epochs");
        check.AtLeast(Epochs, 1, "--epochs", "epochs");
        check.AtLeast(Batch, 1, "--batch", "batch");
        check.Positive(LearningRate, "--lr", "learningRate");
        check.AtLeast(Seed, 0, "--seed", "seed");
        if (Dataset is not ("fashion-mnist" or "cifar10"))
            check.Fraction(TestFraction, zeroAllowed: false, null, "testFraction");
        check.AtLeast(SampleEvery, 0, "--sample-every", "sampleEvery");
        check.AtLeast(EvaluateEvery, 0, "--eval-every", "evaluateEvery");
        check.AtLeast(CheckpointEvery, 0, "--checkpoint-every", "checkpointEvery");
    }
}

/// <summary>What a finished VAE run measured (<c>metrics.json</c>).</summary>
public sealed record VaeJobResult(string Folder, long Steps, int BatchesPerEpoch, double Seconds, long Parameters,
    IReadOnlyDictionary<string, double> LastStep, double TestElbo, double? BestTestElbo, long? BestStep);

/// <summary>What <c>facegen eval vae</c> reports on a test split, per image: the ELBO (β = 1) and its two terms,
/// and the importance-sampled estimate of log p(x) with K samples — the IWAE bound L_K, which rises toward
/// log p(x) as K grows — in nats and in bits per dimension.</summary>
public sealed record VaeEvaluation(int Images, double Elbo, double Reconstruction, double Kl, int ImportanceSamples,
    double LogLikelihood, double BitsPerDimension);

/// <summary>
/// A complete VAE run, shared by <c>facegen train vae</c> and the notebooks: the same folder layout as
/// <see cref="GanJob"/> (config, model, history, metrics, samples, final and best checkpoints, report).
/// The best checkpoint has the highest held-out ELBO.
/// </summary>
public static class VaeJob
{
    /// <summary>Trains, or with <c>resumeFrom</c> (a checkpoint of this run folder, <see cref="RunResume"/>) restores it and
    /// trains on to <c>options.Steps</c>, with the results of an uninterrupted run.</summary>
    public static VaeJobResult Run(VaeJobOptions options, string folder, IProgress<ProgressReport>? progress = null, string? resumeFrom = null,
        params ITrainingCallback[] callbacks)
    {
        var device = JobSupport.Start(options, options.Device, options.Seed, folder);
        var likelihood = options.ParsedLikelihood;
        var (train, test) = LoadSplit(options, progress);
        using (train)
        using (test)
        {
            int classes = options.Conditional ? train.ClassCount : 0;
            JobSupport.WriteJson(folder, "model.json", new JobSupport.ModelShape(classes, train.ClassNames.ToArray()));
            var batchOptions = new BatchOptions(options.Batch, Seed: options.Seed, DropLast: false, Range: PixelRange.Unit, Device: device);
            using var batches = new DatasetBatches(train, batchOptions);
            int perEpoch = new BatchIterator(train, batchOptions).BatchesPerEpoch;
            int steps = options.Steps > 0 ? options.Steps : options.Epochs * perEpoch;

            using var shown = test.Subset(Enumerable.Range(0, Math.Min(8, test.Count)).ToArray());
            using var vae = new VaeTrainable(CreateModel(options, classes, likelihood.LearnedScale), likelihood,
                new KlWarmup(options.Beta, options.WarmupSteps), options.LearningRate,
                FaceDataset.ToUnitRange(shown.Images), classes > 0 ? shown.Labels : null, options.Seed, device);

            double TestElbo() => Evaluate(vae.Model, likelihood, test, importanceSamples: 0, device).Elbo;
            var trainer = new Trainer(vae, batches,
                new TrainerOptions(steps, options.SampleEvery, options.CheckpointEvery, options.EvaluateEvery > 0 ? options.EvaluateEvery : perEpoch,
                    new PeriodicEvaluation("test_elbo", TestElbo, HigherIsBetter: true), folder),
                callbacks.Append(new JobSupport.ProgressCallback("train vae", progress)).ToArray());
            if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
            var clock = Stopwatch.StartNew();
            var history = trainer.Run();
            double seconds = clock.Elapsed.TotalSeconds;
            trainer.SaveCheckpoint(Path.Combine(folder, "checkpoints", "final"));

            var best = history.Best("eval_test_elbo", higherIsBetter: true);
            var (_, elbos) = history.Series("eval_test_elbo");
            var result = new VaeJobResult(folder, trainer.StepsDone, perEpoch, seconds, GanArchitecture.ParameterCount(vae.Model),
                history.Records[^1].Metrics, elbos.Length > 0 ? elbos[^1] : double.NaN, best?.Value, best?.Step);
            JobSupport.WriteJson(folder, "metrics.json", result);
            if (test.Count >= 2)
            {
                var x = FaceDataset.ToUnitRange(test.Images.narrow(0, 0, 2)).to(device);
                var labels = classes > 0 ? test.Labels.narrow(0, 0, 1).to(device) : null;
                vae.Model.eval();
                LatentGrids.Interpolation(vae.Model, likelihood, x[0], x[1], labels: labels).Save(Path.Combine(folder, "interpolation.png"));
                LatentGrids.Traversal(vae.Model, likelihood, x[0], label: labels).Save(Path.Combine(folder, "traversal.png"));
            }
            RunReport.Write(folder, $"VAE on {train.Name}: {options.Arch}, {likelihood}, β = {options.Beta}", new Dictionary<string, string>
            {
                ["data"] = $"{train.Name}: {train.Count} training / {test.Count} test images, {train.Channels}×{train.Height}×{train.Width}",
                ["model"] = $"{options.Arch}, latent {options.Latent}{(options.Arch == "conv" ? $", width {options.Width}" : "")}{(classes > 0 ? $", conditional on {classes} classes" : "")}, {result.Parameters:N0} parameters",
                ["objective"] = $"{likelihood}, β = {options.Beta}, KL warm-up over {options.WarmupSteps} steps",
                ["training"] = $"{steps} steps ({(double)steps / perEpoch:F1} epochs) of batch {options.Batch}, Adam {options.LearningRate}, seed {options.Seed}, {seconds:F1} s",
                ["held-out ELBO"] = $"last {result.TestElbo:F2} nats/image; best {result.BestTestElbo:F2} at step {result.BestStep}",
            }, history);
            return result;
        }
    }

    /// <summary>Train and test parts: the set's own test part for fashion-mnist and cifar10, else a stratified split.</summary>
    public static (FaceDataset Train, FaceDataset Test) LoadSplit(VaeJobOptions o, IProgress<ProgressReport>? progress)
    {
        if (o.Dataset is "fashion-mnist" or "cifar10")
            return (o.LoadData(o.Seed, DatasetPart.Train, progress),
                    o.LoadData(o.Seed, DatasetPart.Test, progress));
        using var all = o.LoadData(o.Seed, DatasetPart.Train, progress);
        return Splits.Stratified(all, o.TestFraction, o.Seed);
    }

    public static Vae CreateModel(VaeJobOptions o, int classes, bool learnedScale) => o.Arch switch
    {
        "mlp" => new MlpVae(o.Channels, o.ImageSize, latentSize: o.Latent, classCount: classes, learnedScale: learnedScale),
        "conv" => new ConvVae(o.ImageSize, o.Channels, o.Latent, o.Width, classes, learnedScale: learnedScale),
        _ => throw new ArgumentException($"--arch {o.Arch}: expected mlp or conv."),
    };

    /// <summary>What <c>facegen eval vae</c> measured, as <c>metrics.json</c> in <paramref name="folder"/> (the layout of
    /// <see cref="RecognizerJob.WriteEvaluation"/>).</summary>
    public static void WriteEvaluation(string folder, string checkpoint, VaeEvaluation evaluation) =>
        JobSupport.WriteJson(folder, "metrics.json", new { Checkpoint = Path.GetFullPath(checkpoint), Evaluation = evaluation });

    /// <summary>ELBO (β = 1), and with <paramref name="importanceSamples"/> K &gt; 0 the importance-sampled
    /// log p(x) (the IWAE bound) (nats per image, bits per dimension with bin width 1/255 for continuous
    /// likelihoods), averaged over the images of <paramref name="data"/>.</summary>
    public static VaeEvaluation Evaluate(Vae model, ReconstructionLikelihood likelihood, FaceDataset data, int importanceSamples, Device device, int batchSize = 256)
    {
        double elbo = 0, logP = 0, bits = 0, reconstruction = 0, kl = 0;
        bool wasTraining = model.training;
        model.eval();
        using var generator = new torch.Generator(2024);
        using (no_grad())
        {
            for (int start = 0; start < data.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(batchSize, data.Count - start);
                var x = FaceDataset.ToUnitRange(data.Images.narrow(0, start, count)).to(device);
                var labels = model.ClassCount > 0 ? data.Labels.narrow(0, start, count).to(device) : null;
                var (terms, _) = Elbo.Evaluate(model, likelihood, x, labels, beta: 1, generator: generator);
                elbo += terms.PerImage.sum().item<float>();
                reconstruction += terms.ReconstructionLogLikelihood.sum().item<float>();
                kl += terms.Kl.sum().item<float>();
                if (importanceSamples > 0)
                {
                    double? binWidth = likelihood.Kind == Likelihood.Bernoulli ? null : 1.0 / 255;
                    var estimate = Elbo.EstimateLogLikelihood(model, likelihood, x, labels, importanceSamples, binWidth, generator);
                    logP += estimate.Nats.sum().ToDouble();
                    bits += estimate.BitsPerDimension.sum().ToDouble();
                }
            }
        }
        if (wasTraining) model.train();
        int n = data.Count;
        return new VaeEvaluation(n, elbo / n, reconstruction / n, kl / n, importanceSamples,
            importanceSamples > 0 ? logP / n : double.NaN, importanceSamples > 0 ? bits / n : double.NaN);
    }

    /// <summary>The model of a VAE run from its folder (best checkpoint) or a checkpoint folder, with the run's options.</summary>
    public static (Vae Model, VaeJobOptions Options) Load(string runOrCheckpoint, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        var (run, checkpoint) = JobSupport.ResolveRun(runOrCheckpoint);
        var weights = JobSupport.Weights(checkpoint, "vae.module", "a VAE");
        var options = JobSupport.ReadJson<VaeJobOptions>(Path.Combine(run, "config.json"));
        var shape = JobSupport.ReadJson<JobSupport.ModelShape>(Path.Combine(run, "model.json"));
        var model = CreateModel(options, shape.Classes, options.ParsedLikelihood.LearnedScale);
        JobSupport.LoadWeights(model, run, weights, "a VAE");
        model.to(device ?? CPU);
        model.eval();
        return (model, options);
    }
}
