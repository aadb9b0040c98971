using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>What <see cref="ModeCoverage.Measure"/> found for a set of samples.</summary>
/// <param name="NearestCounts">Per mode: how many samples have it as their nearest centre (every sample counts once).</param>
/// <param name="HighQualityCounts">Per mode: how many of those lie within k·σ of it.</param>
/// <param name="MinimumCount">How many high-quality samples a mode needs to count as covered.</param>
public sealed record ModeCoverageResult(int[] NearestCounts, int[] HighQualityCounts, int MinimumCount)
{
    /// <summary>Number of samples measured.</summary>
    public int Total => NearestCounts.Sum();
    /// <summary>Modes with at least <see cref="MinimumCount"/> high-quality samples.</summary>
    public int ModesCovered => HighQualityCounts.Count(c => c >= MinimumCount);
    /// <summary>The indices of the covered modes.</summary>
    public int[] CoveredModes => Enumerable.Range(0, HighQualityCounts.Length).Where(k => HighQualityCounts[k] >= MinimumCount).ToArray();
    /// <summary>Fraction of all samples within k·σ of their nearest mode.</summary>
    public double HighQualityFraction => Total == 0 ? 0 : (double)HighQualityCounts.Sum() / Total;

    /// <summary>KL(p ‖ u) = Σ_k p_k log(K·p_k) in nats, where p_k = NearestCounts[k] / N is the histogram of
    /// nearest modes and u the uniform distribution over the K modes (0·log 0 = 0). It is 0 when every mode
    /// receives the same share and log K when every sample sits at one mode.</summary>
    public double KlFromUniform
    {
        get
        {
            int total = Total, k = NearestCounts.Length;
            return NearestCounts.Where(c => c > 0).Sum(c => (double)c / total * Math.Log((double)k * c / total));
        }
    }
}

/// <summary>
/// Mode coverage of samples from a mixture with known centres (Metz et al. 2017; Srivastava et al. 2017):
/// each sample is assigned to its nearest centre μ_k; it is <em>high quality</em> when ‖x − μ_k‖ ≤ k·σ
/// (k = <c>sigmas</c>, 3 by default); a mode is <em>covered</em> when it receives at least
/// <c>minimumCount</c> high-quality samples. A GAN can have no explicit likelihood and still be measured this
/// way, because for the toy data the modes are known. Used in notebooks/04-gan-strengths-and-weaknesses.
/// </summary>
public static class ModeCoverage
{
    /// <summary>Measures <paramref name="samples"/> (N, d) against <paramref name="centres"/> (K, d).</summary>
    public static ModeCoverageResult Measure(Tensor samples, Tensor centres, double std, double sigmas = 3, int minimumCount = 1)
    {
        TorchRuntime.EnsureInitialized();
        if (samples.dim() != 2 || centres.dim() != 2 || samples.shape[1] != centres.shape[1])
            throw new ArgumentException($"Expected samples (N, d) and centres (K, d) with the same d, got [{string.Join(", ", samples.shape)}] and [{string.Join(", ", centres.shape)}].");
        if (!(std > 0) || !(sigmas > 0)) throw new ArgumentException($"std {std} and sigmas {sigmas}: both must be positive.");
        if (minimumCount < 1) throw new ArgumentException($"minimum count {minimumCount}: must be ≥ 1.");
        using var scope = NewDisposeScope();
        var x = samples.detach().to_type(ScalarType.Float64).cpu();
        var mu = centres.detach().to_type(ScalarType.Float64).cpu();
        var distances = cdist(x, mu);                       // (N, K) Euclidean distances
        var (nearestDistance, nearest) = distances.min(1);
        var highQuality = nearestDistance <= sigmas * std;
        int modes = (int)mu.shape[0];
        var nearestCounts = bincount(nearest, minlength: modes).data<long>().Select(c => (int)c).ToArray();
        var highQualityCounts = bincount(nearest.masked_select(highQuality), minlength: modes).data<long>().Select(c => (int)c).ToArray();
        return new ModeCoverageResult(nearestCounts, highQualityCounts, minimumCount);
    }
}
