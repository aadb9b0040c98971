using FaceGen.Data;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>Class distributions and class-balanced resampling on hand-made labels.</summary>
public class ClassBalanceTests
{
    [Fact]
    public void CountsAndFractionsOfHandMadeLabels()
    {
        int[] labels = [0, 0, 0, 2, 1, 0, 2, 0];
        Assert.Equal(new[] { 5, 1, 2, 0 }, ClassBalance.Counts(labels, 4));
        Assert.Equal(new[] { 5 / 8.0, 1 / 8.0, 2 / 8.0, 0 }, ClassBalance.Fractions(labels, 4));
        var error = Assert.Throws<ArgumentException>(() => ClassBalance.Counts([0, 3], 3));
        Assert.Contains("label 3", error.Message);
    }

    [Fact]
    public void TotalVariationIsHalfTheL1Distance()
    {
        Assert.Equal(0.0, ClassBalance.TotalVariation([0.5, 0.5], [0.5, 0.5]));
        Assert.Equal(1.0, ClassBalance.TotalVariation([1, 0], [0, 1]));
        // ½(|0.6 − 0.2| + |0.3 − 0.3| + |0.1 − 0.5|) = 0.4
        Assert.Equal(0.4, ClassBalance.TotalVariation([0.6, 0.3, 0.1], [0.2, 0.3, 0.5]), 12);
        Assert.Throws<ArgumentException>(() => ClassBalance.TotalVariation([1], [0.5, 0.5]));
    }

    [Fact]
    public void BalancedResampleGivesEveryClassAnEqualShareAndIsSeeded()
    {
        // 90 items of class 0, 9 of class 1, 1 of class 2.
        var labels = Enumerable.Repeat(0, 90).Concat(Enumerable.Repeat(1, 9)).Append(2).ToArray();
        var drawn = ClassBalance.BalancedResample(labels, 30_000, seed: 4);
        Assert.Equal(drawn, ClassBalance.BalancedResample(labels, 30_000, seed: 4));
        Assert.NotEqual(drawn, ClassBalance.BalancedResample(labels, 30_000, seed: 5));
        var shares = ClassBalance.Fractions(drawn.Select(i => labels[i]).ToArray(), 3);
        // Each class is drawn with probability 1/3: the standard deviation of a share is √(⅓·⅔/30000) ≈ 0.0027.
        Assert.All(shares, s => Assert.InRange(s, 1 / 3.0 - 0.015, 1 / 3.0 + 0.015));
        // The single item of class 2 fills its whole third.
        Assert.Equal(drawn.Count(i => i == 99), drawn.Count(i => labels[i] == 2));
    }

    [Fact]
    public void BalancedResampleOfADatasetRepeatsTheRareImages()
    {
        var images = arange(6, dtype: ScalarType.Byte).view(6, 1, 1, 1);
        using var data = new FaceDataset("toy", images, tensor(new long[] { 0, 0, 0, 0, 0, 1 }), ["a", "b"],
            Enumerable.Range(0, 6).Select(i => $"#{i}").ToArray());
        using var balanced = ClassBalance.BalancedResample(data, 200, seed: 1);
        Assert.Equal("toy-balanced", balanced.Name);
        Assert.Equal(200, balanced.Count);
        // The image bytes follow the labels: the only class-1 image is the one with value 5.
        var bytes = balanced.Images.flatten().data<byte>().ToArray();
        Assert.Equal(balanced.LabelArray().Select(l => l == 1), bytes.Select(b => b == 5));
        Assert.InRange(balanced.LabelArray().Count(l => l == 1), 70, 130);
    }
}
