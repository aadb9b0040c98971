using FaceGen.Data;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Evaluation;

/// <summary>Settings of <see cref="AttributeClassifier.Train"/>. <paramref name="Balanced"/>: train on class-balanced
/// batches (<see cref="ClassBalance.BalancedResample(FaceDataset, int, int)"/>), so that a rare class is not simply
/// never predicted.</summary>
public sealed record AttributeClassifierOptions(int Steps = 300, int Batch = 64, int Width = 16, int Embedding = 64,
    double LearningRate = 2e-3, double WeightDecay = 5e-4, bool Balanced = false, int Seed = 0);

/// <summary>
/// A small attribute classifier (e.g. UTKFace's race or gender) to read the attributes of generated faces: the kit's
/// <see cref="FaceEmbedder"/> with a <see cref="SoftmaxHead"/>, trained by <see cref="RecognizerTrainable"/> (softmax
/// cross-entropy, AdamW with cosine decay, flips, ±2 px crops and a 0.1 brightness/contrast jitter) through the
/// <see cref="Trainer"/>. Prediction: argmax_c of the head's logits w_cᵀe + b_c on the embedding e of an image.
/// </summary>
public sealed class AttributeClassifier : IDisposable
{
    readonly RecognizerTrainable model;

    AttributeClassifier(RecognizerTrainable model, IReadOnlyList<string> classNames, int channels, int imageSize)
    {
        this.model = model;
        ClassNames = classNames;
        Channels = channels;
        ImageSize = imageSize;
    }

    /// <summary>The classes, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Input channels.</summary>
    public int Channels { get; }
    /// <summary>Input image size in pixels (square).</summary>
    public int ImageSize { get; }
    /// <summary>Trainable parameters of the embedder and the head.</summary>
    public long Parameters => GanArchitecture.ParameterCount(model.Embedder) + GanArchitecture.ParameterCount(model.Head);

    /// <summary>Trains a classifier of <paramref name="train"/>'s labels (its <see cref="FaceDataset.ClassNames"/>) on its
    /// images, seeded by <see cref="AttributeClassifierOptions.Seed"/>. Callbacks receive every step (loss, accuracy, lr).</summary>
    public static AttributeClassifier Train(FaceDataset train, AttributeClassifierOptions options, Device? device = null,
        params ITrainingCallback[] callbacks)
    {
        TorchRuntime.EnsureInitialized();
        if (options.Steps < 1) throw new ArgumentException($"steps {options.Steps}: must be ≥ 1.");
        if (train.Count < 2) throw new ArgumentException($"data set '{train.Name}' has {train.Count} images; a classifier needs at least 2.");
        device ??= CPU;
        Seeding.Seed(options.Seed);
        var embedder = new FaceEmbedder(train.Height, train.Channels, options.Width, options.Embedding);
        var head = new SoftmaxHead(options.Embedding, train.ClassCount);
        var model = new RecognizerTrainable(embedder, head, new RecognizerAugmentation(2, 0.1), options.LearningRate, options.WeightDecay,
            options.Steps, device);
        // Balanced: as many draws as the data set has images, each class equally likely (rare images repeat).
        using var balanced = options.Balanced ? ClassBalance.BalancedResample(train, train.Count, options.Seed) : null;
        var data = balanced ?? train;
        using var batches = new DatasetBatches(data, new BatchOptions(Math.Min(options.Batch, data.Count), Seed: options.Seed, DropLast: true,
            RandomHorizontalFlip: true, Range: PixelRange.Unit, Device: device));
        new Trainer(model, batches, new TrainerOptions(options.Steps), callbacks).Run();
        model.Embedder.eval();
        model.Head.eval();
        return new AttributeClassifier(model, train.ClassNames, train.Channels, train.Height);
    }

    /// <summary>The predicted class of each image (N, C, H, W) in [0, 1], <paramref name="batchSize"/> at a time.</summary>
    public int[] Predict(Tensor images, int batchSize = 256)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = model.Embedder.parameters().First().device;
        var embeddings = model.Embedder.Embed(images, batchSize).to(device);
        var logits = model.Head.forward(embeddings, zeros(embeddings.shape[0], dtype: ScalarType.Int64, device: device));
        return logits.argmax(1).cpu().data<long>().Select(c => (int)c).ToArray();
    }

    /// <summary>The predicted class of each image of a uint8 data set.</summary>
    public int[] Predict(FaceDataset data)
    {
        using var scope = NewDisposeScope();
        return Predict(FaceDataset.ToUnitRange(data.Images));
    }

    /// <summary>Accuracy (1/N) Σ 1[ŷ_i = y_i] of predictions against labels.</summary>
    public static double Accuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> truth) =>
        CheckLengths(predicted, truth).Zip(truth, (p, t) => p == t ? 1.0 : 0.0).Average();

    /// <summary>Balanced accuracy: the mean over the classes present in <paramref name="truth"/> of each class's recall
    /// (fraction of its images predicted as it) — unlike accuracy, a classifier that always answers the majority class
    /// scores 1/K, not the majority's share.</summary>
    public static double BalancedAccuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> truth) =>
        Enumerable.Range(0, CheckLengths(predicted, truth).Count).GroupBy(i => truth[i])
            .Select(g => g.Average(i => predicted[i] == truth[i] ? 1.0 : 0.0)).Average();

    static IReadOnlyList<int> CheckLengths(IReadOnlyList<int> predicted, IReadOnlyList<int> truth) =>
        predicted.Count == truth.Count && truth.Count > 0 ? predicted
        : throw new ArgumentException($"{predicted.Count} predictions for {truth.Count} labels: expected the same, non-zero number.");

    /// <summary>Frees the embedder, the head and the optimiser state.</summary>
    public void Dispose() => model.Dispose();
}
