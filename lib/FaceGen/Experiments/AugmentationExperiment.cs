using System.Diagnostics;
using System.Globalization;
using System.Text;
using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Losses;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Experiments;

/// <summary>What a few-shot recogniser is trained with in <see cref="AugmentationExperiment"/>. Each condition
/// adds one thing to the previous one.</summary>
public enum AugmentCondition
{
    /// <summary>(a) The k real images per identity only: no flip, no crop, no jitter.</summary>
    Real,
    /// <summary>(b) The same images with classic augmentation: random flips, random crop, brightness/contrast jitter.</summary>
    Classic,
    /// <summary>(c) (b), plus samples of a class-conditional generator (cGAN or cVAE) trained on the same k images
    /// per identity, labelled with the identity they were conditioned on.</summary>
    Generated,
    /// <summary>(d) (b), after pre-training the embedder on many rendered synthetic identities (then a new head).</summary>
    Pretrained,
}

/// <summary>Everything that defines a run of <see cref="AugmentationExperiment"/> (saved as <c>config.json</c>).
/// The defaults are sized for AT&amp;T at 32 px on a 2-core CPU.</summary>
public sealed record AugmentExperimentOptions : DatasetOptions
{
    /// <summary>AT&amp;T-sized defaults: 32 px grey (the image size must be 4·2^j: 16, 32, 64), 40 × 10 synthetic faces.</summary>
    public AugmentExperimentOptions() { Dataset = "att"; ImageSize = 32; Channels = 1; Identities = 40; PerIdentity = 10; }

    /// <summary>Training images per identity to try; the rest of each identity is its test set.</summary>
    public int[] K { get; init; } = { 1, 2, 3 };
    /// <summary>Each seed picks the k training images (<see cref="Splits.PerIdentity(FaceDataset, int, int?)"/>),
    /// the initial weights, the batch order and every random draw of its runs.</summary>
    public int[] Seeds { get; init; } = { 1, 2, 3, 4, 5 };
    public AugmentCondition[] Conditions { get; init; } = Enum.GetValues<AugmentCondition>();
    /// <summary>Generator of condition (c): cgan (conditional DCGAN) or cvae (conditional convolutional VAE).</summary>
    public string Generator { get; init; } = "cgan";

    /// <summary>Recogniser head: softmax, cosface or arcface.</summary>
    public string Head { get; init; } = "arcface";
    /// <summary>Recogniser channels of the first convolution (<see cref="FaceEmbedder"/>) and embedding size.</summary>
    public int Width { get; init; } = 16;
    public int Embedding { get; init; } = 128;
    /// <summary>Recogniser training steps (and fine-tuning steps of condition d).</summary>
    public int Steps { get; init; } = 200;
    /// <summary>Real images per recogniser batch (at most the training set).</summary>
    public int Batch { get; init; } = 64;
    /// <summary>AdamW learning rate at step 1 (cosine decay) and weight decay, for training and pre-training.</summary>
    public double LearningRate { get; init; } = 2e-3;
    public double WeightDecay { get; init; } = 5e-4;
    /// <summary>Classic augmentation's random crop: a shift of up to ± this many pixels; null = ImageSize / 16.</summary>
    public int? CropPadding { get; init; }
    /// <summary>Classic augmentation's brightness/contrast jitter strength (<see cref="RecognizerAugmentation"/>).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>Training steps of the generator of condition (c), one per (k, seed).</summary>
    public int GeneratorSteps { get; init; } = 300;
    /// <summary>Generator width (channels before the image) and latent size.</summary>
    public int GeneratorWidth { get; init; } = 32;
    public int GeneratorLatent { get; init; } = 32;
    /// <summary>Generated images per real image in every batch of condition (c): a batch of B real images gets
    /// round(ratio·B) generated ones (1 = as many generated as real).</summary>
    public double SyntheticRatio { get; init; } = 1;
    /// <summary>Size of the pool of generated images the batches draw from, per identity.</summary>
    public int SyntheticPerIdentity { get; init; } = 20;

    /// <summary>Pre-training steps of condition (d), once per seed (shared by every k).</summary>
    public int PretrainSteps { get; init; } = 400;
    /// <summary>Rendered synthetic identities and images per identity for pre-training.</summary>
    public int PretrainIdentities { get; init; } = 200;
    public int PretrainPerIdentity { get; init; } = 10;

    /// <summary>Renderer seed of the synthetic data set.</summary>
    public int DataSeed { get; init; }
    /// <summary>Verification pairs drawn from the test images (at most this many of each kind).</summary>
    public int GenuinePairs { get; init; } = 3000;
    public int ImpostorPairs { get; init; } = 30000;
    /// <summary>auto, cpu, cuda or cuda:N (<see cref="Devices.Resolve"/>).</summary>
    public string? Device { get; init; }

    /// <summary>The crop shift in force.</summary>
    public int EffectiveCropPadding => CropPadding ?? ImageSize / 16;

    public override void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        base.Validate(spelling);
        var check = new OptionCheck(spelling);
        check.Require(K is { Length: > 0 } && K.All(k => k >= 1), "-k", "k", K, "expected one or more k ≥ 1");
        check.Require(Seeds is { Length: > 0 } && Seeds.All(s => s >= 0), "--seeds", "seeds", Seeds, "expected one or more seeds ≥ 0");
        check.Require(Conditions is { Length: > 0 }, "--conditions", "conditions", Conditions, "expected at least one condition");
        check.Require(Generator is "cgan" or "cvae", "--generator", "generator", Generator, "expected cgan or cvae");
        // The generators of condition (c) are convolutional; the recogniser alone takes any multiple of 8.
        if (Conditions?.Contains(AugmentCondition.Generated) == true)
            check.OneOf(ImageSize, ConvolutionalSizes, "--image-size", "imageSize", " pixels (the cGAN/cVAE of condition c needs 4·2^k)");
        else
            check.Require(ImageSize is >= 16 and <= 128 && ImageSize % 8 == 0, "--image-size", "imageSize", ImageSize, "the embedder needs a multiple of 8 pixels from 16 to 128");
        check.Require(OptionNames.TryParse<RecognitionHeadKind>(Head ?? "", out _), "--head", "head", Head, "expected softmax, cosface or arcface");
        check.AtLeast(Width, 1, "--width", "width");
        check.AtLeast(Embedding, 1, "--embedding", "embedding");
        check.AtLeast(Steps, 1, "--steps", "steps");
        check.AtLeast(Batch, 1, "--batch", "batch");
        check.Positive(LearningRate, null, "learningRate");
        check.NonNegative(WeightDecay, null, "weightDecay");
        check.AtLeast(CropPadding, 0, null, "cropPadding");
        check.NonNegative(Jitter, null, "jitter");
        check.AtLeast(GeneratorSteps, 1, "--generator-steps", "generatorSteps");
        check.AtLeast(GeneratorWidth, 1, "--generator-width", "generatorWidth");
        check.AtLeast(GeneratorLatent, 1, "--generator-latent", "generatorLatent");
        check.Positive(SyntheticRatio, "--synthetic-ratio", "syntheticRatio");
        check.AtLeast(SyntheticPerIdentity, 1, "--synthetic-per-identity", "syntheticPerIdentity");
        check.AtLeast(PretrainSteps, 1, "--pretrain-steps", "pretrainSteps");
        check.AtLeast(PretrainIdentities, 1, "--pretrain-identities", "pretrainIdentities");
        check.AtLeast(PretrainPerIdentity, 1, "--pretrain-per-identity", "pretrainPerIdentity");
        check.AtLeast(DataSeed, 0, "--seed", "dataSeed");
        check.AtLeast(GenuinePairs, 1, null, "genuinePairs");
        check.AtLeast(ImpostorPairs, 1, null, "impostorPairs");
    }
}

/// <summary>One trained and evaluated recogniser: identification accuracy (1-NN on embeddings, training images as
/// gallery), verification AUC and equal error rate on pairs of test images, and the wall time of everything the
/// condition needed (generator training and sampling for c, pre-training for d — done once per seed but counted in
/// full for every k, as a run with one k would pay it). Eigenfaces and pixel 1-NN accuracy on the same split are
/// references that do not depend on the condition.</summary>
public sealed record AugmentRun(AugmentCondition Condition, int K, int Seed, double Accuracy, double Auc, double EqualErrorRate,
    double Seconds, double EigenfacesAccuracy, double PixelAccuracy);

/// <summary>The runs of one (condition, k) over the seeds.</summary>
public sealed record AugmentSummary(AugmentCondition Condition, int K, int Runs, MeanStd Accuracy, MeanStd Auc, MeanStd EqualErrorRate,
    MeanStd Seconds);

/// <summary>What a finished experiment measured; also <c>runs.csv</c> and <c>results.md</c> in its folder.</summary>
public sealed record AugmentExperimentResult(string Folder, IReadOnlyList<AugmentRun> Runs, IReadOnlyList<AugmentSummary> Summary, double Seconds);

/// <summary>
/// The simulation / augmentation experiment: does enlarging a few-shot training set help a face recogniser?
/// For every seed and every k, the identities' images are split k / rest; on the same split and from the same
/// initial weights (same seed) a recogniser (<see cref="RecognizerTrainable"/>, the one <see cref="Trainer"/>) is
/// trained under each <see cref="AugmentCondition"/> for the same number of steps over the same sequence of real
/// batches, and evaluated as <see cref="RecognizerJob.Evaluate"/> does. The generator of (c) is trained on the k
/// training images per identity only — it is never given the test set. Results: <c>runs.csv</c>, rewritten
/// (atomically) after each run so that it always holds only complete rows, and at the end <c>results.md</c>,
/// mean ± standard deviation per (condition, k) with the best accuracy per k in bold; for the first seed, a grid
/// of (c)'s generated faces per k (<c>generated_k&lt;k&gt;_seed&lt;s&gt;.png</c>).
/// </summary>
public static class AugmentationExperiment
{
    /// <summary>Renderer seed of the pre-training identities, far from any data seed, so that with
    /// <c>--dataset synthetic</c> too they are other people than the test identities.</summary>
    public const int PretrainRendererSeed = 1_000_003;

    /// <summary>Runs every (seed, k, condition) of <paramref name="options"/> into the existing, empty
    /// <paramref name="folder"/>: <c>config.json</c> first, <c>runs.csv</c> after each run, <c>results.md</c> at the end.</summary>
    public static AugmentExperimentResult Run(AugmentExperimentOptions options, string folder, IProgress<ProgressReport>? progress = null)
    {
        options.Validate();
        var device = Devices.Resolve(options.Device);
        Directory.CreateDirectory(folder);
        JobSupport.WriteJson(folder, "config.json", options);
        var clock = Stopwatch.StartNew();
        using var all = options.LoadData(options.DataSeed, DatasetPart.Train, progress);
        using var pretrainSet = options.Conditions.Contains(AugmentCondition.Pretrained) ? PretrainingFaces(options) : null;
        var runs = new List<AugmentRun>();
        int total = options.Seeds.Length * options.K.Length * options.Conditions.Length;
        foreach (int seed in options.Seeds)
        {
            // Pre-training does not depend on k: once per seed, its cost counted in every k's run.
            var (pretrained, pretrainSeconds) = pretrainSet is null ? (null, 0.0) : Pretrain(pretrainSet, options, seed, device, progress);
            try
            {
                foreach (int k in options.K)
                {
                    var (train, test) = Splits.PerIdentity(all, k, seed);
                    using (train)
                    using (test)
                        foreach (var condition in options.Conditions)
                        {
                            progress?.Report(new("augment experiment", runs.Count, total, "runs"));
                            var samples = seed == options.Seeds[0] ? Path.Combine(folder, $"generated_k{k}_seed{seed}.png") : null;
                            runs.Add(RunCondition(condition, train, test, k, seed, options, device, pretrained, pretrainSeconds, progress, samples));
                            AtomicFile.WriteAllText(Path.Combine(folder, "runs.csv"), ToCsv(runs));
                        }
                }
            }
            finally
            {
                if (pretrained is not null) foreach (var t in pretrained.Values) t.Dispose();
            }
        }
        progress?.Report(new("augment experiment", total, total, "runs"));
        var summary = Summarise(runs);
        double seconds = clock.Elapsed.TotalSeconds;
        AtomicFile.WriteAllText(Path.Combine(folder, "results.md"), ToMarkdown(summary, runs, options, all, seconds));
        return new AugmentExperimentResult(folder, runs, summary, seconds);
    }

    /// <summary>Trains and evaluates one recogniser on a split under <paramref name="condition"/>.
    /// <paramref name="pretrained"/>: the embedder weights of <see cref="Pretrain"/> (needed for d only).
    /// <paramref name="samplesPng"/>: for (c), where to save a grid of generated images (one row per identity, the
    /// first 10 identities, at most 10 per row) beside each identity's training images (first column(s)).</summary>
    public static AugmentRun RunCondition(AugmentCondition condition, FaceDataset train, FaceDataset test, int k, int seed,
        AugmentExperimentOptions options, Device device, IReadOnlyDictionary<string, Tensor>? pretrained = null, double pretrainSeconds = 0,
        IProgress<ProgressReport>? progress = null, string? samplesPng = null)
    {
        var clock = Stopwatch.StartNew();
        using var generated = condition == AugmentCondition.Generated ? GenerateFaces(train, options, seed, k, device, progress) : null;
        if (generated is not null && samplesPng is not null) SaveSamples(train, generated, k, options.SyntheticPerIdentity, samplesPng);
        if (condition == AugmentCondition.Pretrained && pretrained is null)
            throw new ArgumentException("condition (d) needs the pre-trained embedder weights.");
        using var embedder = TrainRecognizer(condition, train, generated, options, seed, device,
            condition == AugmentCondition.Pretrained ? pretrained : null, progress);
        double seconds = clock.Elapsed.TotalSeconds + (condition == AugmentCondition.Pretrained ? pretrainSeconds : 0);
        var evaluation = RecognizerJob.Evaluate(embedder, train, test, new RecognizerJobOptions
        {
            TrainPerIdentity = k, Seed = seed, GenuinePairs = options.GenuinePairs, ImpostorPairs = options.ImpostorPairs,
        });
        return new AugmentRun(condition, k, seed, evaluation.RecognizerAccuracy, evaluation.Verification.Auc, evaluation.Verification.EqualErrorRate,
            seconds, evaluation.EigenfacesAccuracy, evaluation.PixelNearestNeighbourAccuracy);
    }

    static void SaveSamples(FaceDataset train, FaceDataset generated, int k, int perIdentity, string path)
    {
        using var scope = NewDisposeScope();
        int shown = Math.Min(10, perIdentity), identities = Math.Min(10, train.ClassCount);
        var trainLabels = train.LabelArray();
        var rows = new List<Tensor>();
        for (int c = 0; c < identities; c++)
        {
            var real = Enumerable.Range(0, train.Count).Where(i => trainLabels[i] == c).Select(i => train.Images[i]);
            var fake = Enumerable.Range(c * perIdentity, shown).Select(i => generated.Images[i]);
            rows.AddRange(real.Concat(fake));
        }
        ImageGrid.FromBytes(stack(rows), columns: k + shown).Save(path);
    }

    /// <summary>The training-time augmentation of a condition: none for (a), crop and jitter for the others.</summary>
    public static RecognizerAugmentation Augmentation(AugmentCondition condition, AugmentExperimentOptions options) =>
        condition == AugmentCondition.Real ? RecognizerAugmentation.None : new RecognizerAugmentation(options.EffectiveCropPadding, options.Jitter);

    /// <summary>The recogniser's batches under a condition: the real training images in [0, 1], min(Batch, N) per
    /// batch, seeded with <paramref name="seed"/> (so every condition sees the same sequence of real images), flipped
    /// at random except in (a); in (c) each joined (<see cref="MixedBatches"/>) by round(ratio·B) images of
    /// <paramref name="generated"/>. The caller disposes the returned source (and, for (c), nothing else: the
    /// inner sources are disposed with it).</summary>
    public static IBatchSource RecognizerBatches(AugmentCondition condition, FaceDataset train, FaceDataset? generated,
        AugmentExperimentOptions options, int seed, Device device)
    {
        int batch = Math.Min(options.Batch, train.Count);
        var real = new DatasetBatches(train, new BatchOptions(batch, Seed: seed, DropLast: true,
            RandomHorizontalFlip: condition != AugmentCondition.Real, Range: PixelRange.Unit, Device: device));
        if (condition != AugmentCondition.Generated) return real;
        if (generated is null) throw new ArgumentException("condition (c) needs generated images.");
        int extra = Math.Min(generated.Count, Math.Max(1, (int)Math.Round(options.SyntheticRatio * batch)));
        var fake = new DatasetBatches(generated, new BatchOptions(extra, Seed: seed + 7919, DropLast: true,
            RandomHorizontalFlip: true, Range: PixelRange.Unit, Device: device));
        return new OwningMixedBatches(real, fake, train.Count);
    }

    /// <summary><see cref="MixedBatches"/> that also disposes its two sources.</summary>
    sealed class OwningMixedBatches(DatasetBatches real, DatasetBatches fake, int realCount) : IBatchSource, IDisposable
    {
        readonly MixedBatches mixed = new(real, fake, realCount);
        public long Position { get => mixed.Position; set => mixed.Position = value; }
        public Batch Next() => mixed.Next();

        public void Dispose()
        {
            mixed.Dispose();
            real.Dispose();
            fake.Dispose();
        }
    }

    /// <summary>Trains a recogniser (embedder + head) under a condition with the <see cref="Trainer"/> and returns the
    /// embedder (the caller owns it). The global torch generator is seeded with <paramref name="seed"/> first, so
    /// (a), (b) and (c) start from the same weights; (d) starts from <paramref name="pretrained"/>.</summary>
    public static FaceEmbedder TrainRecognizer(AugmentCondition condition, FaceDataset train, FaceDataset? generated,
        AugmentExperimentOptions options, int seed, Device device, IReadOnlyDictionary<string, Tensor>? pretrained = null,
        IProgress<ProgressReport>? progress = null)
    {
        Seeding.Seed(seed);
        var embedder = CreateEmbedder(options);
        var head = RecognitionHead.Create(RecognitionHead.Parse(options.Head), options.Embedding, train.ClassCount);
        if (pretrained is not null) embedder.load_state_dict(new Dictionary<string, Tensor>(pretrained));
        // The trainable owns (and would dispose) the embedder: hand the caller an independent copy of its weights.
        using var recognizer = new RecognizerTrainable(embedder, head, Augmentation(condition, options), options.LearningRate,
            options.WeightDecay, options.Steps, device);
        var batches = RecognizerBatches(condition, train, generated, options, seed, device);
        try
        {
            new Trainer(recognizer, batches, new TrainerOptions(options.Steps),
                new JobSupport.ProgressCallback($"recogniser ({Letter(condition)}) k={train.Count / train.ClassCount}", progress)).Run();
        }
        finally
        {
            (batches as IDisposable)?.Dispose();
        }
        var result = CreateEmbedder(options);
        result.load_state_dict(recognizer.Embedder.state_dict());
        result.to(device);
        result.eval();
        return result;
    }

    static FaceEmbedder CreateEmbedder(AugmentExperimentOptions o) => new(o.ImageSize, o.Channels, o.Width, o.Embedding);

    /// <summary>The pre-training set of (d): <see cref="AugmentExperimentOptions.PretrainIdentities"/> ×
    /// <see cref="AugmentExperimentOptions.PretrainPerIdentity"/> faces of the synthetic renderer
    /// (seed <see cref="PretrainRendererSeed"/>) — other identities than any real data set's by construction.</summary>
    public static FaceDataset PretrainingFaces(AugmentExperimentOptions o) =>
        SyntheticFaces.Generate(new SyntheticFaceOptions(o.PretrainIdentities, o.PretrainPerIdentity, o.ImageSize, o.Channels, PretrainRendererSeed));

    /// <summary>Pre-trains an embedder (with its own head over the synthetic identities, then discarded) on
    /// <paramref name="faces"/> with classic augmentation for <see cref="AugmentExperimentOptions.PretrainSteps"/> steps;
    /// returns a copy of the embedder's weights (the caller disposes the tensors) and the seconds it took.</summary>
    public static (Dictionary<string, Tensor> Weights, double Seconds) Pretrain(FaceDataset faces, AugmentExperimentOptions options, int seed,
        Device device, IProgress<ProgressReport>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        Seeding.Seed(seed);
        var head = RecognitionHead.Create(RecognitionHead.Parse(options.Head), options.Embedding, faces.ClassCount);
        using var recognizer = new RecognizerTrainable(CreateEmbedder(options), head, Augmentation(AugmentCondition.Classic, options),
            options.LearningRate, options.WeightDecay, options.PretrainSteps, device);
        using (var batches = new DatasetBatches(faces, new BatchOptions(Math.Min(options.Batch, faces.Count), Seed: seed, DropLast: true,
                   RandomHorizontalFlip: true, Range: PixelRange.Unit, Device: device)))
            new Trainer(recognizer, batches, new TrainerOptions(options.PretrainSteps),
                new JobSupport.ProgressCallback("pre-train on synthetic faces", progress)).Run();
        var weights = recognizer.Embedder.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope());
        return (weights, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The batches the generator of (c) trains on: the training images of the split only (flipped at
    /// random), in the generator's range ([−1, 1] for the cGAN, [0, 1] for the cVAE), min(64, N) per batch.</summary>
    public static DatasetBatches GeneratorBatches(FaceDataset train, AugmentExperimentOptions options, int seed, Device device) =>
        new(train, new BatchOptions(Math.Min(64, train.Count), Seed: seed + 104_729, DropLast: true, RandomHorizontalFlip: true,
            Range: options.Generator == "cgan" ? PixelRange.Signed : PixelRange.Unit, Device: device));

    /// <summary>
    /// Trains the class-conditional generator of (c) on <paramref name="train"/> — the split's k images per identity,
    /// nothing else — for <see cref="AugmentExperimentOptions.GeneratorSteps"/> steps, then draws
    /// <see cref="AugmentExperimentOptions.SyntheticPerIdentity"/> images per identity, each labelled with the identity
    /// it was conditioned on, as a uint8 data set named "generated". cgan: conditional DCGAN, non-saturating loss,
    /// Adam(2e−4, β₁ = 0.5), samples from the EMA generator (decay 0.999 with warm-up). cvae: conditional ConvVae,
    /// Bernoulli likelihood, Adam(1e−3), samples = decoder means at z ~ N(0, I).
    /// </summary>
    public static FaceDataset GenerateFaces(FaceDataset train, AugmentExperimentOptions options, int seed, int k, Device device,
        IProgress<ProgressReport>? progress = null)
    {
        Seeding.Seed(seed);
        int classes = train.ClassCount, n = classes * options.SyntheticPerIdentity;
        using var labels = arange(classes, dtype: ScalarType.Int64).repeat_interleave(options.SyntheticPerIdentity);
        using var noise = Seeding.Generator(seed * 1_000_003L + k);
        var task = $"{options.Generator} k={k}";
        using var batches = GeneratorBatches(train, options, seed, device);
        Tensor unit;
        if (options.Generator == "cgan")
        {
            var training = GanTrainingOptions.For(GanLoss.NonSaturating) with { EmaDecay = 0.999, Seed = seed, SnapshotCount = 1 };
            using var gan = new GanTrainable(
                () => new DcganGenerator(options.ImageSize, options.Channels, options.GeneratorLatent, options.GeneratorWidth, classes),
                () => new DcganDiscriminator(options.ImageSize, options.Channels, options.GeneratorWidth, DiscriminatorNorm.Batch, classes),
                training, device);
            new Trainer(gan, batches, new TrainerOptions(options.GeneratorSteps), new JobSupport.ProgressCallback(task, progress)).Run();
            var g = gan.EmaGenerator ?? gan.Generator;
            g.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // [−1, 1] → [0, 1]: (x + 1) / 2
            unit = g.forward(g.SampleLatent(n, noise), labels.to(device)).cpu().add(1).div(2).MoveToOuterDisposeScope();
        }
        else
        {
            using var shown = train.Subset(new[] { 0 });
            using var vae = new VaeTrainable(new ConvVae(options.ImageSize, options.Channels, options.GeneratorLatent, options.GeneratorWidth, classes),
                ReconstructionLikelihood.Bernoulli, new KlWarmup(), 1e-3, FaceDataset.ToUnitRange(shown.Images), shown.Labels, seed, device);
            new Trainer(vae, batches, new TrainerOptions(options.GeneratorSteps), new JobSupport.ProgressCallback(task, progress)).Run();
            vae.Model.eval();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var z = vae.Model.SampleLatent(n, noise).to(device);
            unit = ReconstructionLikelihood.Bernoulli.Mean(vae.Model.Decode(z, labels.to(device))).cpu().MoveToOuterDisposeScope();
        }
        using (unit)
        {
            using var scope = NewDisposeScope();
            var bytes = unit.view(n, options.Channels, options.ImageSize, options.ImageSize).mul(255).round().clamp(0, 255).to_type(ScalarType.Byte)
                .MoveToOuterDisposeScope();
            var sources = Enumerable.Range(0, n)
                .Select(i => $"generated {options.Generator} seed={seed} k={k} class={i / options.SyntheticPerIdentity} #{i % options.SyntheticPerIdentity}").ToArray();
            return new FaceDataset("generated", bytes, labels.clone().MoveToOuterDisposeScope(), train.ClassNames, sources);
        }
    }

    /// <summary>Mean ± standard deviation over the seeds of every (condition, k), ordered by k then condition.</summary>
    public static IReadOnlyList<AugmentSummary> Summarise(IEnumerable<AugmentRun> runs) =>
        runs.GroupBy(r => (r.K, r.Condition)).OrderBy(g => g.Key.K).ThenBy(g => g.Key.Condition)
            .Select(g => new AugmentSummary(g.Key.Condition, g.Key.K, g.Count(),
                MeanStd.Of(g.Select(r => r.Accuracy).ToArray()), MeanStd.Of(g.Select(r => r.Auc).ToArray()),
                MeanStd.Of(g.Select(r => r.EqualErrorRate).ToArray()), MeanStd.Of(g.Select(r => r.Seconds).ToArray())))
            .ToList();

    /// <summary>The CSV of runs: header <c>condition,k,seed,accuracy,auc,eer,seconds,eigenfaces_accuracy,pixel_accuracy</c>,
    /// one row per run, invariant culture, fractions (not percent), round-trip precision.</summary>
    public static string ToCsv(IEnumerable<AugmentRun> runs)
    {
        var csv = new StringBuilder("condition,k,seed,accuracy,auc,eer,seconds,eigenfaces_accuracy,pixel_accuracy\n");
        foreach (var r in runs)
            csv.Append(string.Join(",", Name(r.Condition), r.K.ToString(CultureInfo.InvariantCulture), r.Seed.ToString(CultureInfo.InvariantCulture),
                F(r.Accuracy), F(r.Auc), F(r.EqualErrorRate), F(r.Seconds), F(r.EigenfacesAccuracy), F(r.PixelAccuracy))).Append('\n');
        return csv.ToString();

        static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The CSV name of a condition: real, classic, generated, pretrained.</summary>
    public static string Name(AugmentCondition c) => c.ToString().ToLowerInvariant();

    /// <summary>A condition by its CSV name or its letter a–d.</summary>
    public static AugmentCondition ParseCondition(string text) => text.Trim().ToLowerInvariant() switch
    {
        "a" or "real" => AugmentCondition.Real,
        "b" or "classic" => AugmentCondition.Classic,
        "c" or "generated" => AugmentCondition.Generated,
        "d" or "pretrained" => AugmentCondition.Pretrained,
        _ => throw new ArgumentException($"condition '{text}': expected real, classic, generated or pretrained (or a, b, c, d)."),
    };

    static char Letter(AugmentCondition c) => (char)('a' + (int)c);

    static string Describe(AugmentCondition c, AugmentExperimentOptions o) => c switch
    {
        AugmentCondition.Real => "(a) real images only",
        AugmentCondition.Classic => "(b) classic augmentation",
        AugmentCondition.Generated => $"(c) (b) + {(o.Generator == "cgan" ? "cGAN" : "cVAE")} samples",
        _ => "(d) (b) + synthetic pre-training",
    };

    /// <summary>The Markdown report: settings, then a table with one row per (k, condition) — identification
    /// accuracy, verification AUC and EER as mean ± std over the seeds, seconds per run — the best mean accuracy
    /// of each k in bold (ties all bold), then eigenfaces and pixel 1-NN on the same splits as reference rows
    /// (from <paramref name="runs"/>, one value per (k, seed)).</summary>
    public static string ToMarkdown(IReadOnlyList<AugmentSummary> summary, IReadOnlyList<AugmentRun> runs, AugmentExperimentOptions o,
        FaceDataset data, double seconds)
    {
        var md = new StringBuilder();
        md.Append($"# Few-shot recognition with augmentation: {o.Dataset}, {o.ImageSize} px\n\n");
        md.Append($"- data: {data.Name}, {data.Count} images of {data.ClassCount} identities, {data.Channels}×{data.Height}×{data.Width}; " +
                  "k training images per identity chosen at random with each seed, the rest of each identity is its test set\n");
        md.Append($"- seeds: {string.Join(", ", o.Seeds)}; k: {string.Join(", ", o.K)}; total time {seconds:F0} s\n");
        md.Append($"- recogniser: CNN width {o.Width} → {o.Embedding}-d, {o.Head} head, {o.Steps} steps of ≤ {o.Batch} real images, AdamW {o.LearningRate} (cosine), weight decay {o.WeightDecay}\n");
        md.Append($"- classic augmentation: flips, crop ±{o.EffectiveCropPadding} px, jitter {o.Jitter}\n");
        md.Append($"- (c): {o.Generator} (width {o.GeneratorWidth}, latent {o.GeneratorLatent}) trained {o.GeneratorSteps} steps on the k training images per identity only; " +
                  $"pool of {o.SyntheticPerIdentity} samples per identity; {o.SyntheticRatio:G} generated image(s) per real image in every batch\n");
        md.Append($"- (d): pre-trained {o.PretrainSteps} steps on {o.PretrainIdentities} × {o.PretrainPerIdentity} rendered synthetic faces, then fine-tuned with a new head\n");
        md.Append("- identification: 1-NN on embeddings (gallery = training images); verification: cosine scores on pairs of test images. Mean ± sample std over seeds; best accuracy per k in **bold**\n\n");
        md.Append("| k | condition | runs | identification accuracy | verification AUC | EER | seconds / run |\n");
        md.Append("|---|---|---|---|---|---|---|\n");
        foreach (var group in summary.GroupBy(s => s.K))
        {
            double best = group.Max(s => s.Accuracy.Mean);
            foreach (var s in group)
            {
                var accuracy = Percent(s.Accuracy);
                if (s.Accuracy.Mean == best) accuracy = $"**{accuracy}**";
                md.Append($"| {s.K} | {Describe(s.Condition, o)} | {s.Runs} | {accuracy} | {Fixed(s.Auc, 4)} | {Percent(s.EqualErrorRate)} | {s.Seconds.Mean:F1} |\n");
            }
            // The baselines depend on the split only: one value per seed.
            var splits = runs.Where(r => r.K == group.Key).GroupBy(r => r.Seed).Select(g => g.First()).ToArray();
            md.Append($"| {group.Key} | eigenfaces, 1-NN (reference) | {splits.Length} | {Percent(MeanStd.Of(splits.Select(r => r.EigenfacesAccuracy).ToArray()))} | | | |\n");
            md.Append($"| {group.Key} | pixels, 1-NN (reference) | {splits.Length} | {Percent(MeanStd.Of(splits.Select(r => r.PixelAccuracy).ToArray()))} | | | |\n");
        }
        return md.ToString();
    }

    /// <summary>"12.3 ± 4.5 %" (fractions shown as percent; "—" for an undefined std).</summary>
    public static string Percent(MeanStd v) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * v.Mean:F1} ± {(double.IsNaN(v.Std) ? "—" : (100 * v.Std).ToString("F1", CultureInfo.InvariantCulture))} %");

    static string Fixed(MeanStd v, int digits) =>
        $"{v.Mean.ToString($"F{digits}", CultureInfo.InvariantCulture)} ± {(double.IsNaN(v.Std) ? "—" : v.Std.ToString($"F{digits}", CultureInfo.InvariantCulture))}";
}
