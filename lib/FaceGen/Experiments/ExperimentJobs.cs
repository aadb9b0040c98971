using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Losses;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Experiments;

/// <summary>What one run measured: its metrics (names of <see cref="AblationMetrics"/>), the training steps and
/// their seconds (for steps/s) and the trainable parameter count. The runner adds wall time and peak memory.</summary>
public sealed record RunMeasurement(IReadOnlyDictionary<string, double> Metrics, long Steps, double TrainSeconds, long Parameters);

/// <summary>Runs one planned run into its (new, empty) folder and measures it. <see cref="Ablation"/> calls the
/// default, <see cref="ExperimentJobs"/>; tests pass their own.</summary>
public delegate RunMeasurement RunExecutor(PlannedRun run, string folder, IProgress<ProgressReport>? progress);

/// <summary>
/// The jobs behind an ablation and the metrics that fit each model:
/// GAN (<see cref="GanJob"/>): pixel-space FD at the best and the last evaluation and, with a recogniser, the
/// embedding-space FD, KID, precision and recall of 512 samples of the best checkpoint against up to 512 training
/// faces (<see cref="RecognizerEmbeddingMetrics"/>; images resized and converted to the recogniser's size and channels).
/// VAE (<see cref="VaeJob"/>): on the held-out split, with the best checkpoint, the ELBO, the IWAE bound with 64
/// importance samples (and bits/dim), the KL term, and the reconstruction MSE of the decoder mean at z = μ(x).
/// Recogniser (<see cref="RecognizerJob"/>): identification accuracy, verification AUC and EER, eigenfaces accuracy.
/// The recogniser used for GAN metrics is loaded (or trained into <c>&lt;experiment&gt;/recognizer</c>) once and
/// reused by every run; a finished one (its <c>metrics.json</c> exists) is not trained again on resume.
/// </summary>
public sealed class ExperimentJobs : IDisposable
{
    /// <summary>Samples (and at most this many real faces) for the embedding-space metrics.</summary>
    public const int EmbeddingSamples = 512;
    /// <summary>Importance samples K of the IWAE bound.</summary>
    public const int ImportanceSamples = 64;

    readonly ExperimentSpec spec;
    readonly string experimentFolder;
    readonly string profile;
    FaceEmbedder? recognizer;

    /// <summary>Jobs of <paramref name="spec"/> run into <paramref name="experimentFolder"/> in <paramref name="profile"/>
    /// (which sizes the recogniser trained for embedding metrics).</summary>
    public ExperimentJobs(ExperimentSpec spec, string experimentFolder, string profile)
    {
        TorchRuntime.EnsureInitialized();
        this.spec = spec;
        this.experimentFolder = experimentFolder;
        this.profile = profile;
    }

    /// <summary>A <see cref="RunExecutor"/> that runs the job of <paramref name="run"/>.</summary>
    public RunMeasurement Run(PlannedRun run, string folder, IProgress<ProgressReport>? progress) => run.Options switch
    {
        GanJobOptions gan => Gan(gan, folder, progress),
        VaeJobOptions vae => Vae(vae, folder, progress),
        RecognizerJobOptions recognizerOptions => Recognizer(recognizerOptions, folder, progress),
        _ => throw new ArgumentException($"run {run.FolderName}: options of type {run.Options.GetType().Name} are not a job's."),
    };

    RunMeasurement Gan(GanJobOptions options, string folder, IProgress<ProgressReport>? progress)
    {
        var result = GanJob.Run(options, folder, progress);
        var history = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")), Path.Combine(folder, "history.csv"));
        var (_, distances) = history.Series("eval_fd_pixels8");
        var metrics = new Dictionary<string, double>
        {
            ["fd_pixels8_best"] = result.BestFrechetDistance ?? double.NaN,
            ["fd_pixels8_final"] = distances.Length > 0 ? distances[^1] : double.NaN,
        };
        if (Prepare(progress) is FaceEmbedder embedder)
            foreach (var (name, value) in EmbeddingMetrics(embedder, options, folder)) metrics[name] = value;
        return new RunMeasurement(metrics, result.Steps, result.Seconds, result.GeneratorParameters + result.DiscriminatorParameters);
    }

    /// <summary>embedding_fd, embedding_kid, precision and recall of the run's generator (best checkpoint).</summary>
    static Dictionary<string, double> EmbeddingMetrics(FaceEmbedder embedder, GanJobOptions options, string folder)
    {
        using var scope = NewDisposeScope();
        var (generator, _) = GanJob.LoadGenerator(folder);
        using (generator)
        using (var data = options.LoadData(options.Seed, DatasetPart.Train, null))
        using (no_grad())
        {
            int realCount = Math.Min(EmbeddingSamples, data.Count);
            var index = linspace(0, data.Count - 1, realCount).round().to_type(ScalarType.Int64);
            var real = embedder.Prepare(FaceDataset.ToUnitRange(data.Images.index_select(0, index)));
            using var noise = new torch.Generator((ulong)options.Seed + 4_242);
            var z = generator.SampleLatent(EmbeddingSamples, noise);
            var labels = ClassBalance.CyclicLabels(EmbeddingSamples, generator.ClassCount);
            var fake = embedder.Prepare(ImageAdapter.SignedToUnit(generator.forward(z, labels)).clamp(0, 1));
            var pr = RecognizerEmbeddingMetrics.PrecisionRecall(embedder, real, fake);
            return new Dictionary<string, double>
            {
                ["embedding_fd"] = RecognizerEmbeddingMetrics.FrechetDistance(embedder, real, fake),
                ["embedding_kid"] = RecognizerEmbeddingMetrics.KernelDistance(embedder, real, fake),
                ["precision"] = pr.Precision,
                ["recall"] = pr.Recall,
            };
        }
    }

    /// <summary>The experiment's recogniser for GAN metrics: none unless the spec names one; a run folder is loaded,
    /// options are trained once into <c>recognizer/</c>. The runner calls this before its first run, so that no
    /// run's wall time includes it.</summary>
    public FaceEmbedder? Prepare(IProgress<ProgressReport>? progress)
    {
        if (recognizer is not null || (spec.RecognizerRun is null && spec.RecognizerOverrides is null)) return recognizer;
        var folder = spec.RecognizerRun ?? Path.Combine(experimentFolder, "recognizer");
        // Workers sharing the folder (--shard, a cluster's array) train it once: the one holding the claim trains, the
        // others wait for its metrics.json (or take over the claim if that worker dies).
        while (spec.RecognizerRun is null && !File.Exists(Path.Combine(folder, "metrics.json")))
        {
            using var claim = new CellClaims(experimentFolder).TryClaim("recognizer");
            if (claim is null)
            {
                Thread.Sleep(TimeSpan.FromSeconds(2));
                continue;
            }
            if (File.Exists(Path.Combine(folder, "metrics.json"))) break;
            claim.RecordStart();
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            RecognizerJob.Run(spec.RecognizerOptions(profile)!, folder, Rename(progress, "recognizer for embedding metrics"));
        }
        recognizer = RecognizerJob.Load(folder).Embedder;
        return recognizer;
    }

    static RunMeasurement Vae(VaeJobOptions options, string folder, IProgress<ProgressReport>? progress)
    {
        var result = VaeJob.Run(options, folder, progress);
        var (model, _) = VaeJob.Load(folder);
        using (model)
        {
            var likelihood = options.ParsedLikelihood;
            var (train, test) = VaeJob.LoadSplit(options, null);
            using (train)
            using (test)
            {
                var evaluation = VaeJob.Evaluate(model, likelihood, test, ImportanceSamples, CPU);
                var metrics = new Dictionary<string, double>
                {
                    ["test_elbo"] = evaluation.Elbo,
                    ["test_iwae"] = evaluation.LogLikelihood,
                    ["bits_per_dim"] = evaluation.BitsPerDimension,
                    ["kl"] = evaluation.Kl,
                    ["reconstruction_mse"] = ReconstructionError(model, likelihood, test),
                };
                return new RunMeasurement(metrics, result.Steps, result.Seconds, result.Parameters);
            }
        }
    }

    /// <summary>Mean over pixels and images of (E[p(x | z = μ(x))] − x)², images in [0, 1].</summary>
    static double ReconstructionError(Vae model, ReconstructionLikelihood likelihood, FaceDataset test)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = FaceDataset.ToUnitRange(test.Images);
        var labels = model.ClassCount > 0 ? test.Labels : null;
        var (mu, _) = model.Encode(x, labels);
        var mean = likelihood.Mean(model.Decode(mu, labels)).view(x.shape);
        return (mean - x).square().mean().item<float>();
    }

    static RunMeasurement Recognizer(RecognizerJobOptions options, string folder, IProgress<ProgressReport>? progress)
    {
        var result = RecognizerJob.Run(options, folder, progress);
        var e = result.Evaluation;
        var metrics = new Dictionary<string, double>
        {
            ["accuracy"] = e.RecognizerAccuracy,
            ["auc"] = e.Verification.Auc,
            ["eer"] = e.Verification.EqualErrorRate,
            ["eigenfaces_accuracy"] = e.EigenfacesAccuracy,
        };
        return new RunMeasurement(metrics, result.Steps, result.Seconds, result.Parameters);
    }

    /// <summary>Progress reports under another task name (one bar per run instead of one shared "train gan" bar).</summary>
    internal static IProgress<ProgressReport>? Rename(IProgress<ProgressReport>? progress, string task) =>
        progress is null ? null : new Progress(r => progress.Report(r with { Task = $"{task}: {r.Task}" }));

    sealed class Progress(Action<ProgressReport> report) : IProgress<ProgressReport>
    {
        public void Report(ProgressReport value) => report(value);
    }

    public void Dispose() => recognizer?.Dispose();
}
