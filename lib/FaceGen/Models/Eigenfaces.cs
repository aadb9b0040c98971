using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Models;

/// <summary>
/// Eigenfaces (Turk &amp; Pentland 1991): principal component analysis of flattened face images. With the
/// training images as rows of X (N × D) and their mean m, the components are the top right-singular
/// vectors of X − m (X − m = U S Vᵀ); a face is described by its coordinates f = Vₖᵀ(x − m). The classic
/// "features" step of the recognition pipeline in notebook 01, and a baseline for the recogniser.
/// </summary>
public sealed class Eigenfaces : IDisposable
{
    /// <summary>Mean face, (D).</summary>
    public Tensor Mean { get; }
    /// <summary>Components as rows, (k × D), orthonormal, ordered by explained variance.</summary>
    public Tensor Components { get; }
    /// <summary>Variance of the training data along each component: s_i² / (N − 1).</summary>
    public Tensor ExplainedVariance { get; }

    Eigenfaces(Tensor mean, Tensor components, Tensor variance)
    {
        Mean = mean;
        Components = components;
        ExplainedVariance = variance;
    }

    /// <summary>Fits k components to images (N, C, H, W) or rows (N, D) in any float range.</summary>
    public static Eigenfaces Fit(Tensor images, int components)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var x = images.flatten(1).to_type(ScalarType.Float64);
        long n = x.shape[0];
        if (components < 1 || components > Math.Min(n, x.shape[1]))
            throw new ArgumentException($"components={components}: expected 1 … {Math.Min(n, x.shape[1])} for {n} images of {x.shape[1]} values.");
        var mean = x.mean(new long[] { 0 });
        var (_, s, vh) = linalg.svd(x - mean, fullMatrices: false);
        var variance = s.narrow(0, 0, components).square() / Math.Max(1, n - 1);
        return new Eigenfaces(mean.MoveToOuterDisposeScope(), vh.narrow(0, 0, components).contiguous().MoveToOuterDisposeScope(),
            variance.MoveToOuterDisposeScope());
    }

    public int Count => (int)Components.shape[0];

    /// <summary>f = Vₖᵀ(x − m) for each image: (N, k).</summary>
    public Tensor Project(Tensor images) => (images.flatten(1).to_type(ScalarType.Float64) - Mean).matmul(Components.t());

    /// <summary>x̂ = m + Vₖ f: the images rebuilt from their coordinates, (N, D).</summary>
    public Tensor Reconstruct(Tensor features) => Mean + features.matmul(Components);

    public void Dispose()
    {
        Mean.Dispose();
        Components.Dispose();
        ExplainedVariance.Dispose();
    }
}
