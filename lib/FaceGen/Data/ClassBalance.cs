using TorchSharp;

namespace FaceGen.Data;

/// <summary>
/// Class (attribute) distributions of labelled data and class-balanced resampling, for experiments on imbalanced
/// data (e.g. UTKFace's race attribute, where one class holds over half the images). All functions take plain label
/// arrays (0 … classes − 1) so that they apply equally to a data set's labels and to a classifier's predictions.
/// </summary>
public static class ClassBalance
{
    /// <summary>Labels for <paramref name="count"/> samples of a conditional model, every class equally often:
    /// 0, 1, …, C − 1, 0, 1, … (i mod C), int64 on <paramref name="device"/> (default CPU); null for an unconditional
    /// model (<paramref name="classes"/> = 0).</summary>
    public static torch.Tensor? CyclicLabels(int count, int classes, torch.Device? device = null) =>
        classes > 0 ? torch.arange(count, dtype: torch.ScalarType.Int64).remainder(classes).to(device ?? torch.CPU) : null;

    /// <summary>n_c = the number of labels equal to c, for c = 0 … <paramref name="classes"/> − 1. A label outside that
    /// range is an error naming it.</summary>
    public static int[] Counts(IReadOnlyList<int> labels, int classes)
    {
        if (classes < 1) throw new ArgumentException($"classes {classes}: expected at least one class.");
        var counts = new int[classes];
        foreach (int label in labels)
        {
            if (label < 0 || label >= classes) throw new ArgumentException($"label {label}: expected 0 … {classes - 1}.");
            counts[label]++;
        }
        return counts;
    }

    /// <summary>p_c = n_c / Σ n (the empirical class distribution); an empty label list is an error.</summary>
    public static double[] Fractions(IReadOnlyList<int> labels, int classes)
    {
        if (labels.Count == 0) throw new ArgumentException("no labels: a class distribution needs at least one.");
        return Counts(labels, classes).Select(n => n / (double)labels.Count).ToArray();
    }

    /// <summary>The total variation distance ½ Σ_c |p_c − q_c| between two distributions over the same classes: 0 when
    /// equal, 1 when they share no class; the largest difference in probability the two give any set of classes.</summary>
    public static double TotalVariation(IReadOnlyList<double> p, IReadOnlyList<double> q)
    {
        if (p.Count != q.Count) throw new ArgumentException($"distributions over {p.Count} and {q.Count} classes: expected the same classes.");
        return 0.5 * p.Zip(q, (a, b) => Math.Abs(a - b)).Sum();
    }

    /// <summary>
    /// Class-balanced sampling with replacement: <paramref name="count"/> indices into <paramref name="labels"/>, each
    /// drawn by picking a class uniformly among the classes present, then one of its items uniformly — i.e. item i has
    /// probability 1 / (K · n_{y_i}) per draw, K the number of present classes, so every class is expected to fill
    /// count / K of the result however rare it is (rare items repeat). Deterministic: same labels, count and seed, same
    /// indices (<see cref="Random"/>(seed), whose seeded sequence .NET keeps stable). Returned in draw order.
    /// </summary>
    public static int[] BalancedResample(IReadOnlyList<int> labels, int count, int seed)
    {
        if (count < 0) throw new ArgumentException($"count {count}: expected zero or more draws.");
        var members = Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        if (members.Length == 0) throw new ArgumentException("no labels to resample.");
        var rng = new Random(seed);
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            var chosen = members[rng.Next(members.Length)];
            result[i] = chosen[rng.Next(chosen.Length)];
        }
        return result;
    }

    /// <summary><see cref="BalancedResample(IReadOnlyList{int}, int, int)"/> applied to a data set: a new data set of
    /// <paramref name="count"/> images (rare classes' images repeated), named "&lt;name&gt;-balanced".</summary>
    public static FaceDataset BalancedResample(FaceDataset data, int count, int seed) =>
        data.Subset(BalancedResample(data.LabelArray(), count, seed), $"{data.Name}-balanced");
}
