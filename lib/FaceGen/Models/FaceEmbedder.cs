using FaceGen.Data;
using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>
/// A small CNN that maps a face to an identity embedding on the unit sphere — the "features" step of the
/// recognition pipeline, learned instead of eigenfaces. Input: images (N, C, H, W) in [0, 1] (grey or RGB,
/// H = W a multiple of 8, e.g. 32 or 64), centred to [−1, 1] inside. Body: four stages of
/// Conv(3×3) → BatchNorm → ReLU with widths w, 2w, 4w, 8w and a 2×2 max-pool after each of the first three
/// (64 px → 8×8, 32 px → 4×4); then global average pooling → Linear(8w → d) → BatchNorm1d →
/// e = v / ‖v‖₂ (the L2-normalised embedding, d = 128 by default). Two faces are compared by the cosine
/// of their embeddings, eᵢ·eⱼ. Trained with a <see cref="RecognitionHead"/>.
/// </summary>
public sealed class FaceEmbedder : Module<Tensor, Tensor>
{
    readonly Sequential body;
    readonly Linear project;
    readonly BatchNorm1d normalise;

    /// <summary>Input channels (1 or 3).</summary>
    public int Channels { get; }
    /// <summary>Input image size in pixels (square).</summary>
    public int ImageSize { get; }
    /// <summary>Length d of the embedding.</summary>
    public int EmbeddingSize { get; }

    public FaceEmbedder(int imageSize = 64, int channels = 1, int width = 16, int embeddingSize = 128) : base(nameof(FaceEmbedder))
    {
        TorchRuntime.EnsureInitialized();
        if (imageSize < 16 || imageSize % 8 != 0)
            throw new ArgumentException($"image size {imageSize}: the embedder needs a multiple of 8 pixels, at least 16 (e.g. 32 or 64).");
        if (channels is not (1 or 3)) throw new ArgumentException($"channels {channels}: expected 1 (grey) or 3 (RGB).");
        if (width < 1 || embeddingSize < 1) throw new ArgumentException($"width {width}, embedding {embeddingSize}: both must be ≥ 1.");
        Channels = channels;
        ImageSize = imageSize;
        EmbeddingSize = embeddingSize;
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long input = channels, output = width;
        for (int stage = 0; stage < 4; stage++)
        {
            layers.Add(($"conv{stage}", Conv2d(input, output, 3, padding: 1, bias: false)));
            layers.Add(($"bn{stage}", BatchNorm2d(output)));
            layers.Add(($"relu{stage}", ReLU(true)));
            if (stage < 3) layers.Add(($"pool{stage}", MaxPool2d(2)));
            input = output;
            output *= 2;
        }
        body = Sequential(layers);
        project = Linear(input, embeddingSize);
        normalise = BatchNorm1d(embeddingSize);
        RegisterComponents();
    }

    /// <summary>Embeddings (N, d), each of unit length, for images (N, C, H, W) in [0, 1].</summary>
    public override Tensor forward(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Channels || images.shape[2] != ImageSize || images.shape[3] != ImageSize)
            throw new ArgumentException($"FaceEmbedder expects images (N, {Channels}, {ImageSize}, {ImageSize}), got [{string.Join(", ", images.shape)}].");
        // [0, 1] → [−1, 1], so the first convolution sees centred inputs.
        var h = body.forward(ImageAdapter.UnitToSigned(images));
        var pooled = h.mean(new long[] { 2, 3 });
        // e = v / max(‖v‖₂, ε)
        return functional.normalize(normalise.forward(project.forward(pooled)), p: 2, dim: 1);
    }

    /// <summary>Faces in [0, 1] of any size, grey or RGB, as this embedder takes them (<see cref="ImageAdapter.ForRecognizer"/>):
    /// its channels (luma or repeated grey) and its size (area down, bilinear up).</summary>
    public Tensor Prepare(Tensor unitImages) => ImageAdapter.ForRecognizer(unitImages, Channels, ImageSize);

    /// <summary>Embeddings (N, d) on the CPU for many images (N, C, H, W) in [0, 1], in eval mode and without
    /// gradients, <paramref name="batchSize"/> at a time on the module's device; the module's mode is restored.</summary>
    public Tensor Embed(Tensor images, int batchSize = 256)
    {
        var device = parameters().First().device;
        bool wasTraining = training;
        eval();
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var parts = new List<Tensor>();
            for (long start = 0; start < images.shape[0]; start += batchSize)
            {
                long count = Math.Min(batchSize, images.shape[0] - start);
                parts.Add(forward(images.narrow(0, start, count).to(device)).cpu());
            }
            return (parts.Count == 0 ? zeros(0, EmbeddingSize) : cat(parts, 0)).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) train();
        }
    }
}
