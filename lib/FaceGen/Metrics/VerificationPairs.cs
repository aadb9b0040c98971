using FaceGen.Data;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>One pair of images (indices into a data set) and whether they show the same identity.</summary>
public readonly record struct ImagePair(int First, int Second, bool Genuine);

/// <summary>
/// Genuine (same label) and impostor (different labels) pairs drawn from a labelled set, seeded: same labels,
/// counts and seed, same pairs. Each unordered pair {i, j}, i &lt; j, appears at most once.
/// </summary>
public static class VerificationPairs
{
    /// <summary>Up to <paramref name="genuine"/> genuine and <paramref name="impostor"/> impostor pairs, drawn
    /// uniformly without replacement (all of a kind when fewer exist); genuine pairs first, each kind in
    /// ascending (i, j) order.</summary>
    public static IReadOnlyList<ImagePair> FromLabels(IReadOnlyList<int> labels, int genuine, int impostor, int seed)
    {
        if (genuine < 0 || impostor < 0) throw new ArgumentException($"genuine {genuine}, impostor {impostor}: counts must be ≥ 0.");
        long n = labels.Count;
        long totalPairs = n * (n - 1) / 2;
        long genuineAvailable = labels.GroupBy(l => l).Sum(g => (long)g.Count() * (g.Count() - 1) / 2);
        var rng = new Random(seed);
        var chosenGenuine = Draw(labels, same: true, Math.Min(genuine, genuineAvailable), genuineAvailable, rng);
        var chosenImpostor = Draw(labels, same: false, Math.Min(impostor, totalPairs - genuineAvailable), totalPairs - genuineAvailable, rng);
        return chosenGenuine.Select(p => new ImagePair(p.I, p.J, true))
            .Concat(chosenImpostor.Select(p => new ImagePair(p.I, p.J, false))).ToArray();
    }

    /// <summary><paramref name="count"/> distinct pairs of one kind out of <paramref name="available"/>.</summary>
    static IEnumerable<(int I, int J)> Draw(IReadOnlyList<int> labels, bool same, long count, long available, Random rng)
    {
        if (count == 0) return [];
        // Few candidates, or most of them wanted: list them all and take a seeded random subset.
        if (available <= 4 * count || available <= 200_000)
        {
            var all = new List<(int, int)>();
            for (int i = 0; i < labels.Count; i++)
                for (int j = i + 1; j < labels.Count; j++)
                    if ((labels[i] == labels[j]) == same) all.Add((i, j));
            var picked = Splits.Shuffle(Enumerable.Range(0, all.Count).ToArray(), rng)[..(int)count];
            return picked.Order().Select(k => all[k]).ToArray();
        }
        // Many candidates, few wanted: rejection sampling (each try hits the kind with probability ≥ available / all pairs).
        var set = new HashSet<(int, int)>();
        while (set.Count < count)
        {
            int a = rng.Next(labels.Count), b = rng.Next(labels.Count);
            if (a == b || (labels[a] == labels[b]) != same) continue;
            set.Add((Math.Min(a, b), Math.Max(a, b)));
        }
        return set.Order().ToArray();
    }
    /// <summary>The score of each pair: the dot product of the first image's embedding (a row of <paramref name="first"/>)
    /// with the second's (a row of <paramref name="second"/>) — the cosine, for unit-length embeddings. Pass the same
    /// matrix twice to compare a set with itself, or processed faces and originals to compare the two.</summary>
    public static double[] CosineScores(IReadOnlyList<ImagePair> pairs, Tensor first, Tensor second)
    {
        using var scope = NewDisposeScope();
        var a = first.index_select(0, tensor(pairs.Select(p => (long)p.First).ToArray()).to(first.device));
        var b = second.index_select(0, tensor(pairs.Select(p => (long)p.Second).ToArray()).to(second.device));
        return (a * b).sum(new long[] { 1 }).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
    }
}
