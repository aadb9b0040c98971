namespace FaceGen.Data;

/// <summary>A division of a data set's indices into a training and a test part, each in ascending order.</summary>
public sealed record SplitIndices(int[] Train, int[] Test);

/// <summary>
/// Deterministic train/test divisions of a labelled data set. Same labels, same arguments, same seed:
/// same indices, on every platform (the shuffles are a Fisher–Yates pass over <see cref="Random"/>(seed),
/// whose seeded sequence .NET keeps stable).
/// </summary>
public static class Splits
{
    /// <summary>Stratified split: within each class, shuffle its indices with the seed and put
    /// round(n_c · testFraction) of them (halves rounded up) in the test part, the rest in training, so
    /// every class keeps its share in both parts.</summary>
    public static SplitIndices Stratified(IReadOnlyList<int> labels, double testFraction, int seed)
    {
        if (!(testFraction >= 0 && testFraction <= 1)) throw new ArgumentException($"testFraction={testFraction}: expected a fraction in [0, 1].");
        var rng = new Random(seed);
        var train = new List<int>();
        var test = new List<int>();
        foreach (var members in ByClass(labels))
        {
            var shuffled = Shuffle(members, rng);
            int testCount = (int)Math.Round(shuffled.Length * testFraction, MidpointRounding.AwayFromZero);
            test.AddRange(shuffled[..testCount]);
            train.AddRange(shuffled[testCount..]);
        }
        return new SplitIndices(train.Order().ToArray(), test.Order().ToArray());
    }

    /// <summary>k images per identity for training, the rest of each identity for test (the AT&amp;T
    /// protocol: 5 train / 5 test per subject). Without a seed the first k in data set order are taken
    /// (AT&amp;T images 1..k); with one, k chosen at random. An identity with fewer than k + 1 images
    /// is an error naming it, since it would leave nothing to test on.</summary>
    public static SplitIndices PerIdentity(IReadOnlyList<int> labels, int k, int? seed = null)
    {
        if (k <= 0) throw new ArgumentException($"k={k}: expected a positive number of training images per identity.");
        var rng = seed is int s ? new Random(s) : null;
        var train = new List<int>();
        var test = new List<int>();
        foreach (var members in ByClass(labels))
        {
            if (members.Length <= k)
                throw new ArgumentException($"identity (label {labels[members[0]]}) has {members.Length} images; k={k} leaves none for testing. Choose k < {members.Length}.");
            var order = rng is null ? members : Shuffle(members, rng);
            train.AddRange(order[..k]);
            test.AddRange(order[k..]);
        }
        return new SplitIndices(train.Order().ToArray(), test.Order().ToArray());
    }

    /// <summary><see cref="Stratified(IReadOnlyList{int}, double, int)"/> on a data set's labels, as two subsets. An empty
    /// part is refused up front with the counts (a VAE trained on 4 images per identity with a 0.1 test fraction once ran
    /// to the end and then failed on a NaN ELBO of no images).</summary>
    public static (FaceDataset Train, FaceDataset Test) Stratified(FaceDataset data, double testFraction, int seed)
    {
        var split = Stratified(data.LabelArray(), testFraction, seed);
        if ((testFraction > 0 && split.Test.Length == 0) || split.Train.Length == 0)
            throw new ArgumentException($"{data.Name}: a test fraction of {testFraction} of its {data.Count} images " +
                $"({data.ClassNames.Count} classes, about {data.Count / Math.Max(1, data.ClassNames.Count)} per class) leaves the " +
                $"{(split.Train.Length == 0 ? "training" : "test")} part empty (each class's share is rounded). Use more images per class " +
                "(e.g. --per-identity for synthetic faces) or a test fraction nearer 0.5.");
        return Apply(data, split);
    }

    /// <summary><see cref="PerIdentity(IReadOnlyList{int}, int, int?)"/> on a data set's labels, as two subsets.</summary>
    public static (FaceDataset Train, FaceDataset Test) PerIdentity(FaceDataset data, int k, int? seed = null) =>
        Apply(data, PerIdentity(data.LabelArray(), k, seed));

    /// <summary>A Fisher–Yates shuffle of a copy of <paramref name="items"/>: for i = n−1 … 1, swap item i
    /// with item j, j uniform in 0..i.</summary>
    public static int[] Shuffle(IReadOnlyList<int> items, Random rng)
    {
        var result = items.ToArray();
        for (int i = result.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (result[i], result[j]) = (result[j], result[i]);
        }
        return result;
    }

    /// <summary>The indices of each class, classes in ascending label order, indices ascending.</summary>
    static IEnumerable<int[]> ByClass(IReadOnlyList<int> labels) =>
        Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray());

    static (FaceDataset, FaceDataset) Apply(FaceDataset data, SplitIndices split) =>
        (data.Subset(split.Train, $"{data.Name}-train"), data.Subset(split.Test, $"{data.Name}-test"));
}
