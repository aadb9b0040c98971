namespace FaceGen.Metrics;

/// <summary>A receiver operating characteristic: for each threshold t (descending), the pairs with score ≥ t
/// are accepted; <see cref="FalseAcceptRates"/> FAR(t) = accepted impostors / impostors and
/// <see cref="TrueAcceptRates"/> TAR(t) = accepted genuine pairs / genuine pairs. The first point is
/// (0, 0) at t = +∞, the last (1, 1) at the lowest score.</summary>
public sealed record RocCurve(double[] Thresholds, double[] FalseAcceptRates, double[] TrueAcceptRates);

/// <summary>The threshold with the highest accuracy (correct decisions over all pairs) when pairs with score ≥ threshold are accepted.</summary>
public sealed record ThresholdAccuracy(double Threshold, double Accuracy);

/// <summary>The usual verification figures of one set of scored pairs (<see cref="Verification.Summarise"/>);
/// <see cref="BestAccuracy"/> is balanced (genuine and impostor pairs weigh the same) and its threshold chosen on these pairs.</summary>
public sealed record VerificationSummary(int GenuinePairs, int ImpostorPairs, double Auc, double EqualErrorRate,
    double TarAtFar1e2, double TarAtFar1e3, double BestAccuracy, double BestThreshold);

/// <summary>
/// Face verification ("same person?") scored on pairs: a similarity score per pair (higher = more alike, e.g.
/// the cosine of two embeddings) and whether the pair is genuine (same identity) or impostor. All figures
/// sweep the acceptance threshold t over the scores: accept when score ≥ t. Used in notebooks 08, 09 and 11.
/// </summary>
public static class Verification
{
    /// <summary>The ROC curve: one point per distinct score (ties move together), plus (0, 0).</summary>
    public static RocCurve Roc(IReadOnlyList<double> scores, IReadOnlyList<bool> genuine)
    {
        Check(scores, genuine);
        int positives = genuine.Count(g => g), negatives = genuine.Count - positives;
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var thresholds = new List<double> { double.PositiveInfinity };
        var far = new List<double> { 0 };
        var tar = new List<double> { 0 };
        int truePositives = 0, falsePositives = 0;
        for (int k = 0; k < order.Length; k++)
        {
            if (genuine[order[k]]) truePositives++; else falsePositives++;
            bool lastOfTie = k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]];
            if (!lastOfTie) continue;
            thresholds.Add(scores[order[k]]);
            far.Add(falsePositives / (double)negatives);
            tar.Add(truePositives / (double)positives);
        }
        return new RocCurve(thresholds.ToArray(), far.ToArray(), tar.ToArray());
    }

    /// <summary>Area under the ROC curve by the trapezoid rule — equal to P(score of a genuine pair &gt;
    /// score of an impostor pair) + ½·P(equal) (the Mann–Whitney statistic).</summary>
    public static double Auc(RocCurve roc)
    {
        double area = 0;
        for (int i = 1; i < roc.FalseAcceptRates.Length; i++)
            area += (roc.FalseAcceptRates[i] - roc.FalseAcceptRates[i - 1]) * (roc.TrueAcceptRates[i] + roc.TrueAcceptRates[i - 1]) / 2;
        return area;
    }

    /// <summary>Equal error rate: the rate at which FAR(t) = FRR(t) = 1 − TAR(t), found where FAR − FRR changes
    /// sign between two neighbouring ROC points and interpolated linearly between them.</summary>
    public static double EqualErrorRate(RocCurve roc)
    {
        var far = roc.FalseAcceptRates;
        var frr = roc.TrueAcceptRates.Select(t => 1 - t).ToArray();
        // FAR − FRR rises from −1 at (0, 0) to +1 at (1, 1); find the first point where it is ≥ 0 (never the first point).
        int i = Enumerable.Range(0, far.Length).First(k => far[k] - frr[k] >= 0);
        double before = far[i - 1] - frr[i - 1], after = far[i] - frr[i];
        double w = before / (before - after);        // fraction of the way from point i−1 to point i where FAR = FRR, in (0, 1]
        return far[i - 1] + w * (far[i] - far[i - 1]);
    }

    /// <summary>TAR at FAR = <paramref name="far"/>: the highest true-accept rate of any threshold whose
    /// false-accept rate is at most <paramref name="far"/> (0 if even the strictest threshold exceeds it).
    /// Meaningful only with at least 1/FAR impostor pairs.</summary>
    public static double TarAtFar(RocCurve roc, double far)
    {
        double best = 0;
        for (int i = 0; i < roc.FalseAcceptRates.Length; i++)
            if (roc.FalseAcceptRates[i] <= far) best = Math.Max(best, roc.TrueAcceptRates[i]);
        return best;
    }

    /// <summary>The best accuracy over the thresholds that are scores (t = +∞ excluded), and that threshold (the
    /// strictest on a tie): accuracy(t) = (w_g·TAR(t) + w_i·(1 − FAR(t))) / (w_g + w_i). With the weights equal to the
    /// numbers of genuine and impostor pairs it is the fraction of correct decisions; with equal weights it is the
    /// accuracy on a balanced set of pairs (as LFW's), which a majority of impostor pairs cannot inflate.
    /// A threshold picked on the evaluated pairs themselves is optimistic; report it as such.</summary>
    public static ThresholdAccuracy BestAccuracy(RocCurve roc, double genuineWeight = 1, double impostorWeight = 1)
    {
        if (roc.Thresholds.Length < 2) throw new ArgumentException("the ROC curve has no finite threshold.");
        double Accuracy(int i) => (genuineWeight * roc.TrueAcceptRates[i] + impostorWeight * (1 - roc.FalseAcceptRates[i])) / (genuineWeight + impostorWeight);
        int best = 1;
        for (int i = 2; i < roc.Thresholds.Length; i++)
            if (Accuracy(i) > Accuracy(best)) best = i;
        return new ThresholdAccuracy(roc.Thresholds[best], Accuracy(best));
    }

    /// <summary>AUC, EER, TAR at FAR = 10⁻² and 10⁻³, and the best-threshold accuracy on balanced pairs
    /// (<see cref="BestAccuracy"/> with equal weights) of scored pairs.</summary>
    public static VerificationSummary Summarise(IReadOnlyList<double> scores, IReadOnlyList<bool> genuine)
    {
        var roc = Roc(scores, genuine);
        int positives = genuine.Count(g => g), negatives = genuine.Count - positives;
        var best = BestAccuracy(roc);
        return new VerificationSummary(positives, negatives, Auc(roc), EqualErrorRate(roc), TarAtFar(roc, 1e-2), TarAtFar(roc, 1e-3),
            best.Accuracy, best.Threshold);
    }

    static void Check(IReadOnlyList<double> scores, IReadOnlyList<bool> genuine)
    {
        if (scores.Count != genuine.Count) throw new ArgumentException($"{scores.Count} scores for {genuine.Count} pair labels.");
        if (!genuine.Any(g => g) || genuine.All(g => g))
            throw new ArgumentException("verification needs both genuine and impostor pairs; check the labels (at least two identities, one with two images).");
        if (scores.Any(s => !double.IsFinite(s))) throw new ArgumentException("a verification score is NaN or infinite; check the embeddings.");
    }
}
