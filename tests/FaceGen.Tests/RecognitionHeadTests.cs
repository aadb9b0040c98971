using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class RecognitionHeadTests
{
    public RecognitionHeadTests() => TorchRuntime.EnsureInitialized();

    // Two samples, three identities, both labelled 0. Sample 0: θ = acos 0.8 ≈ 0.64 rad; sample 1: θ = acos(−0.95) ≈ 2.82 rad.
    static Tensor Cosines() => tensor(new[,] { { 0.8, 0.1, -0.5 }, { -0.95, 0.2, 0.3 } });
    static Tensor Labels() => tensor(new long[] { 0, 0 });

    static double[,] ToArray(Tensor t)
    {
        var values = t.to_type(ScalarType.Float64).data<double>().ToArray();
        var result = new double[t.shape[0], t.shape[1]];
        for (int i = 0; i < values.Length; i++) result[i / t.shape[1], i % t.shape[1]] = values[i];
        return result;
    }

    [Fact]
    public void CosFaceSubtractsTheMarginFromTheTargetCosineOnly()
    {
        var logits = ToArray(CosFaceHead.CosFaceLogits(Cosines(), Labels(), scale: 10, margin: 0.35));
        // s·(cos θ_y − m) on the target, s·cos θ elsewhere.
        Assert.Equal(new[,] { { 10 * (0.8 - 0.35), 1, -5 }, { 10 * (-0.95 - 0.35), 2, 3 } }.Cast<double>(), logits.Cast<double>(), new Close(1e-6));
    }

    [Fact]
    public void ArcFaceAddsTheMarginToTheAngleAndFallsBackBeyondPi()
    {
        var logits = ToArray(ArcFaceHead.ArcFaceLogits(Cosines(), Labels(), scale: 10, margin: 0.5));
        // Sample 0: θ + m ≈ 1.14 < π, so s·cos(θ + m), evaluated here through the angle itself.
        double target0 = 10 * Math.Cos(Math.Acos(0.8) + 0.5);
        // Sample 1: θ + m ≈ 3.32 > π (cos θ = −0.95 < cos(π − 0.5) ≈ −0.878), so s·(cos θ − m·sin m).
        Assert.True(Math.Acos(-0.95) + 0.5 > Math.PI);
        double target1 = 10 * (-0.95 - 0.5 * Math.Sin(0.5));
        Assert.Equal(new[,] { { target0, 1, -5 }, { target1, 2, 3 } }.Cast<double>(), logits.Cast<double>(), new Close(1e-6));
        Assert.Equal(4.1441, target0, 3); // 10·(0.8·cos 0.5 − 0.6·sin 0.5)
    }

    [Fact]
    public void MarginHeadsUseTheCosinesOfTheirOwnWeightsAndSoftmaxIsLinear()
    {
        using var generator = new Generator(4);
        var embeddings = randn(new long[] { 5, 8 }, generator: generator);
        var labels = tensor(new long[] { 0, 1, 2, 0, 1 });
        using var arc = new ArcFaceHead(8, 3, scale: 16, margin: 0.3);
        var expected = ArcFaceHead.ArcFaceLogits(arc.Cosines(embeddings), labels, 16, 0.3);
        Assert.True(arc.forward(embeddings, labels).allclose(expected));
        // The cosines are those of the normalised embedding with each identity's normalised weight vector.
        var weight = arc.parameters().Single();
        var manual = nn.functional.normalize(embeddings, dim: 1).matmul(nn.functional.normalize(weight, dim: 1).t());
        Assert.True(arc.Cosines(embeddings).allclose(manual, atol: 1e-6));
        using var softmax = RecognitionHead.Create(RecognitionHeadKind.Softmax, 8, 3);
        Assert.Equal(new long[] { 5, 3 }, softmax.forward(embeddings, labels).shape);
        Assert.Equal(RecognitionHeadKind.CosFace, RecognitionHead.Parse("CosFace"));
        Assert.Contains("--head triplet", Assert.Throws<ArgumentException>(() => RecognitionHead.Parse("triplet")).Message);
    }

    [Fact]
    public void EmbeddingsHaveUnitLengthAndTheInputShapeIsChecked()
    {
        using var embedder = new FaceEmbedder(imageSize: 32, channels: 3, width: 4, embeddingSize: 16);
        using var generator = new Generator(5);
        var e = embedder.Embed(rand(new long[] { 7, 3, 32, 32 }, generator: generator), batchSize: 3);
        Assert.Equal(new long[] { 7, 16 }, e.shape);
        Assert.True((e.norm(1) - 1).abs().max().item<float>() < 1e-5);
        Assert.True(embedder.training); // Embed restores the mode it found
        var error = Assert.Throws<ArgumentException>(() => embedder.forward(zeros(1, 1, 32, 32)));
        Assert.Contains("(N, 3, 32, 32)", error.Message);
        Assert.Throws<ArgumentException>(() => new FaceEmbedder(imageSize: 28));
    }

    [Fact]
    public void AugmentationIsSeededKeepsShapeAndRangeAndNoneIsIdentity()
    {
        using var generator = new Generator(6);
        var x = rand(new long[] { 4, 1, 16, 16 }, generator: generator);
        var augmentation = new RecognizerAugmentation(CropPadding: 3, Jitter: 0.3);
        manual_seed(9);
        var first = RecognizerTrainable.Augment(x, augmentation);
        manual_seed(9);
        var second = RecognizerTrainable.Augment(x, augmentation);
        Assert.True(Same(first, second));
        Assert.Equal(x.shape, first.shape);
        Assert.InRange(first.min().item<float>(), 0, 1);
        Assert.InRange(first.max().item<float>(), 0, 1);
        Assert.False(Same(first, x));
        Assert.True(Same(RecognizerTrainable.Augment(x, RecognizerAugmentation.None), x));
    }

    static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    sealed class Close(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
