using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>
/// Kernel distance between two sets of feature vectors (Bińkowski et al. 2018, "KID" when the features are
/// Inception's): the unbiased estimate of the squared maximum mean discrepancy with the cubic polynomial
/// kernel k(x, y) = (xᵀy / D + 1)³,
/// MMD²_u = Σ_{i≠j} k(a_i, a_j) / (m(m − 1)) + Σ_{i≠j} k(b_i, b_j) / (n(n − 1)) − 2 Σ_{i,j} k(a_i, b_j) / (mn).
/// Unbiased, so it can be slightly negative when both sets come from one distribution; unlike the Fréchet
/// distance it assumes no Gaussian shape and is reliable for small sets. Recomputed by hand in notebook 08 (the KID
/// of held-out faces' recogniser embeddings) and reported in notebook 10.
/// </summary>
public static class KernelDistance
{
    /// <summary>MMD²_u between the rows of <paramref name="featuresA"/> (m, D) and <paramref name="featuresB"/> (n, D), m, n ≥ 2.</summary>
    public static double Between(Tensor featuresA, Tensor featuresB)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var (a, b) = FeatureMatrices.AsFloat64(featuresA, featuresB);
        long m = a.shape[0], n = b.shape[0], d = a.shape[1];
        if (m < 2 || n < 2) throw new ArgumentException("Each set needs at least 2 samples for the unbiased MMD².");
        // k(x, y) = (xᵀy / D + 1)³ for all pairs at once
        Tensor Kernel(Tensor x, Tensor y) => (x.matmul(y.t()) / d + 1).pow(3);
        var kaa = Kernel(a, a);
        var kbb = Kernel(b, b);
        var kab = Kernel(a, b);
        // Σ_{i≠j} = Σ_{all} − Σ_{diagonal}
        var withinA = (kaa.sum() - kaa.diagonal().sum()) / (m * (m - 1));
        var withinB = (kbb.sum() - kbb.diagonal().sum()) / (n * (n - 1));
        var across = kab.sum() * 2 / (m * n);
        return (withinA + withinB - across).item<double>();
    }
}
