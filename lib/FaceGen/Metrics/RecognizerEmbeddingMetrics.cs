using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>
/// Measures that look at faces through a trained recogniser (<see cref="FaceEmbedder"/>): identity similarity of
/// processed faces, and distances between sets of faces in the recogniser's embedding space. Images are
/// (N, C, H, W) in [0, 1] at the recogniser's size and channels. The "recogniser-embedding FD/KID" are the
/// Fréchet and kernel distances of <see cref="FrechetDistance"/> and <see cref="KernelDistance"/> on these
/// embeddings: they depend on this recogniser and its training data, and are not comparable to Inception FID/KID
/// or between recognisers.
/// </summary>
public static class RecognizerEmbeddingMetrics
{
    /// <summary>Identity similarity per image: cos(e(processed_i), e(original_i)) = e(p_i)·e(o_i) (embeddings have
    /// unit length); 1 = the recogniser sees the same face. Returns (N) float64.</summary>
    public static Tensor IdentitySimilarity(FaceEmbedder recognizer, Tensor processed, Tensor originals)
    {
        TorchRuntime.EnsureInitialized();
        if (!processed.shape.SequenceEqual(originals.shape))
            throw new ArgumentException($"processed [{string.Join(", ", processed.shape)}] and original [{string.Join(", ", originals.shape)}] images differ in shape.");
        using var scope = NewDisposeScope();
        var p = recognizer.Embed(processed).to_type(ScalarType.Float64);
        var o = recognizer.Embed(originals).to_type(ScalarType.Float64);
        return (p * o).sum(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>Recogniser-embedding Fréchet distance between two sets of faces (see the class summary).</summary>
    public static double FrechetDistance(FaceEmbedder recognizer, Tensor imagesA, Tensor imagesB)
    {
        using var scope = NewDisposeScope();
        return Metrics.FrechetDistance.Between(recognizer.Embed(imagesA), recognizer.Embed(imagesB));
    }

    /// <summary>Recogniser-embedding KID (unbiased MMD², cubic kernel) between two sets of faces.</summary>
    public static double KernelDistance(FaceEmbedder recognizer, Tensor imagesA, Tensor imagesB)
    {
        using var scope = NewDisposeScope();
        return Metrics.KernelDistance.Between(recognizer.Embed(imagesA), recognizer.Embed(imagesB));
    }

    /// <summary>k-NN precision and recall of generated faces against real ones, in the recogniser's embedding space.</summary>
    public static PrecisionRecallResult PrecisionRecall(FaceEmbedder recognizer, Tensor real, Tensor generated, int k = 3)
    {
        using var scope = NewDisposeScope();
        return Metrics.PrecisionRecall.Compute(recognizer.Embed(real), recognizer.Embed(generated), k);
    }
}
