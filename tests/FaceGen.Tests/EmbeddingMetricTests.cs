using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class EmbeddingMetricTests
{
    public EmbeddingMetricTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void FrechetDistanceBetweenGaussiansWithKnownParameters()
    {
        // Diagonal covariances: FD = ‖μ₁ − μ₂‖² + Σ (√a_i − √b_i)² = (1 + 4) + (1 − 2)² + (2 − 3)² = 7.
        var fd = FrechetDistance.BetweenGaussians(tensor(new[] { 1.0, 2.0 }), diag(tensor(new[] { 1.0, 4.0 })),
            zeros(2, dtype: ScalarType.Float64), diag(tensor(new[] { 4.0, 9.0 })));
        Assert.Equal(7, fd, 9);
        // Σ₂ = R diag(4, 1) Rᵀ (rotated by 30°) against I: tr I + tr Σ₂ − 2 tr Σ₂^{½} = 2 + 5 − 2·(2 + 1) = 1.
        double c = Math.Cos(Math.PI / 6), s = Math.Sin(Math.PI / 6);
        var r = tensor(new[,] { { c, -s }, { s, c } });
        var rotated = r.matmul(diag(tensor(new[] { 4.0, 1.0 }))).matmul(r.t());
        Assert.Equal(1, FrechetDistance.BetweenGaussians(zeros(2, dtype: ScalarType.Float64), eye(2, dtype: ScalarType.Float64),
            zeros(2, dtype: ScalarType.Float64), rotated), 9);
    }

    [Fact]
    public void FrechetDistanceOfSampledEmbeddingsMatchesTheGaussianFormula()
    {
        // A ~ N(0, I₈), B ~ N(0.5·1, 4·I₈): FD = 8·0.25 + 8·(1 − 2)² = 10; 20 000 samples each estimate it to ±0.3.
        using var generator = new Generator(11);
        var a = randn(new long[] { 20_000, 8 }, generator: generator);
        var b = randn(new long[] { 20_000, 8 }, generator: generator) * 2 + 0.5;
        Assert.InRange(FrechetDistance.Between(a, b), 9.7, 10.3);
        // Through a recogniser: a set of faces against itself is at distance 0.
        using var embedder = new FaceEmbedder(imageSize: 16, channels: 1, width: 4, embeddingSize: 8);
        var faces = rand(new long[] { 40, 1, 16, 16 }, generator: generator);
        Assert.Equal(0, RecognizerEmbeddingMetrics.FrechetDistance(embedder, faces, faces), 6);
    }

    [Fact]
    public void KidIsNearZeroForOneDistributionAndPositiveForShiftedSets()
    {
        using var generator = new Generator(12);
        var a = randn(new long[] { 500, 16 }, generator: generator);
        var b = randn(new long[] { 500, 16 }, generator: generator);
        double same = KernelDistance.Between(a, b), shifted = KernelDistance.Between(a, b + 1);
        Assert.InRange(same, -0.02, 0.02);
        Assert.True(shifted > 1, $"shifted by 1 in every coordinate: {shifted}");
        // The very same samples: Σ_{i≠j} terms and the cross term differ only by the diagonal, O(1/m).
        Assert.InRange(KernelDistance.Between(a, a), -0.1, 0.0);
        // Hand check on two 1-D sets, k(x, y) = (xy + 1)³: A = {0, 1}, B = {0, 2}:
        // k(0,1) = 1; k(0,2) = 1; A×B: k(0,0) = 1, k(0,2) = 1, k(1,0) = 1, k(1,2) = 27 → mean 7.5; MMD² = 1 + 1 − 2·7.5 = −13.
        Assert.Equal(-13, KernelDistance.Between(tensor(new[,] { { 0.0 }, { 1.0 } }), tensor(new[,] { { 0.0 }, { 2.0 } })), 9);
    }

    [Fact]
    public void PrecisionAndRecallOfHandMadePoints()
    {
        // Real points 0, 1, 2, 3 on a line; with k = 1 each real ball has radius 1.
        var real = tensor(new[,] { { 0.0, 0 }, { 1, 0 }, { 2, 0 }, { 3, 0 } });
        // Generated 0.5 (inside) and 10 (outside): precision ½. Generated radii are 9.5, covering every real point: recall 1.
        var far = PrecisionRecall.Compute(real, tensor(new[,] { { 0.5, 0 }, { 10, 0 } }), k: 1);
        Assert.Equal((0.5, 1.0), (far.Precision, far.Recall));
        // Generated 0.5 and 1.5 (radius 1 each): both inside (precision 1); real 0, 1, 2 covered, 3 is 1.5 away (recall ¾).
        var near = PrecisionRecall.Compute(real, tensor(new[,] { { 0.5, 0 }, { 1.5, 0 } }), k: 1);
        Assert.Equal((1.0, 0.75), (near.Precision, near.Recall));
        Assert.Throws<ArgumentException>(() => PrecisionRecall.Compute(real, tensor(new[,] { { 0.5, 0 } }), k: 1));
    }

    [Fact]
    public void IdentitySimilarityIsOneForTheSameFacesAndLowerForOthers()
    {
        using var generator = new Generator(13);
        using var embedder = new FaceEmbedder(imageSize: 16, channels: 3, width: 4, embeddingSize: 8);
        var faces = rand(new long[] { 6, 3, 16, 16 }, generator: generator);
        var same = RecognizerEmbeddingMetrics.IdentitySimilarity(embedder, faces, faces.clone()).data<double>().ToArray();
        Assert.All(same, c => Assert.Equal(1, c, 5));
        // Other faces: the dot product of the two unit embeddings, below 1.
        var others = RecognizerEmbeddingMetrics.IdentitySimilarity(embedder, faces, faces.flip(0));
        var manual = (embedder.Embed(faces) * embedder.Embed(faces.flip(0))).sum(1).to_type(ScalarType.Float64);
        Assert.True(others.allclose(manual, atol: 1e-6));
        Assert.True(others.max().item<double>() < 1 - 1e-5, others.ToString(TorchSharp.TensorStringStyle.Julia));
        Assert.Throws<ArgumentException>(() => RecognizerEmbeddingMetrics.IdentitySimilarity(embedder, faces, faces.narrow(0, 0, 2)));
    }
}
