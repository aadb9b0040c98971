using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary><see cref="Memorization"/> on constructed "generators" whose answer is known: one that returns training
/// images (copy rate 1), one that draws new images from the training distribution (≈ the percentile), one that
/// returns noise far from every face (0).</summary>
public class MemorizationTests
{
    public MemorizationTests() => TorchRuntime.EnsureInitialized();

    /// <summary>Images of 10 "identities": a prototype per identity plus small Gaussian noise, all from one seed.</summary>
    static Tensor Draw(Tensor prototypes, int perIdentity, long seed)
    {
        var generator = Seeding.Generator(seed);
        var repeated = prototypes.repeat_interleave(perIdentity, dim: 0);
        return (repeated + 0.05f * randn(repeated.shape, generator: generator)).clamp(0, 1);
    }

    static Tensor Prototypes() => rand(new long[] { 10, 1, 8, 8 }, generator: Seeding.Generator(1));

    [Fact]
    public void QuantileInterpolatesBetweenOrderStatistics()
    {
        var values = new double[] { 4, 1, 3, 2 };
        Assert.Equal(2.5, Memorization.Quantile(values, 0.5), 12);
        Assert.Equal(1.15, Memorization.Quantile(values, 0.05), 12);   // h = 3·0.05 = 0.15 → 1 + 0.15·(2 − 1)
        Assert.Equal(1.0, Memorization.Quantile(values, 0), 12);
        Assert.Equal(4.0, Memorization.Quantile(values, 1), 12);
        Assert.Equal(7.0, Memorization.Quantile(new double[] { 7 }, 0.3), 12);
        Assert.Throws<ArgumentException>(() => Memorization.Quantile(Array.Empty<double>(), 0.5));
    }

    [Fact]
    public void AGeneratorThatReturnsTrainingImagesHasCopyRateOne()
    {
        var prototypes = Prototypes();
        var training = Draw(prototypes, 10, seed: 2);
        var heldOut = Draw(prototypes, 10, seed: 3);
        var copies = training.index_select(0, arange(0, 100, 3, dtype: ScalarType.Int64));
        var result = Memorization.Check(copies, heldOut, training);

        Assert.Equal(1.0, result.CopyRate);
        Assert.Equal(0.0, result.SampleDistances.Q95);
        Assert.True(result.Threshold > 0);
        // Each copy's nearest training image is the one it was copied from.
        Assert.Equal(Enumerable.Range(0, 34).Select(i => 3L * i), result.SampleMatches.Indices);
        // 100 distinct held-out distances: exactly the 5 smallest lie below their own 5th percentile (h = 4.95).
        Assert.Equal(0.05, result.HeldOutRate, 12);
        Assert.Equal((34, 100, 100), (result.Samples, result.HeldOut, result.Training));
        Assert.Equal(0.0, result.MedianRatio);
    }

    [Fact]
    public void NewDrawsFromTheDataDistributionCopyAboutAsOftenAsHeldOutImagesAndNoiseNever()
    {
        var prototypes = Prototypes();
        var training = Draw(prototypes, 10, seed: 2);
        var heldOut = Draw(prototypes, 10, seed: 3);

        var fresh = Memorization.Check(Draw(prototypes, 40, seed: 4), heldOut, training);
        Assert.InRange(fresh.CopyRate, 0.0, 0.15);               // expected 0.05 (± 0.011 for 400 samples)
        Assert.InRange(fresh.MedianRatio, 0.8, 1.25);

        var noise = Memorization.Check(rand(new long[] { 200, 1, 8, 8 }, generator: Seeding.Generator(5)), heldOut, training);
        Assert.Equal(0.0, noise.CopyRate);
        Assert.True(noise.SampleDistances.Q05 > noise.HeldOutDistances.Q95, "noise lies farther from the training set than any new real image");
    }

    [Fact]
    public void InTheEmbeddingSpaceCopiesStillHaveCopyRateOne()
    {
        var faces = FaceDataset.ToUnitRange(SyntheticFaces.Generate(new SyntheticFaceOptions(6, 6, 32, 1, Seed: 3)).Images);
        var training = faces.narrow(0, 0, 24);
        var heldOut = faces.narrow(0, 24, 12);
        using var recognizer = new FaceEmbedder(32, 1, width: 4, embeddingSize: 16);
        var result = Memorization.CheckInEmbeddingSpace(recognizer, training.narrow(0, 0, 10), heldOut, training);
        Assert.Equal("recogniser embedding", result.Space);
        Assert.Equal(1.0, result.CopyRate);
        Assert.Equal(16, result.SampleMatches.Dimensions);
    }

    [Fact]
    public void BadInputNamesTheProblem()
    {
        var a = zeros(4, 3);
        Assert.Contains("percentile 1.5", Assert.Throws<ArgumentException>(() => Memorization.Check(a, a, a, percentile: 1.5)).Message);
        Assert.Contains("same shape per item", Assert.Throws<ArgumentException>(() => Memorization.Check(zeros(4, 2), a, a)).Message);
    }
}
