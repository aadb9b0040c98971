using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Evaluation;
using FaceGen.Jobs;
using FaceGen.Models;
using FaceGen.Restoration;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Experiments;

/// <summary>Everything that defines a restoration run (saved as <c>config.json</c>).</summary>
public sealed record RestorationJobOptions : DatasetOptions
{
    /// <summary>sr4 (×4 super-resolution, 16→64 at 64 px), denoise, inpaint.</summary>
    public string Task { get; init; } = "inpaint";
    /// <summary>unet (reconstruction loss only), unet-gan (plus an adversarial term), vae.</summary>
    public string Model { get; init; } = "unet-gan";
    public int Width { get; init; } = 32;
    public int Latent { get; init; } = 64;
    public double Beta { get; init; } = 1;
    public double AdversarialWeight { get; init; } = 0.01;
    public double[] NoiseSigmas { get; init; } = [0.05, 0.1, 0.2];
    public MaskKind[] Masks { get; init; } = Enum.GetValues<MaskKind>();
    public int Steps { get; init; } = 1000;
    public int Batch { get; init; } = 32;
    public double LearningRate { get; init; } = 2e-4;
    public int Seed { get; init; } = 1;
    public double TestFraction { get; init; } = 0.2;
    /// <summary>Held-out images scored at the end (the first N of the test split).</summary>
    public int EvaluationImages { get; init; } = 256;
    public int SampleEvery { get; init; } = 250;
    public int CheckpointEvery { get; init; } = 500;
    public string? Device { get; init; }

    public RestorationTask ParsedTask => Task switch
    {
        "sr4" => RestorationTask.SuperResolution4,
        "denoise" => RestorationTask.Denoise,
        "inpaint" => RestorationTask.Inpaint,
        _ => throw new ArgumentException($"--task {Task}: expected sr4, denoise or inpaint."),
    };

    public RestorerKind ParsedModel => Model switch
    {
        "unet" => RestorerKind.UNet,
        "unet-gan" => RestorerKind.UNetGan,
        "vae" => RestorerKind.Vae,
        _ => throw new ArgumentException($"--model {Model}: expected unet, unet-gan or vae."),
    };

    public override void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        base.Validate(spelling);
        var check = new OptionCheck(spelling);
        check.Require(Task is "sr4" or "denoise" or "inpaint", "--task", "task", Task, "expected sr4, denoise or inpaint");
        check.Require(Model is "unet" or "unet-gan" or "vae", "--model", "model", Model, "expected unet, unet-gan or vae");
        check.Require(ImageSize is >= 16 and <= 128 && ImageSize % 8 == 0, "--size", "imageSize", ImageSize,
            "the restorer needs a multiple of 8 pixels from 16 to 128");
        check.AtLeast(Width, 1, "--width", "width");
        check.AtLeast(Latent, 1, "--latent", "latent");
        check.NonNegative(Beta, "--beta", "beta");
        check.NonNegative(AdversarialWeight, "--adversarial-weight", "adversarialWeight");
        check.Require(NoiseSigmas is { Length: > 0 } && NoiseSigmas.All(s => double.IsFinite(s) && s >= 0), "--noise", "noiseSigmas", NoiseSigmas, "expected one or more finite noise levels ≥ 0");
        check.Require(Masks is { Length: > 0 }, "--masks", "masks", Masks, "expected one or more mask kinds");
        check.AtLeast(Steps, 1, "--steps", "steps");
        check.AtLeast(Batch, 1, "--batch", "batch");
        check.Positive(LearningRate, "--lr", "learningRate");
        check.AtLeast(Seed, 0, "--seed", "seed");
        check.Fraction(TestFraction, zeroAllowed: false, null, "testFraction");
        check.AtLeast(EvaluationImages, 1, "--evaluation-images", "evaluationImages");
        check.AtLeast(SampleEvery, 0, null, "sampleEvery");
        check.AtLeast(CheckpointEvery, 0, null, "checkpointEvery");
    }

    public RestorationOptions Restoration => new(ParsedTask, ParsedModel, NoiseSigmas, Masks, AdversarialWeight, LearningRate, Width, Latent, Beta, Seed);
}

/// <summary>What a finished restoration run measured (<c>metrics.json</c>).</summary>
public sealed record RestorationJobResult(string Folder, long Steps, double Seconds, long Parameters, IReadOnlyDictionary<string, double> LastStep,
    RestorationEvaluation Evaluation);

/// <summary>
/// A complete restoration run (<c>facegen train restore</c>): a stratified train/test split of the faces, the restorer
/// trained by the <see cref="Trainer"/> on degradations drawn afresh each step, the folder layout of the other jobs,
/// and an evaluation on held-out faces against the classical baselines. No checkpoint is chosen on the test faces.
/// </summary>
public static class RestorationJob
{
    /// <summary>Trains, or with <c>resumeFrom</c> (a checkpoint of this run folder, <see cref="RunResume"/>) restores it and
    /// trains on to <c>options.Steps</c>, with the results of an uninterrupted run.</summary>
    public static RestorationJobResult Run(RestorationJobOptions options, string folder, IProgress<ProgressReport>? progress = null,
        string? recognizer = null, string? resumeFrom = null, params ITrainingCallback[] callbacks)
    {
        var device = JobSupport.Start(options, options.Device, options.Seed, folder);
        var restoration = options.Restoration;
        var (train, test) = LoadSplit(options, progress);
        using (train)
        using (test)
        {
            JobSupport.WriteJson(folder, "model.json", new JobSupport.ModelShape(0, []));
            using var shown = FaceDataset.ToUnitRange(test.Images.narrow(0, 0, Math.Min(8, test.Count)));
            using var restorer = new RestorationTrainable(restoration, options.ImageSize, train.Channels, shown, device);
            using var batches = new DatasetBatches(train, new BatchOptions(Math.Min(options.Batch, train.Count), Seed: options.Seed, DropLast: true,
                RandomHorizontalFlip: true, Range: PixelRange.Unit, Device: device));
            var trainer = new Trainer(restorer, batches, new TrainerOptions(options.Steps, options.SampleEvery, options.CheckpointEvery, OutputFolder: folder),
                callbacks.Append(new JobSupport.ProgressCallback($"train restore ({options.Task}, {options.Model})", progress)).ToArray());
            if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
            var clock = Stopwatch.StartNew();
            var history = trainer.Run();
            double seconds = clock.Elapsed.TotalSeconds;
            trainer.SaveCheckpoint(Path.Combine(folder, "checkpoints", "final"));

            var evaluation = Evaluate(restorer, options, test, recognizer, device);
            var result = new RestorationJobResult(folder, trainer.StepsDone, seconds,
                restorer.Modules.Values.Sum(GanArchitecture.ParameterCount), history.Records[^1].Metrics, evaluation);
            JobSupport.WriteJson(folder, "metrics.json", result);
            RunReport.Write(folder, $"Restoration on {train.Name}: {options.Task} with {options.Model}", new Dictionary<string, string>
            {
                ["data"] = $"{train.Name}: {train.Count} training / {test.Count} test images, {train.Channels}×{train.Height}×{train.Width}",
                ["model"] = $"{options.Model}, width {options.Width}, {result.Parameters:N0} parameters (with the discriminator, if any)",
                ["training"] = $"{result.Steps} steps of batch {options.Batch}, Adam {options.LearningRate}, seed {options.Seed}, {seconds:F1} s",
                ["held-out scores"] = string.Join("; ", evaluation.Scores.Select(RestorationScoring.Describe)),
            }, history);
            return result;
        }
    }

    /// <summary>Train and test parts: a stratified split (by identity label) of the whole set.</summary>
    public static (FaceDataset Train, FaceDataset Test) LoadSplit(RestorationJobOptions o, IProgress<ProgressReport>? progress)
    {
        using var all = o.LoadData(o.Seed, DatasetPart.Train, progress);
        return Splits.Stratified(all, o.TestFraction, o.Seed);
    }

    /// <summary>The restorer of a run (its final checkpoint, or the checkpoint folder given), with the run's options.</summary>
    public static (RestorationTrainable Restorer, RestorationJobOptions Options) Load(string runOrCheckpoint, Device? device = null)
    {
        var (run, checkpoint) = JobSupport.ResolveRun(runOrCheckpoint);
        JobSupport.Weights(checkpoint, "restorer.module", "a restorer");
        var options = JobSupport.ReadJson<RestorationJobOptions>(Path.Combine(run, "config.json"));
        var restorer = new RestorationTrainable(options.Restoration, options.ImageSize, options.Channels, zeros(1, options.Channels, options.ImageSize, options.ImageSize), device);
        foreach (var (name, module) in restorer.Modules)
        {
            JobSupport.LoadWeights(module, run, JobSupport.Weights(checkpoint, $"{name}.module", $"a {options.Model} restorer"), $"a {options.Model} restorer's {name}");
            module.eval();
        }
        return (restorer, options);
    }

    /// <summary><see cref="RestorationScoring.Evaluate"/> with this run's options: its task, noise levels or masks,
    /// model name, number of held-out faces and seed.</summary>
    public static RestorationEvaluation Evaluate(RestorationTrainable restorer, RestorationJobOptions options, FaceDataset test,
        string? recognizerRun, Device device) =>
        RestorationScoring.Evaluate(restorer, options.Restoration, options.Task, options.Model, test, options.EvaluationImages, recognizerRun, device);
}
