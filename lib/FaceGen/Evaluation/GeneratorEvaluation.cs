using System.Globalization;
using System.Net;
using System.Text;
using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Visualization;
using static TorchSharp.torch;

namespace FaceGen.Evaluation;

/// <summary>Settings of <see cref="GeneratorEvaluator.Run"/> (<c>facegen eval generator</c>).</summary>
public sealed record GeneratorEvaluationOptions
{
    /// <summary>Generated images to score (N).</summary>
    public int Samples { get; init; } = 512;
    /// <summary>Seed of the latent draws (and of the noise reference).</summary>
    public int Seed { get; init; }
    /// <summary>p of the memorisation check's copy threshold (<see cref="Memorization.Check"/>).</summary>
    public double Percentile { get; init; } = 0.05;
    /// <summary>k of the k-NN precision and recall.</summary>
    public int K { get; init; } = 3;
    /// <summary>Folder holding the real data sets; null = the run's own setting.</summary>
    public string? DataRoot { get; init; }

    /// <summary>The most samples scored: they are held in memory at once (10,000 RGB 128 px images: 2 GB).</summary>
    public const int MaxSamples = 10_000;

    public void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        var check = new OptionCheck(spelling);
        check.Require(Samples >= K + 1 && Samples <= MaxSamples, "--samples", "samples", Samples,
            $"expected {K + 1} to {MaxSamples} (k-NN precision/recall uses k = {K})");
        check.AtLeast(Seed, 0, "--seed", "seed");
        check.Require(Percentile > 0 && Percentile < 1, "--percentile", "percentile", Percentile, "expected a fraction in (0, 1)");
        check.AtLeast(K, 1, null, "k");
    }
}

/// <summary>One set of images scored against the generator's training images: pixel-space Fréchet distance
/// (<see cref="FrechetDistance.PixelFeatures"/> of the images in [−1, 1], as <see cref="GanJob"/>'s fd_pixels8), and with
/// a recogniser the Fréchet and kernel distances of its embeddings and k-NN precision/recall (generated = this set,
/// real = the training images). Null where no recogniser was given.</summary>
public sealed record GeneratorSetScores(string Set, int Images, double PixelFd, double? EmbeddingFd, double? EmbeddingKid,
    double? Precision, double? Recall);

/// <summary>What <c>facegen eval generator</c> measured (<c>metrics.json</c>): the generator's samples and two reference
/// sets — held-out real faces (what a perfect generator would score) and uniform noise (what a useless one would) —
/// against the training images, and the memorisation check in pixel space and, with a recogniser, in its embedding
/// space. <paramref name="Notes"/>: conversions applied (e.g. RGB → grey for a grey recogniser) and caveats.</summary>
public sealed record GeneratorEvaluation(string Generator, string Dataset, int TrainingImages, int HeldOutImages, int Samples,
    string? Recognizer, IReadOnlyList<string> Notes, IReadOnlyList<GeneratorSetScores> Sets, MemorizationResult Pixels,
    MemorizationResult? Embedding)
{
    /// <summary>The scores of one set by name (<see cref="GeneratorEvaluator.GeneratedSet"/>, …).</summary>
    public GeneratorSetScores Row(string set) => Sets.First(s => s.Set == set);

    /// <summary>Where the samples lie on each Fréchet distance between the two references: 0 = as near the training
    /// images as the held-out real faces, 1 = as far as uniform noise, (FD_samples − FD_held-out) / (FD_noise − FD_held-out).
    /// Read on the like-for-like samples row when there is one (as many images as the references: FD grows when fewer
    /// images are used). The embedding position is null without a recogniser.</summary>
    public (double Pixels, double? Embedding) SamplePosition()
    {
        var samples = Sets.FirstOrDefault(s => s.Set == GeneratorEvaluator.GeneratedLikeForLikeSet) ?? Row(GeneratorEvaluator.GeneratedSet);
        var (heldOut, noise) = (Row(GeneratorEvaluator.HeldOutSet), Row(GeneratorEvaluator.NoiseSet));
        static double Position(double value, double real, double useless) => (value - real) / (useless - real);
        double? embedding = samples.EmbeddingFd is { } s && heldOut.EmbeddingFd is { } h && noise.EmbeddingFd is { } n ? Position(s, h, n) : null;
        return (Position(samples.PixelFd, heldOut.PixelFd, noise.PixelFd), embedding);
    }

    /// <summary>What a run must show before its samples are read as faces: they lie nearer the held-out real faces than
    /// uniform noise on the pixel FD and, with a recogniser, on the embedding FD (<see cref="SamplePosition"/> below ½ on
    /// each; <see cref="Requirement.SamplesResembleData"/>). A run that fails it has shown the mechanics of training and
    /// scoring only.</summary>
    public IReadOnlyList<Requirement> SamplesResembleFaces()
    {
        var samples = Sets.FirstOrDefault(s => s.Set == GeneratorEvaluator.GeneratedLikeForLikeSet) ?? Row(GeneratorEvaluator.GeneratedSet);
        var (heldOut, noise) = (Row(GeneratorEvaluator.HeldOutSet), Row(GeneratorEvaluator.NoiseSet));
        var requirements = new List<Requirement> { Requirement.SamplesResembleData(samples.PixelFd, noise.PixelFd, 0.5, heldOut.PixelFd) };
        if (samples.EmbeddingFd is { } s && heldOut.EmbeddingFd is { } h && noise.EmbeddingFd is { } n)
            requirements.Add(Requirement.SamplesResembleData(s, n, 0.5, h));
        return requirements;
    }

    /// <summary>True when every one of <see cref="SamplesResembleFaces"/> is met.</summary>
    public bool SamplesNearerRealThanNoise => SamplesResembleFaces().All(r => r.Met);

    /// <summary>The sets' scores and the memorisation check as Markdown tables.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append($"# Generator evaluation: {Generator}\n\n");
        md.Append($"- data: {Dataset}: {TrainingImages} training images, {HeldOutImages} held-out real images; {Samples} samples\n");
        md.Append($"- recogniser: {Recognizer ?? "none (pixel measures only)"}\n");
        foreach (var note in Notes) md.Append($"- note: {note}\n");
        md.Append("\nEvery set is compared with the training images. FD (recogniser embedding) and KID (recogniser embedding) are " +
                  "measured in this recogniser's embedding space: not comparable to Inception FID/KID, nor across recognisers.\n\n");
        md.Append("| set | images | pixel FD (8×8) | FD (recogniser embedding) | KID (recogniser embedding) | precision | recall |\n|---|---|---|---|---|---|---|\n");
        foreach (var s in Sets)
            md.Append($"| {s.Set} | {s.Images} | {F(s.PixelFd, "F4")} | {F(s.EmbeddingFd, "F4")} | {F(s.EmbeddingKid, "F5")} | {F(s.Precision, "P1")} | {F(s.Recall, "P1")} |\n");
        md.Append("\nMemorisation: distance of each image to its nearest training image (L2). Copy rate = fraction of samples nearer than " +
                  "the p-quantile of the held-out images' distances (≈ p without copying, 1 if every sample is a training image).\n\n");
        md.Append("| space | samples: median [5%, 95%] | held-out: median [5%, 95%] | median ratio | threshold | copy rate | held-out rate |\n|---|---|---|---|---|---|---|\n");
        foreach (var m in new[] { Pixels, Embedding }.OfType<MemorizationResult>())
            md.Append($"| {m.Space} | {Q(m.SampleDistances)} | {Q(m.HeldOutDistances)} | {F(m.MedianRatio, "F3")} | {F(m.Threshold, "F4")} | {F(m.CopyRate, "P1")} | {F(m.HeldOutRate, "P1")} |\n");
        return md.ToString();
    }

    /// <summary>The same two tables as HTML, for a notebook cell or a report.</summary>
    public string ToHtmlTable()
    {
        var html = new StringBuilder("<table><tr><th>set (vs training images)</th><th>images</th><th>pixel FD (8×8)</th><th>FD (recogniser embedding)</th>" +
                                     "<th>KID (recogniser embedding)</th><th>precision</th><th>recall</th></tr>");
        foreach (var s in Sets)
            html.Append($"<tr><td>{WebUtility.HtmlEncode(s.Set)}</td><td>{s.Images}</td><td>{F(s.PixelFd, "F4")}</td><td>{F(s.EmbeddingFd, "F4")}</td>" +
                        $"<td>{F(s.EmbeddingKid, "F5")}</td><td>{F(s.Precision, "P1")}</td><td>{F(s.Recall, "P1")}</td></tr>");
        html.Append("</table><table><tr><th>memorisation: space</th><th>samples: median [5%, 95%]</th><th>held-out: median [5%, 95%]</th>" +
                    "<th>median ratio</th><th>copy threshold</th><th>copy rate</th><th>held-out rate</th></tr>");
        foreach (var m in new[] { Pixels, Embedding }.OfType<MemorizationResult>())
            html.Append($"<tr><td>{WebUtility.HtmlEncode(m.Space)}</td><td>{Q(m.SampleDistances)}</td><td>{Q(m.HeldOutDistances)}</td><td>{F(m.MedianRatio, "F3")}</td>" +
                        $"<td>{F(m.Threshold, "F4")}</td><td>{F(m.CopyRate, "P1")}</td><td>{F(m.HeldOutRate, "P1")}</td></tr>");
        return html.Append("</table>").ToString();
    }

    static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "–";
    static string Q(DistanceQuantiles q) => string.Create(CultureInfo.InvariantCulture, $"{q.Median:F3} [{q.Q05:F3}, {q.Q95:F3}]");
}

/// <summary>A trained GAN or VAE loaded from its run folder, able to draw samples, with the run's training and
/// held-out images rebuilt from its <c>config.json</c>.</summary>
public sealed class TrainedGenerator : IDisposable
{
    readonly GanGenerator? gan;
    readonly Vae? vae;
    readonly VaeJobOptions? vaeOptions;
    readonly GanJobOptions? ganOptions;

    /// <summary>"gan" or "vae".</summary>
    public string Kind => gan is not null ? "gan" : "vae";
    /// <summary>The run folder.</summary>
    public string Run { get; }
    /// <summary>The checkpoint folder the weights came from (a run's best, else final, else last).</summary>
    public string Checkpoint { get; }
    /// <summary>The data set the run trained on (name or folder).</summary>
    public string Dataset => ganOptions?.Dataset ?? vaeOptions!.Dataset;
    /// <summary>Side of the square images it makes, in pixels.</summary>
    public int ImageSize => ganOptions?.ImageSize ?? vaeOptions!.ImageSize;
    /// <summary>1 (grey) or 3 (RGB).</summary>
    public int Channels => ganOptions?.Channels ?? vaeOptions!.Channels;
    /// <summary>Classes of a conditional model (0: unconditional).</summary>
    public int ClassCount => gan?.ClassCount ?? vae!.ClassCount;

    TrainedGenerator(string run, string checkpoint, GanGenerator? gan, GanJobOptions? ganOptions, Vae? vae, VaeJobOptions? vaeOptions) =>
        (Run, Checkpoint, this.gan, this.ganOptions, this.vae, this.vaeOptions) = (run, checkpoint, gan, ganOptions, vae, vaeOptions);

    /// <summary>A GAN run (its EMA generator when it has one; best checkpoint of a run folder) or a VAE run (its best
    /// checkpoint), told apart by the checkpoint's files. A folder that is neither is a <see cref="DataException"/> naming it.</summary>
    public static TrainedGenerator Load(string runOrCheckpoint, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        var (run, checkpoint) = JobSupport.ResolveRun(runOrCheckpoint);
        if (File.Exists(Path.Combine(checkpoint, "generator.module")))
        {
            var (generator, options) = GanJob.LoadGenerator(runOrCheckpoint, device);
            return new TrainedGenerator(run, checkpoint, generator, options, null, null);
        }
        if (File.Exists(Path.Combine(checkpoint, "vae.module")))
        {
            var (model, options) = VaeJob.Load(runOrCheckpoint, device);
            return new TrainedGenerator(run, checkpoint, null, null, model, options);
        }
        throw new DataException(checkpoint, "holds neither generator.module (a GAN run) nor vae.module (a VAE run); " +
            "facegen eval generator needs a run of facegen train gan or facegen train vae.");
    }

    /// <summary>n samples (n, C, H, W) in [0, 1] on the CPU, latents drawn with <paramref name="seed"/>; a conditional
    /// model gets labels 0, 1, …, C − 1, 0, 1, … GAN: (G(z) + 1) / 2 clamped; VAE: the decoder's mean E[x|z], z ~ N(0, I), clamped.</summary>
    public Tensor Sample(int n, int seed)
    {
        if (gan is not null) return gan.Sample(n, seed);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var noise = Seeding.Generator(seed);
        var labels = ClassBalance.CyclicLabels(n, ClassCount, vae!.parameters().First().device);
        var images = vaeOptions!.ParsedLikelihood.Mean(vae.Decode(vae.SampleLatent(n, noise), labels)).view(n, Channels, ImageSize, ImageSize);
        return images.clamp(0, 1).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>The run's training images and the real images it held out (GAN: <see cref="GanJob.LoadSplit"/>; VAE:
    /// <see cref="VaeJob.LoadSplit"/>), rebuilt from its options. A GAN run trained without a hold-out is a
    /// <see cref="DataException"/> naming its config.json.</summary>
    public (FaceDataset Train, FaceDataset HeldOut) LoadSplit(string? dataRoot = null, IProgress<ProgressReport>? progress = null)
    {
        if (vaeOptions is not null) return VaeJob.LoadSplit(vaeOptions with { DataRoot = dataRoot ?? vaeOptions.DataRoot }, progress);
        var (train, heldOut) = GanJob.LoadSplit(ganOptions! with { DataRoot = dataRoot ?? ganOptions.DataRoot }, progress);
        if (heldOut is not null) return (train, heldOut);
        train.Dispose();
        throw new DataException(Path.Combine(Run, "config.json"), "HoldOutFraction is 0: this GAN trained on every image, so no real image is " +
            "left to compare its samples with. Train it again with --hold-out 0.2 (facegen train gan).");
    }

    /// <summary>"gan (dcgan, NonSaturating, conditional) on att, 32 px" …</summary>
    public override string ToString() => gan is not null
        ? $"gan ({ganOptions!.Arch}, {ganOptions.Loss}{(ClassCount > 0 ? ", conditional" : "")}) on {Dataset}, {ImageSize} px, {Channels} channel(s)"
        : $"vae ({vaeOptions!.Arch}, {vaeOptions.ParsedLikelihood}{(ClassCount > 0 ? ", conditional" : "")}) on {Dataset}, {ImageSize} px, {Channels} channel(s)";

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose()
    {
        gan?.Dispose();
        vae?.Dispose();
    }
}

/// <summary>
/// Scores a trained generator against its own training data (<c>facegen eval generator</c>, notebook 08): pixel-space
/// Fréchet distance, and through a face recogniser the Fréchet distance, KID and k-NN precision/recall of embeddings
/// (<see cref="RecognizerEmbeddingMetrics"/>), for the samples and for two reference sets — held-out real faces and
/// uniform noise — so that each number can be read between "as good as new real photos" and "useless"; then the
/// memorisation check (<see cref="Memorization"/>) in pixel and embedding space.
/// </summary>
public static class GeneratorEvaluator
{
    /// <summary>Row names of <see cref="GeneratorEvaluation.Sets"/>.</summary>
    public const string GeneratedSet = "generated samples", GeneratedLikeForLikeSet = "generated samples (as many as held out)",
        HeldOutSet = "held-out real faces (reference)", NoiseSet = "uniform noise (reference)";

    /// <summary>Loads the run, its split and the recogniser, scores N samples, and writes into the existing
    /// <paramref name="folder"/>: <c>metrics.json</c>, <c>results.md</c>, <c>results.html</c>, <c>nearest.png</c> (the first
    /// 16 samples, under each its nearest training image in pixels, and with a recogniser, in its embedding) and
    /// <c>closest.png</c> (the 16 samples nearest to the training set in pixels, ordered by distance, and their nearest images).</summary>
    public static GeneratorEvaluation Run(string generatorRun, string? recognizerRun, string folder, GeneratorEvaluationOptions options,
        Device? device = null, IProgress<ProgressReport>? progress = null)
    {
        options.Validate();
        using var generator = TrainedGenerator.Load(generatorRun, device);
        FaceEmbedder? recognizer = null;
        var notes = new List<string>();
        if (recognizerRun is not null)
        {
            if (!Directory.Exists(recognizerRun))
                throw new DataException(recognizerRun, "no such folder; pass a run folder written by facegen train recognizer.");
            var (embedder, recognizerOptions) = RecognizerJob.Load(recognizerRun, device);
            recognizer = embedder;
            notes.AddRange(Compatibility(generator, recognizerOptions, recognizerRun));
        }
        using (recognizer)
        {
            progress?.Report(new("eval generator", 0, 3, "stages"));
            var (train, heldOut) = generator.LoadSplit(options.DataRoot, progress);
            using (train)
            using (heldOut)
            {
                using var scope = NewDisposeScope();
                var samples = generator.Sample(options.Samples, options.Seed);
                progress?.Report(new("eval generator", 1, 3, "stages"));
                var trainImages = FaceDataset.ToUnitRange(train.Images);
                var evaluation = Evaluate(samples, trainImages, FaceDataset.ToUnitRange(heldOut.Images), recognizer, options,
                    generator.ToString(), recognizerRun is null ? null : Path.GetFullPath(recognizerRun), notes, generator.Dataset);
                progress?.Report(new("eval generator", 2, 3, "stages"));
                Write(folder, generatorRun, evaluation, samples, trainImages, recognizer);
                progress?.Report(new("eval generator", 3, 3, "stages"));
                return evaluation;
            }
        }
    }

    /// <summary><see cref="Evaluate"/> without a recogniser: the pixel Fréchet distances of the samples and the two
    /// references, and the memorisation check in pixel space (notebook 11 scores its GANs so).</summary>
    public static GeneratorEvaluation EvaluatePixels(Tensor samples, Tensor training, Tensor heldOut, string generator, string dataset, int seed = 0) =>
        Evaluate(samples, training, heldOut, null, new GeneratorEvaluationOptions { Seed = seed }, generator, null, Array.Empty<string>(), dataset);

    /// <summary>The scores of <paramref name="samples"/> (N, C, H, W) in [0, 1] against <paramref name="training"/> and
    /// <paramref name="heldOut"/> real images (same shape per image, [0, 1]). With a <paramref name="recognizer"/>, images
    /// are brought to its size and channels (<see cref="FaceEmbedder.Prepare"/>) and embedded.</summary>
    public static GeneratorEvaluation Evaluate(Tensor samples, Tensor training, Tensor heldOut, FaceEmbedder? recognizer,
        GeneratorEvaluationOptions options, string generator, string? recognizerName, IReadOnlyList<string> notes, string dataset)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        int m = (int)heldOut.shape[0];
        if (m <= options.K || samples.shape[0] <= options.K)
            throw new ArgumentException($"{samples.shape[0]} samples and {m} held-out images: k-NN precision/recall with k = {options.K} needs more than k of each.");
        var noise = rand(heldOut.shape, generator: Seeding.Generator(options.Seed + 1));
        var sets = new List<(string Name, Tensor Images)> { (GeneratedSet, samples) };
        if (samples.shape[0] > m) sets.Add((GeneratedLikeForLikeSet, samples.narrow(0, 0, m)));
        sets.Add((HeldOutSet, heldOut));
        sets.Add((NoiseSet, noise));

        var trainingPixels = FrechetDistance.PixelFeatures(training * 2 - 1);
        var trainingEmbeddings = recognizer?.Embed(recognizer.Prepare(training));
        var scores = sets.Select(s => Score(s.Name, s.Images, trainingPixels, trainingEmbeddings, recognizer, options.K)).ToList();
        var pixels = Memorization.Check(samples, heldOut, training, "pixels", options.Percentile);
        var embedding = recognizer is null ? null : Memorization.CheckInEmbeddingSpace(recognizer, recognizer.Prepare(samples),
            recognizer.Prepare(heldOut), recognizer.Prepare(training), options.Percentile);
        return new GeneratorEvaluation(generator, dataset, (int)training.shape[0], m, (int)samples.shape[0], recognizerName, notes, scores, pixels, embedding);
    }

    static GeneratorSetScores Score(string name, Tensor images, Tensor trainingPixels, Tensor? trainingEmbeddings, FaceEmbedder? recognizer, int k)
    {
        using var scope = NewDisposeScope();
        double pixelFd = FrechetDistance.Between(FrechetDistance.PixelFeatures(images * 2 - 1), trainingPixels);
        if (recognizer is null || trainingEmbeddings is null) return new(name, (int)images.shape[0], pixelFd, null, null, null, null);
        var embeddings = recognizer.Embed(recognizer.Prepare(images));
        var pr = PrecisionRecall.Compute(trainingEmbeddings, embeddings, k);
        return new(name, (int)images.shape[0], pixelFd, FrechetDistance.Between(embeddings, trainingEmbeddings),
            KernelDistance.Between(embeddings, trainingEmbeddings), pr.Precision, pr.Recall);
    }

    /// <summary>Checks that the recogniser can look at the generator's images. A grey generator and an RGB recogniser
    /// cannot be reconciled (<see cref="ArgumentException"/> saying which run to retrain); RGB faces for a grey
    /// recogniser are converted to luma (0.299 R + 0.587 G + 0.114 B) and other sizes resized — both returned as notes,
    /// as is a recogniser trained on another data set.</summary>
    public static IReadOnlyList<string> Compatibility(TrainedGenerator generator, RecognizerJobOptions recognizer, string recognizerRun)
    {
        var notes = new List<string>();
        if (generator.Channels == 1 && recognizer.Channels == 3)
            throw new ArgumentException($"the recogniser {recognizerRun} takes 3-channel (RGB) faces, but the generator {generator.Run} makes 1-channel (grey) ones: " +
                "train the recogniser with --channels 1, or the generator with --channels 3.");
        if (generator.Channels != 1 && generator.Channels != 3 || recognizer.Channels != 1 && recognizer.Channels != 3)
            throw new ArgumentException($"generator {generator.Run} makes {generator.Channels}-channel images and recogniser {recognizerRun} takes {recognizer.Channels}-channel ones: expected 1 or 3 each.");
        if (generator.Channels == 3 && recognizer.Channels == 1)
            notes.Add("the generator makes RGB faces and the recogniser takes grey ones: every image was converted to luma (0.299 R + 0.587 G + 0.114 B) before embedding.");
        if (generator.ImageSize != recognizer.ImageSize)
            notes.Add($"the generator makes {generator.ImageSize} px faces and the recogniser takes {recognizer.ImageSize} px ones: every image was resized " +
                      $"({(generator.ImageSize > recognizer.ImageSize ? "area averaging" : "bilinear")}) before embedding.");
        if (!string.Equals(generator.Dataset, recognizer.Dataset, StringComparison.OrdinalIgnoreCase))
            notes.Add($"the recogniser was trained on '{recognizer.Dataset}', the generator on '{generator.Dataset}': embedding distances look at these faces through a recogniser of other ones.");
        return notes;
    }

    /// <summary>Rows: <paramref name="samples"/> at <paramref name="which"/>, then each one's nearest training image in pixels,
    /// then (with an embedding check) its nearest training image in the recogniser's embedding space.</summary>
    public static ImageGrid NearestPicture(Tensor samples, Tensor training, GeneratorEvaluation evaluation, IReadOnlyList<int> which)
    {
        using var scope = NewDisposeScope();
        Tensor Pick(Tensor images, IEnumerable<long> indices) => images.index_select(0, tensor(indices.ToArray(), ScalarType.Int64));
        var rows = new List<Tensor>
        {
            Pick(samples, which.Select(i => (long)i)),
            Pick(training, which.Select(i => evaluation.Pixels.SampleMatches.Indices[i])),
        };
        if (evaluation.Embedding is { } e) rows.Add(Pick(training, which.Select(i => e.SampleMatches.Indices[i])));
        return ImageGrid.FromUnit(cat(rows.ToArray(), 0), columns: which.Count);
    }

    /// <summary>The 16 (or fewer) samples nearest to the training set in pixel space, nearest first.</summary>
    public static int[] ClosestSamples(GeneratorEvaluation evaluation, int count = 16) =>
        evaluation.Pixels.SampleMatches.Distances.Select((d, i) => (d, i)).OrderBy(p => p.d).Take(count).Select(p => p.i).ToArray();

    static void Write(string folder, string generatorRun, GeneratorEvaluation evaluation, Tensor samples, Tensor training, FaceEmbedder? recognizer)
    {
        Directory.CreateDirectory(folder);
        JobSupport.WriteJson(folder, "metrics.json", new { Checkpoint = Path.GetFullPath(generatorRun), Evaluation = evaluation });
        AtomicFile.WriteAllText(Path.Combine(folder, "results.md"), evaluation.ToMarkdown() +
            "\n`nearest.png`: top row the first samples, below each its nearest training image in pixels" +
            (recognizer is null ? "" : ", then in the recogniser's embedding") + ". `closest.png`: the same for the samples nearest to the training set in pixels.\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "results.html"),
            $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(evaluation.Generator)}</title></head><body>" +
            $"<h1>Generator evaluation</h1><p>{WebUtility.HtmlEncode(evaluation.Generator)}</p>{evaluation.ToHtmlTable()}" +
            "<p><img src=\"nearest.png\"> <img src=\"closest.png\"></p></body></html>");
        int shown = Math.Min(16, evaluation.Samples);
        NearestPicture(samples, training, evaluation, Enumerable.Range(0, shown).ToArray()).Save(Path.Combine(folder, "nearest.png"));
        NearestPicture(samples, training, evaluation, ClosestSamples(evaluation, shown)).Save(Path.Combine(folder, "closest.png"));
    }
}
