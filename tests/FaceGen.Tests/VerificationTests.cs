using FaceGen.Metrics;

namespace FaceGen.Tests;

public class VerificationTests
{
    // Genuine scores 0.9, 0.8, 0.4; impostor scores 0.7, 0.3, 0.2, 0.1.
    static readonly double[] Scores = { 0.9, 0.7, 0.8, 0.3, 0.4, 0.2, 0.1 };
    static readonly bool[] Genuine = { true, false, true, false, true, false, false };

    [Fact]
    public void RocOfHandMadeScoresHasOnePointPerThreshold()
    {
        var roc = Verification.Roc(Scores, Genuine);
        Assert.Equal(new[] { double.PositiveInfinity, 0.9, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1 }, roc.Thresholds);
        Assert.Equal(new[] { 0, 0, 0, 0.25, 0.25, 0.5, 0.75, 1 }, roc.FalseAcceptRates);
        Assert.Equal(new[] { 0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1, 1, 1, 1 }, roc.TrueAcceptRates);
    }

    [Fact]
    public void AucIsTheFractionOfCorrectlyOrderedGenuineImpostorPairs()
    {
        // Of the 3 × 4 (genuine, impostor) pairs only (0.4, 0.7) is out of order: AUC = 11/12.
        Assert.Equal(11 / 12.0, Verification.Auc(Verification.Roc(Scores, Genuine)), 12);
        // Ties count one half: one genuine and one impostor pair with the same score give 0.5.
        Assert.Equal(0.5, Verification.Auc(Verification.Roc(new[] { 0.3, 0.3 }, new[] { true, false })), 12);
        Assert.Equal(1.0, Verification.Auc(Verification.Roc(new[] { 0.9, 0.8, 0.1 }, new[] { true, true, false })), 12);
    }

    [Fact]
    public void EqualErrorRateIsInterpolatedWhereFarMeetsFrr()
    {
        // Between t = 0.7 (FAR 1/4, FRR 1/3) and t = 0.4 (FAR 1/4, FRR 0), FRR passes 1/4 while FAR stays 1/4: EER = 1/4.
        Assert.Equal(0.25, Verification.EqualErrorRate(Verification.Roc(Scores, Genuine)), 12);
        // Perfect separation: 0; everything reversed: 1.
        Assert.Equal(0.0, Verification.EqualErrorRate(Verification.Roc(new[] { 0.9, 0.1 }, new[] { true, false })), 12);
        Assert.Equal(1.0, Verification.EqualErrorRate(Verification.Roc(new[] { 0.1, 0.9 }, new[] { true, false })), 12);
    }

    [Fact]
    public void TarAtFarIsTheBestTrueAcceptRateWithinTheFalseAcceptBudget()
    {
        var roc = Verification.Roc(Scores, Genuine);
        Assert.Equal(2 / 3.0, Verification.TarAtFar(roc, 1e-3), 12); // no impostor may pass: t = 0.8
        Assert.Equal(2 / 3.0, Verification.TarAtFar(roc, 0.2), 12);
        Assert.Equal(1.0, Verification.TarAtFar(roc, 0.25), 12);      // one impostor of four may pass: t = 0.4
    }

    [Fact]
    public void BestThresholdAccuracyBalancedAndByCount()
    {
        var roc = Verification.Roc(Scores, Genuine);
        // Balanced: t = 0.4 gives (1 + 3/4) / 2 = 0.875, better than t = 0.8's (2/3 + 1) / 2.
        var balanced = Verification.BestAccuracy(roc);
        Assert.Equal((0.4, 0.875), (balanced.Threshold, balanced.Accuracy));
        // By count (3 genuine, 4 impostor): t = 0.8 and t = 0.4 both get 6 of 7 right; the stricter one is kept.
        var byCount = Verification.BestAccuracy(roc, 3, 4);
        Assert.Equal(0.8, byCount.Threshold);
        Assert.Equal(6 / 7.0, byCount.Accuracy, 12);
        var summary = Verification.Summarise(Scores, Genuine);
        Assert.Equal((3, 4, 0.875, 0.4), (summary.GenuinePairs, summary.ImpostorPairs, summary.BestAccuracy, summary.BestThreshold));
    }

    [Fact]
    public void ScoresWithoutBothKindsOfPairsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => Verification.Roc(new[] { 0.1, 0.2 }, new[] { true, true }));
        Assert.Contains("genuine and impostor", error.Message);
        Assert.Throws<ArgumentException>(() => Verification.Roc(new[] { double.NaN, 0.2 }, new[] { true, false }));
    }

    [Fact]
    public void PairBuilderDrawsDistinctCorrectlyLabelledPairsReproducibly()
    {
        var labels = new[] { 0, 0, 0, 1, 1, 2, 2, 2, 2 }; // genuine pairs: 3 + 1 + 6 = 10; impostor: 36 − 10 = 26
        var all = VerificationPairs.FromLabels(labels, genuine: 100, impostor: 100, seed: 1);
        Assert.Equal(10, all.Count(p => p.Genuine));
        Assert.Equal(26, all.Count(p => !p.Genuine));
        Assert.All(all, p => Assert.Equal(labels[p.First] == labels[p.Second], p.Genuine));
        Assert.All(all, p => Assert.True(p.First < p.Second));
        Assert.Equal(all.Count, all.Distinct().Count());

        var some = VerificationPairs.FromLabels(labels, genuine: 4, impostor: 5, seed: 7);
        Assert.Equal((4, 5), (some.Count(p => p.Genuine), some.Count(p => !p.Genuine)));
        Assert.Equal(some, VerificationPairs.FromLabels(labels, 4, 5, seed: 7));
        Assert.NotEqual(some, VerificationPairs.FromLabels(labels, 4, 5, seed: 8));

        // A large set takes the sampling path: still distinct, correctly labelled pairs.
        var many = Enumerable.Range(0, 2000).Select(i => i % 50).ToArray();
        var sampled = VerificationPairs.FromLabels(many, genuine: 300, impostor: 300, seed: 3);
        Assert.Equal(600, sampled.Distinct().Count());
        Assert.All(sampled, p => Assert.Equal(many[p.First] == many[p.Second], p.Genuine));
    }
    [Fact]
    public void CosineScoresAreTheDotProductsOfEachPairsRows()
    {
        var first = TorchSharp.torch.tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 0.6f, 0.8f } });
        var second = TorchSharp.torch.tensor(new float[,] { { 0, 1 }, { 1, 0 }, { 0.8f, 0.6f } });
        var pairs = new[] { new ImagePair(0, 2, true), new ImagePair(2, 1, false), new ImagePair(1, 0, false) };
        // (1,0)·(0.8,0.6) = 0.8; (0.6,0.8)·(1,0) = 0.6; (0,1)·(0,1) = 1.
        var scores = VerificationPairs.CosineScores(pairs, first, second);
        Assert.Equal(new[] { 0.8, 0.6, 1.0 }, scores.Select(v => Math.Round(v, 6)));
    }
}
