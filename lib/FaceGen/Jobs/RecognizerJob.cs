using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Jobs;

/// <summary>Everything that defines a recogniser training run (saved as <c>config.json</c> in its folder).</summary>
public sealed record RecognizerJobOptions : DatasetOptions
{
    /// <summary>AT&amp;T-sized defaults: grey faces, 40 × 10 synthetic ones.</summary>
    public RecognizerJobOptions() { Channels = 1; Identities = 40; PerIdentity = 10; }

    /// <summary>softmax, cosface or arcface (<see cref="RecognitionHead.Parse"/>).</summary>
    public string Head { get; init; } = "arcface";
    /// <summary>Training images per identity k; the rest of each identity is the test set (<see cref="Splits.PerIdentity(FaceDataset, int, int?)"/>).</summary>
    public int TrainPerIdentity { get; init; } = 5;
    /// <summary>Null: the first k images of each identity train (the AT&amp;T protocol); else k chosen with this seed.</summary>
    public int? SplitSeed { get; init; }
    public int Width { get; init; } = 16;
    public int Embedding { get; init; } = 128;
    /// <summary>Margin heads' s and m; null = the head's default (<see cref="RecognitionHead.Create"/>).</summary>
    public double? Scale { get; init; }
    public double? Margin { get; init; }
    public int Steps { get; init; } = 300;
    public int Batch { get; init; } = 64;
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 5e-4;
    public bool Flip { get; init; } = true;
    public int CropPadding { get; init; } = 4;
    public double Jitter { get; init; } = 0.2;
    public int Seed { get; init; }
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>Verification pairs drawn from the test images (at most this many of each kind).</summary>
    public int GenuinePairs { get; init; } = 3000;
    public int ImpostorPairs { get; init; } = 30000;
    public string? Device { get; init; }

    public override void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        base.Validate(spelling);
        var check = new OptionCheck(spelling);
        check.Require(OptionNames.TryParse<RecognitionHeadKind>(Head ?? "", out _), "--head", "head", Head, "expected softmax, cosface or arcface");
        check.AtLeast(TrainPerIdentity, 1, "--train-per-identity", "trainPerIdentity");
        check.AtLeast(SplitSeed, 0, "--split-seed", "splitSeed");
        check.Require(ImageSize is >= 16 and <= 128 && ImageSize % 8 == 0, "--image-size", "imageSize", ImageSize,
            "the embedder needs a multiple of 8 pixels from 16 to 128");
        check.AtLeast(Width, 1, "--width", "width");
        check.AtLeast(Embedding, 1, "--embedding", "embedding");
        check.Positive(Scale, "--scale", "scale");
        if (Margin is double margin) check.NonNegative(margin, "--margin", "margin");
        check.AtLeast(Steps, 1, "--steps", "steps");
        check.AtLeast(Batch, 1, "--batch", "batch");
        check.Positive(LearningRate, "--lr", "learningRate");
        check.NonNegative(WeightDecay, "--weight-decay", "weightDecay");
        check.AtLeast(CropPadding, 0, "--crop", "cropPadding");
        check.NonNegative(Jitter, "--jitter", "jitter");
        check.AtLeast(Seed, 0, "--seed", "seed");
        check.AtLeast(CheckpointEvery, 0, "--checkpoint-every", "checkpointEvery");
        check.AtLeast(GenuinePairs, 1, null, "genuinePairs");
        check.AtLeast(ImpostorPairs, 1, null, "impostorPairs");
    }
}

/// <summary>Closed-set identification accuracy (1-nearest-neighbour, gallery = the training images, probes = the
/// test images) of the recogniser and of two baselines on the same split, and the recogniser's verification
/// figures on pairs of test images (score = cosine of the embeddings).</summary>
public sealed record RecognizerEvaluation(int TrainImages, int TestImages, int Identities, int TrainPerIdentity,
    double RecognizerAccuracy, double EigenfacesAccuracy, int EigenfacesComponents, double PixelNearestNeighbourAccuracy,
    VerificationSummary Verification);

/// <summary>What a finished recogniser run measured (<c>metrics.json</c>).</summary>
public sealed record RecognizerJobResult(string Folder, long Steps, double Seconds, long Parameters,
    IReadOnlyDictionary<string, double> LastStep, RecognizerEvaluation Evaluation);

/// <summary>
/// A complete recogniser run, shared by <c>facegen train recognizer</c>, <c>facegen eval recognizer</c> and the
/// notebooks: split the identities' images k / rest, train the embedder and head with the <see cref="Trainer"/>,
/// and write the folder layout of <see cref="GanJob"/> (config, model, history, checkpoints/final, metrics,
/// report). No checkpoint is chosen by test accuracy — the test images are only looked at once, at the end.
/// </summary>
public static class RecognizerJob
{
    /// <summary>Trains, or with <c>resumeFrom</c> (a checkpoint of this run folder, <see cref="RunResume"/>) restores it and
    /// trains on to <c>options.Steps</c>, with the results of an uninterrupted run.</summary>
    public static RecognizerJobResult Run(RecognizerJobOptions options, string folder, IProgress<ProgressReport>? progress = null, string? resumeFrom = null,
        params ITrainingCallback[] callbacks)
    {
        var device = JobSupport.Start(options, options.Device, options.Seed, folder);
        var kind = RecognitionHead.Parse(options.Head);
        var (train, test) = LoadSplit(options, progress);
        using (train)
        using (test)
        {
            JobSupport.WriteJson(folder, "model.json", new JobSupport.ModelShape(train.ClassCount, train.ClassNames.ToArray()));
            using var recognizer = CreateTrainable(options, train.ClassCount, device);
            using var batches = CreateBatches(options, train, device);
            var trainer = new Trainer(recognizer, batches, new TrainerOptions(options.Steps, CheckpointEvery: options.CheckpointEvery, OutputFolder: folder),
                callbacks.Append(new JobSupport.ProgressCallback("train recognizer", progress)).ToArray());
            if (resumeFrom is not null) trainer.LoadCheckpoint(resumeFrom);
            var clock = Stopwatch.StartNew();
            var history = trainer.Run();
            double seconds = clock.Elapsed.TotalSeconds;
            trainer.SaveCheckpoint(Path.Combine(folder, "checkpoints", "final"));

            var evaluation = Evaluate(recognizer.Embedder, train, test, options, progress);
            var result = new RecognizerJobResult(folder, trainer.StepsDone, seconds,
                GanArchitecture.ParameterCount(recognizer.Embedder) + GanArchitecture.ParameterCount(recognizer.Head), history.Records[^1].Metrics, evaluation);
            JobSupport.WriteJson(folder, "metrics.json", result);
            RunReport.Write(folder, $"Recogniser on {train.Name}: {kind} head, k = {options.TrainPerIdentity}", new Dictionary<string, string>
            {
                ["data"] = $"{options.Dataset}: {train.Count} training / {test.Count} test images of {train.ClassCount} identities, {train.Channels}×{train.Height}×{train.Width}",
                ["model"] = $"CNN width {options.Width} → {options.Embedding}-d embedding, {kind} head, {result.Parameters:N0} parameters",
                ["training"] = $"{result.Steps} steps of batch {options.Batch}, AdamW {options.LearningRate} (cosine decay), weight decay {options.WeightDecay}, " +
                               $"flip {options.Flip}, crop ±{options.CropPadding} px, jitter {options.Jitter}, seed {options.Seed}, {seconds:F1} s",
                ["identification (1-NN)"] = $"recogniser {evaluation.RecognizerAccuracy:P1}; eigenfaces ({evaluation.EigenfacesComponents}) {evaluation.EigenfacesAccuracy:P1}; pixels {evaluation.PixelNearestNeighbourAccuracy:P1}",
                ["verification"] = $"AUC {evaluation.Verification.Auc:F4}, EER {evaluation.Verification.EqualErrorRate:P2}, " +
                                   $"TAR@FAR=1e-2 {evaluation.Verification.TarAtFar1e2:P1}, TAR@FAR=1e-3 {evaluation.Verification.TarAtFar1e3:P1} " +
                                   $"({evaluation.Verification.GenuinePairs} genuine / {evaluation.Verification.ImpostorPairs} impostor pairs)",
            }, history);
            return result;
        }
    }

    /// <summary>The run's data set split into k training images per identity and the rest for testing.</summary>
    public static (FaceDataset Train, FaceDataset Test) LoadSplit(RecognizerJobOptions o, IProgress<ProgressReport>? progress)
    {
        using var all = o.LoadData(o.Seed, DatasetPart.Train, progress);
        return Splits.PerIdentity(all, o.TrainPerIdentity, o.SplitSeed);
    }

    /// <summary>The recogniser the job trains: embedder, the options' head over <paramref name="classes"/> identities,
    /// augmentation and AdamW with cosine decay over <c>Steps</c>.</summary>
    public static RecognizerTrainable CreateTrainable(RecognizerJobOptions o, int classes, Device? device = null) =>
        new(CreateEmbedder(o), CreateHead(o, RecognitionHead.Parse(o.Head), classes), new RecognizerAugmentation(o.CropPadding, o.Jitter),
            o.LearningRate, o.WeightDecay, o.Steps, device);

    /// <summary>The job's training batches: images in [0, 1], shuffled with the options' seed, last short batch dropped,
    /// flipped when <c>Flip</c> is set.</summary>
    public static DatasetBatches CreateBatches(RecognizerJobOptions o, FaceDataset train, Device? device = null) =>
        new(train, new BatchOptions(Math.Min(o.Batch, train.Count), Seed: o.Seed, DropLast: true, RandomHorizontalFlip: o.Flip, Range: PixelRange.Unit, Device: device));

    public static FaceEmbedder CreateEmbedder(RecognizerJobOptions o) => new(o.ImageSize, o.Channels, o.Width, o.Embedding);

    public static RecognitionHead CreateHead(RecognizerJobOptions o, RecognitionHeadKind kind, int classes) =>
        RecognitionHead.Create(kind, o.Embedding, classes, o.Scale, o.Margin);

    /// <summary>The figures of <see cref="RecognizerEvaluation"/> for an embedder on a split: identification by the
    /// recogniser (embeddings), eigenfaces (min(50, N − 1) components) and raw pixels, all 1-NN with the training
    /// images as gallery; verification on seeded pairs of test images.</summary>
    public static RecognizerEvaluation Evaluate(FaceEmbedder embedder, FaceDataset train, FaceDataset test, RecognizerJobOptions options,
        IProgress<ProgressReport>? progress = null)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        progress?.Report(new("evaluate", 0, 3, "measures"));
        var trainImages = FaceDataset.ToUnitRange(train.Images);
        var testImages = FaceDataset.ToUnitRange(test.Images);
        var truth = test.Labels.data<long>().ToArray();
        double Accuracy(Tensor gallery, Tensor probes) =>
            Identification.Accuracy(Identification.NearestNeighbour(gallery, train.Labels, probes), truth);

        var trainEmbeddings = embedder.Embed(trainImages);
        var testEmbeddings = embedder.Embed(testImages);
        double recognizer = Accuracy(trainEmbeddings, testEmbeddings);
        progress?.Report(new("evaluate", 1, 3, "measures"));

        int components = Math.Min(50, train.Count - 1);
        using var pca = Eigenfaces.Fit(trainImages, components);
        double eigenfaces = Accuracy(pca.Project(trainImages), pca.Project(testImages));
        double pixels = Accuracy(trainImages.flatten(1), testImages.flatten(1));
        progress?.Report(new("evaluate", 2, 3, "measures"));

        var pairs = VerificationPairs.FromLabels(test.LabelArray(), options.GenuinePairs, options.ImpostorPairs, options.Seed);
        var scores = VerificationPairs.CosineScores(pairs, testEmbeddings, testEmbeddings);   // unit-length embeddings
        var verification = Verification.Summarise(scores, pairs.Select(p => p.Genuine).ToArray());
        progress?.Report(new("evaluate", 3, 3, "measures"));
        return new RecognizerEvaluation(train.Count, test.Count, train.ClassCount, options.TrainPerIdentity,
            recognizer, eigenfaces, components, pixels, verification);
    }

    /// <summary>What <c>facegen eval recognizer</c> measured, as <c>metrics.json</c> in <paramref name="folder"/>.</summary>
    public static void WriteEvaluation(string folder, string checkpoint, RecognizerEvaluation evaluation) =>
        JobSupport.WriteJson(folder, "metrics.json", new { Checkpoint = Path.GetFullPath(checkpoint), Evaluation = evaluation });

    /// <summary>The embedder of a recogniser run (its final checkpoint) or of one of its checkpoint folders, in eval
    /// mode, with the run's options.</summary>
    public static (FaceEmbedder Embedder, RecognizerJobOptions Options) Load(string runOrCheckpoint, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        var (run, checkpoint) = JobSupport.ResolveRun(runOrCheckpoint);
        var weights = JobSupport.Weights(checkpoint, "embedder.module", "a recogniser");
        var options = JobSupport.ReadJson<RecognizerJobOptions>(Path.Combine(run, "config.json"));
        var embedder = CreateEmbedder(options);
        JobSupport.LoadWeights(embedder, run, weights, "a recogniser's embedder");
        embedder.to(device ?? CPU);
        embedder.eval();
        return (embedder, options);
    }
}
