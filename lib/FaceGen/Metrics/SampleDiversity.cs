using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>
/// How different a set of images is from itself — a cheap collapse detector for generated images: a generator that
/// has collapsed to a few outputs gives a much smaller value than real images do. Defined as the mean over all
/// pairs i ≠ j of the root-mean-square pixel difference, d(i, j) = √(mean_p (x_ip − x_jp)²), in the images' own
/// range. Used in notebooks/04-gan-strengths-and-weaknesses.
/// </summary>
public static class SampleDiversity
{
    /// <summary>Mean pairwise RMS distance of <paramref name="images"/> (N, …), N ≥ 2.</summary>
    public static double MeanPairwiseDistance(Tensor images)
    {
        TorchRuntime.EnsureInitialized();
        if (images.dim() < 2 || images.shape[0] < 2)
            throw new ArgumentException($"Expected at least 2 images, got shape [{string.Join(", ", images.shape)}].");
        using var scope = NewDisposeScope();
        var x = images.detach().to_type(ScalarType.Float64).cpu().flatten(1);
        long n = x.shape[0], d = x.shape[1];
        var distances = cdist(x, x) / Math.Sqrt(d);          // (N, N), zero diagonal
        return (distances.sum() / (n * (n - 1))).item<double>();
    }
}
