using FaceGen.Models;
using FaceGen.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>Training-time augmentation of a recogniser's batches on top of the <see cref="Data.BatchIterator"/>'s
/// flips: a random crop (pad by <paramref name="CropPadding"/> pixels, replicating the border, then cut the
/// original size at a random offset — a shift of up to ±P pixels) and a brightness/contrast jitter of relative
/// strength <paramref name="Jitter"/>: x' = clip((x − x̄)·c + x̄·b, 0, 1) with b, c ~ U(1 − J, 1 + J) per image and
/// x̄ its mean. Zero turns each off.</summary>
public sealed record RecognizerAugmentation(int CropPadding = 4, double Jitter = 0.2)
{
    /// <summary>No crop and no jitter.</summary>
    public static RecognizerAugmentation None { get; } = new(0, 0);
}

/// <summary>
/// Recogniser training for the <see cref="Trainer"/>. One step: draw a batch (x in [0, 1], identities y), augment
/// it, embed e = f(x), logits = head(e, y), minimise the softmax cross-entropy −mean log softmax(logits)_y over
/// the embedder and the head with AdamW, whose learning rate follows a cosine decay
/// η_t = η·½(1 + cos(π·(t − 1)/T)) over the T steps (a function of the step only, so resumed runs repeat it).
/// Random draws of the augmentation use torch's global generator, which checkpoints save and restore.
/// Recorded: loss, accuracy (of the margin logits on the augmented batch), lr.
/// </summary>
public sealed class RecognizerTrainable : ITrainable, IDisposable
{
    readonly AdamW optimizer;
    readonly double learningRate;
    readonly long totalSteps;

    public FaceEmbedder Embedder { get; }
    public RecognitionHead Head { get; }
    public RecognizerAugmentation Augmentation { get; }

    public RecognizerTrainable(FaceEmbedder embedder, RecognitionHead head, RecognizerAugmentation augmentation,
        double learningRate, double weightDecay, long totalSteps, Device? device = null)
    {
        device ??= CPU;
        if (totalSteps < 1) throw new ArgumentException($"steps {totalSteps}: must be ≥ 1.");
        Embedder = embedder;
        Embedder.to(device);
        Head = head;
        Head.to(device);
        Augmentation = augmentation;
        this.learningRate = learningRate;
        this.totalSteps = totalSteps;
        optimizer = optim.AdamW(Embedder.parameters().Concat(Head.parameters()), learningRate, weight_decay: weightDecay);
    }

    public IReadOnlyDictionary<string, nn.Module> Modules => new Dictionary<string, nn.Module> { ["embedder"] = Embedder, ["head"] = Head };

    public IReadOnlyDictionary<string, OptimizerHelper> Optimizers => new Dictionary<string, OptimizerHelper> { ["recognizer"] = optimizer };

    public IReadOnlyDictionary<string, double> Step(IBatchSource data, long step)
    {
        var batch = data.Next();
        // η_t = η·½(1 + cos(π·(t − 1)/T))
        double lr = learningRate * 0.5 * (1 + Math.Cos(Math.PI * (step - 1) / totalSteps));
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        var images = Augment(batch.Images, Augmentation);
        var logits = Head.forward(Embedder.forward(images), batch.Labels);
        var loss = nn.functional.cross_entropy(logits, batch.Labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        return new Dictionary<string, double>
        {
            ["loss"] = loss.item<float>(),
            ["accuracy"] = logits.argmax(1).eq(batch.Labels).to_type(ScalarType.Float32).mean().item<float>(),
            ["lr"] = lr,
        };
    }

    /// <summary>The recogniser has no pictures to show during training.</summary>
    public ImageGrid? Snapshot() => null;

    /// <summary>Applies <paramref name="augmentation"/> to images (B, C, H, W) in [0, 1], drawing from torch's global generator.</summary>
    public static Tensor Augment(Tensor images, RecognizerAugmentation augmentation)
    {
        var x = images;
        if (augmentation.CropPadding > 0) x = RandomCrop(x, augmentation.CropPadding);
        if (augmentation.Jitter > 0)
        {
            long n = x.shape[0];
            double j = augmentation.Jitter;
            var brightness = (rand(n, 1, 1, 1, device: x.device) * 2 - 1) * j + 1;
            var contrast = (rand(n, 1, 1, 1, device: x.device) * 2 - 1) * j + 1;
            var mean = x.mean(new long[] { 1, 2, 3 }, keepdim: true);
            // x' = clip((x − x̄)·c + x̄·b, 0, 1)
            x = ((x - mean) * contrast + mean * brightness).clamp(0, 1);
        }
        return x;
    }

    static Tensor RandomCrop(Tensor images, int padding)
    {
        long n = images.shape[0], h = images.shape[2], w = images.shape[3];
        var padded = nn.functional.pad(images, new long[] { padding, padding, padding, padding }, PaddingModes.Replicate);
        var offsets = randint(0, 2 * padding + 1, new long[] { n, 2 }).data<long>().ToArray();
        var crops = new Tensor[n];
        for (int i = 0; i < n; i++) crops[i] = padded[i].narrow(1, offsets[2 * i], h).narrow(2, offsets[2 * i + 1], w);
        return stack(crops);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Embedder.Dispose();
        Head.Dispose();
    }
}
