using FaceGen.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>For each query, the Euclidean distance to its nearest reference item and that item's index.</summary>
/// <param name="Distances">‖q_i − r_{j*}‖₂ over all D values of each item (pixels × channels), per query.</param>
/// <param name="Indices">j* = argmin_j ‖q_i − r_j‖₂ per query (the smallest index among ties).</param>
/// <param name="Dimensions">D, the number of values per item.</param>
public sealed record NearestNeighborMatch(double[] Distances, long[] Indices, long Dimensions)
{
    /// <summary>The distances as a root-mean-square difference per value, ‖q − r‖₂ / √D: comparable across image
    /// sizes (for images in [0, 1], in grey levels).</summary>
    public double[] RootMeanSquare => Distances.Select(d => d / Math.Sqrt(Dimensions)).ToArray();
}

/// <summary>
/// Nearest neighbours in pixel space: for each query image q_i the reference image r_j with the smallest
/// L2 distance ‖q_i − r_j‖₂ (all values flattened), computed with torch.cdist in float64 without the
/// ‖q‖² + ‖r‖² − 2q·r shortcut (so a set against itself gives exactly 0 and its own index), in blocks of
/// queries and references so that large reference sets never need a full distance matrix. Uses: how far
/// generated faces lie from the training set (notebook 06), and whether a generator copies training images.
/// </summary>
public static class NearestNeighbors
{
    /// <summary>The nearest item of <paramref name="references"/> (M, …) for each item of
    /// <paramref name="queries"/> (N, …); both must have the same per-item shape. Computed on the queries'
    /// device in blocks of <paramref name="queryBlock"/> × <paramref name="referenceBlock"/> distances.</summary>
    public static NearestNeighborMatch Find(Tensor queries, Tensor references, int queryBlock = 256, int referenceBlock = 1024)
    {
        TorchRuntime.EnsureInitialized();
        Validate(queries, references, queryBlock, referenceBlock);
        long n = queries.shape[0], m = references.shape[0];
        var distances = new double[n];
        var indices = new long[n];
        for (long start = 0; start < n; start += queryBlock)
        {
            using var scope = NewDisposeScope();
            var q = queries.narrow(0, start, Math.Min(queryBlock, n - start)).flatten(1).to_type(ScalarType.Float64);
            var best = full(q.shape[0], double.PositiveInfinity, dtype: ScalarType.Float64, device: q.device);
            var bestIndex = zeros(q.shape[0], dtype: ScalarType.Int64, device: q.device);
            for (long from = 0; from < m; from += referenceBlock)
            {
                var r = references.narrow(0, from, Math.Min(referenceBlock, m - from)).flatten(1).to(q.device).to_type(ScalarType.Float64);
                var (blockBest, blockIndex) = cdist(q, r, compute_mode: compute_mode.donot_use_mm_for_euclid_dist).min(1);
                // Strictly smaller only: among equal distances the earlier block, hence the smaller index, wins.
                var better = blockBest < best;
                best = where(better, blockBest, best);
                bestIndex = where(better, blockIndex + from, bestIndex);
            }
            Array.Copy(best.cpu().data<double>().ToArray(), 0, distances, start, best.shape[0]);
            Array.Copy(bestIndex.cpu().data<long>().ToArray(), 0, indices, start, bestIndex.shape[0]);
        }
        return new NearestNeighborMatch(distances, indices, queries[0].numel());
    }

    static void Validate(Tensor queries, Tensor references, int queryBlock, int referenceBlock)
    {
        if (queries.dim() < 2 || references.dim() < 2 || !queries.shape.Skip(1).SequenceEqual(references.shape.Skip(1)))
            throw new ArgumentException($"queries of shape [{string.Join(", ", queries.shape)}] and references of shape [{string.Join(", ", references.shape)}]: " +
                "expected (N, …) and (M, …) with the same shape per item.");
        if (queries.shape[0] == 0 || references.shape[0] == 0)
            throw new ArgumentException($"{queries.shape[0]} queries and {references.shape[0]} references: both sets need at least one item.");
        if (queryBlock < 1 || referenceBlock < 1)
            throw new ArgumentException($"block sizes {queryBlock} and {referenceBlock}: must be at least 1.");
    }
}
