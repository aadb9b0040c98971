using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>
/// Fréchet distance between two sets of feature vectors, each summarised as a Gaussian N(μ, Σ):
/// FD = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^{½} Σ₂ Σ₁^{½})^{½}).
/// The matrix square roots are taken by eigendecomposition of symmetric matrices in float64. Which
/// features are used decides what the number means: <see cref="PixelFeatures"/> (downsampled grey
/// pixels) gives a cheap, model-free distance for training curves; it is not comparable to an
/// Inception FID.
/// </summary>
public static class FrechetDistance
{
    public static double Between(Tensor featuresA, Tensor featuresB)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var (a, b) = FeatureMatrices.AsFloat64(featuresA, featuresB);
        if (a.shape[0] < 2 || b.shape[0] < 2) throw new ArgumentException("Each set needs at least 2 samples for a covariance.");
        var (muA, covA) = MeanAndCovariance(a);
        var (muB, covB) = MeanAndCovariance(b);
        return BetweenGaussians(muA, covA, muB, covB);
    }

    /// <summary>The Fréchet distance between N(<paramref name="meanA"/>, <paramref name="covarianceA"/>) and
    /// N(<paramref name="meanB"/>, <paramref name="covarianceB"/>) given directly (means (D), covariances (D, D)),
    /// by the formula of the class summary; clipped at 0 against rounding.</summary>
    public static double BetweenGaussians(Tensor meanA, Tensor covarianceA, Tensor meanB, Tensor covarianceB)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var (muA, covA) = (meanA.to_type(ScalarType.Float64).cpu(), covarianceA.to_type(ScalarType.Float64).cpu());
        var (muB, covB) = (meanB.to_type(ScalarType.Float64).cpu(), covarianceB.to_type(ScalarType.Float64).cpu());
        var rootA = SymmetricSqrt(covA);
        var middle = SymmetricSqrt(rootA.matmul(covB).matmul(rootA));
        var fd = (muA - muB).square().sum() + covA.trace() + covB.trace() - 2 * middle.trace();
        return Math.Max(0, fd.item<double>());
    }

    /// <summary>Features for a pixel-space Fréchet distance: images (N, C, H, W) in any range → grey →
    /// average-pooled to size×size → (N, size²).</summary>
    public static Tensor PixelFeatures(Tensor images, int size = 8)
    {
        var grey = images.shape[1] == 3 ? images.mean(new long[] { 1 }, keepdim: true) : images;
        return nn.functional.adaptive_avg_pool2d(grey.to_type(ScalarType.Float32), new long[] { size, size }).flatten(1);
    }

    /// <summary>The pixel-space Fréchet distance of a generator's samples G(z) for fixed <paramref name="noise"/> (and
    /// <paramref name="labels"/>, conditional models) to real images' <see cref="PixelFeatures"/>: the <c>fd_pixels8</c> of GAN
    /// runs, and the training curve of notebook 07's corrected program. G runs in eval mode without gradients and is put
    /// back in the mode it was in.</summary>
    public static double OfGenerator(GanGenerator generator, Tensor noise, Tensor realFeatures, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        return generator.InEvalMode(() => Between(PixelFeatures(generator.forward(noise, labels).cpu()), realFeatures));
    }

    /// <summary>Sample mean and unbiased covariance (divisor N − 1).</summary>
    static (Tensor Mean, Tensor Covariance) MeanAndCovariance(Tensor x)
    {
        var mean = x.mean(new long[] { 0 });
        var centred = x - mean;
        return (mean, centred.t().matmul(centred) / (x.shape[0] - 1));
    }

    /// <summary>M^{½} of a symmetric positive semi-definite M: V·diag(√max(λ, 0))·Vᵀ.</summary>
    static Tensor SymmetricSqrt(Tensor m)
    {
        var symmetric = (m + m.t()) / 2;
        var (values, vectors) = linalg.eigh(symmetric);
        return vectors.matmul(diag(values.clamp_min(0).sqrt())).matmul(vectors.t());
    }
}
