using System.Text.Json.Serialization;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>Quantiles of a set of distances (linear interpolation between order statistics, <see cref="Memorization.Quantile"/>).</summary>
public sealed record DistanceQuantiles(double Q05, double Q25, double Median, double Q75, double Q95)
{
    /// <summary>The 5th, 25th, 50th, 75th and 95th percentiles of <paramref name="values"/>.</summary>
    public static DistanceQuantiles Of(IReadOnlyList<double> values) => new(
        Memorization.Quantile(values, 0.05), Memorization.Quantile(values, 0.25), Memorization.Quantile(values, 0.5),
        Memorization.Quantile(values, 0.75), Memorization.Quantile(values, 0.95));
}

/// <summary>What <see cref="Memorization.Check"/> found, in one feature space (pixels, or a recogniser's embeddings).</summary>
/// <param name="Space">What the distances were measured on, e.g. "pixels" or "recogniser embedding".</param>
/// <param name="Samples">Generated images checked (N).</param>
/// <param name="HeldOut">Held-out real images used as the reference (M).</param>
/// <param name="Training">Training images searched for the nearest neighbour.</param>
/// <param name="Percentile">p of the copy threshold (0.05: the 5th percentile).</param>
/// <param name="Threshold">t = the p-quantile of the held-out images' distances to their nearest training image.</param>
/// <param name="CopyRate">Fraction of samples whose nearest-training distance is below t: samples closer to a
/// training image than all but a fraction p of new real photographs are. About p for a generator that does not copy;
/// 1 for one that returns training images.</param>
/// <param name="HeldOutRate">The same fraction for the held-out images themselves (≈ p by construction; the reference
/// the copy rate is read against).</param>
/// <param name="SampleDistances">Quantiles of the samples' distances to their nearest training image.</param>
/// <param name="HeldOutDistances">Quantiles of the held-out images' distances to their nearest training image.</param>
public sealed record MemorizationResult(string Space, int Samples, int HeldOut, int Training, double Percentile, double Threshold,
    double CopyRate, double HeldOutRate, DistanceQuantiles SampleDistances, DistanceQuantiles HeldOutDistances)
{
    /// <summary>median(sample distances) / median(held-out distances): below 1, samples sit nearer the training set than
    /// new real faces do.</summary>
    public double MedianRatio => SampleDistances.Median / HeldOutDistances.Median;

    /// <summary>For each sample, its nearest training image and the distance (not written to JSON).</summary>
    [JsonIgnore] public NearestNeighborMatch SampleMatches { get; init; } = null!;

    /// <summary>For each held-out image, its nearest training image and the distance (not written to JSON).</summary>
    [JsonIgnore] public NearestNeighborMatch HeldOutMatches { get; init; } = null!;
}

/// <summary>
/// Memorisation check for a generator: does it reproduce its training images? For each generated sample g_i the
/// distance d_i = min_j ‖g_i − x_j‖₂ to its nearest training image x_j (<see cref="NearestNeighbors.Find"/>), and the
/// same distance h_i for held-out real images the generator never saw. A generator that generalises puts its samples
/// about as far from the training set as new real photographs are; one that copies puts them nearer. Summary:
/// quantiles of d and h, and the copy rate = (1/N) Σ_i 1[d_i &lt; t] with t the p-quantile of h (p = 0.05), which is ≈ p
/// without copying and 1 when every sample is a training image. Measured in pixel space and, with a recogniser, in
/// its embedding space (near in identity without being near in pixels). Checked in notebook 08 (a copier scores 1, noise
/// 0, held-out faces ≈ p) and measured against training-set size in notebook 11.
/// </summary>
public static class Memorization
{
    /// <summary>The check on features of any shape (N, …) — images, or embeddings (N, D); the three sets must have the
    /// same shape per item. <paramref name="percentile"/> p in (0, 1).</summary>
    public static MemorizationResult Check(Tensor samples, Tensor heldOut, Tensor training, string space = "pixels", double percentile = 0.05)
    {
        TorchRuntime.EnsureInitialized();
        if (!(percentile > 0 && percentile < 1)) throw new ArgumentException($"percentile {percentile}: expected a value in (0, 1).");
        var sampleMatch = NearestNeighbors.Find(samples, training);
        var heldOutMatch = NearestNeighbors.Find(heldOut, training);
        double threshold = Quantile(heldOutMatch.Distances, percentile);
        return new MemorizationResult(space, (int)samples.shape[0], (int)heldOut.shape[0], (int)training.shape[0], percentile, threshold,
            Below(sampleMatch.Distances, threshold), Below(heldOutMatch.Distances, threshold),
            DistanceQuantiles.Of(sampleMatch.Distances), DistanceQuantiles.Of(heldOutMatch.Distances))
        {
            SampleMatches = sampleMatch, HeldOutMatches = heldOutMatch,
        };
    }

    /// <summary>The check in a recogniser's embedding space: images (N, C, H, W) in [0, 1] at the recogniser's size and
    /// channels are embedded (<see cref="FaceEmbedder.Embed"/>, unit vectors), then compared as in <see cref="Check"/>.</summary>
    public static MemorizationResult CheckInEmbeddingSpace(FaceEmbedder recognizer, Tensor samples, Tensor heldOut, Tensor training,
        double percentile = 0.05)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        return Check(recognizer.Embed(samples), recognizer.Embed(heldOut), recognizer.Embed(training), "recogniser embedding", percentile);
    }

    /// <summary>The p-quantile with linear interpolation between order statistics (Hyndman–Fan type 7, numpy's
    /// default): sort x ascending, h = (n − 1)·p, Q = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).</summary>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0) throw new ArgumentException("no values: a quantile needs at least one.");
        if (!(p >= 0 && p <= 1)) throw new ArgumentException($"p = {p}: expected a probability in [0, 1].");
        var sorted = values.Order().ToArray();
        double h = (sorted.Length - 1) * p;
        int low = (int)Math.Floor(h);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    static double Below(double[] distances, double threshold) => distances.Count(d => d < threshold) / (double)distances.Length;
}
