using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>Improved precision and recall of a generator (<see cref="PrecisionRecall.Compute"/>).</summary>
/// <param name="Precision">Fraction of generated samples inside the real manifold (fidelity).</param>
/// <param name="Recall">Fraction of real samples inside the generated manifold (coverage).</param>
/// <param name="K">The k of the k-th nearest neighbour that sets each ball's radius.</param>
public sealed record PrecisionRecallResult(double Precision, double Recall, int K);

/// <summary>
/// k-NN precision and recall (Kynkäänniemi et al. 2019). Each set's manifold is the union of balls around its
/// points, each ball's radius the distance to that point's k-th nearest neighbour in its own set:
/// precision = (1/|G|) Σ_{g∈G} 1[∃ r ∈ R: ‖g − r‖ ≤ NN_k(r, R)],
/// recall    = (1/|R|) Σ_{r∈R} 1[∃ g ∈ G: ‖r − g‖ ≤ NN_k(g, G)],
/// with R the real and G the generated features (e.g. recogniser embeddings), Euclidean distances. Reported in
/// notebooks 08 and 10.
/// </summary>
public static class PrecisionRecall
{
    /// <summary>Precision and recall of <paramref name="generated"/> (M, D) against <paramref name="real"/> (N, D);
    /// both sets need more than <paramref name="k"/> points (the paper uses k = 3).</summary>
    public static PrecisionRecallResult Compute(Tensor real, Tensor generated, int k = 3)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var (r, g) = FeatureMatrices.AsFloat64(real, generated);
        if (k < 1 || r.shape[0] <= k || g.shape[0] <= k)
            throw new ArgumentException($"k={k}: need k ≥ 1 and more than k points in each set ({r.shape[0]} real, {g.shape[0]} generated).");
        return new PrecisionRecallResult(Coverage(r, g, k), Coverage(g, r, k), k);
    }

    /// <summary>Fraction of <paramref name="probes"/> inside some ball of <paramref name="manifold"/>.</summary>
    static double Coverage(Tensor manifold, Tensor probes, int k)
    {
        // Radius of each manifold point: the (k + 1)-th smallest distance within its own set, the first being 0 (itself).
        var radii = cdist(manifold, manifold).kthvalue(k + 1, dim: 1).values;
        var inside = cdist(probes, manifold) <= radii.unsqueeze(0);
        return inside.any(1).to_type(ScalarType.Float64).mean().item<double>();
    }
}
