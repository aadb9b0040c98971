using FaceGen.Metrics;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class FrechetDistanceTests
{
    public FrechetDistanceTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void EqualsTheClosedFormForGaussiansWithKnownMomentsAndIsZeroForASetWithItself()
    {
        manual_seed(11);
        // Whitened samples: mean exactly 0 and covariance exactly I, so every moment below is exact.
        var z = randn(4000, 3, dtype: ScalarType.Float64);
        z = z - z.mean(new long[] { 0 });
        var cov = z.t().matmul(z) / (z.shape[0] - 1);
        var (values, vectors) = linalg.eigh(cov);
        var white = z.matmul(vectors).matmul(diag(values.rsqrt())).matmul(vectors.t());

        Assert.Equal(0, FrechetDistance.Between(white, white), 8);
        // N(μ, I) vs N(0, I): FD = ‖μ‖² = 1 + 4 + 4 = 9.
        var shift = tensor(new double[] { 1, 2, -2 });
        Assert.Equal(9, FrechetDistance.Between(white + shift, white), 8);
        // N(0, a²I) vs N(0, b²I) in d dims: FD = d(a − b)² = 3·(3 − 1)² = 12.
        Assert.Equal(12, FrechetDistance.Between(white * 3, white), 8);
        // Σ₁ = diag(4, 1, 1), Σ₂ = I: Tr(Σ₁ + Σ₂ − 2Σ₁^{½}) = 6 + 3 − 2·4 = 1.
        Assert.Equal(1, FrechetDistance.Between(white * tensor(new double[] { 2, 1, 1 }), white), 8);
    }

    [Fact]
    public void PixelFeaturesPoolGreyImages()
    {
        var images = ones(2, 3, 16, 16);
        images[1] = images[1] * 0.5f;
        var features = FrechetDistance.PixelFeatures(images, size: 4);
        Assert.Equal(new long[] { 2, 16 }, features.shape);
        Assert.Equal(0.5f, features[1].mean().item<float>(), 6);
        Assert.Throws<ArgumentException>(() => FrechetDistance.Between(ones(5, 3), ones(5, 4)));
    }
}
