using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>Closed-set identification: each probe gets the label of its nearest gallery item (Euclidean
/// distance between feature vectors) — the "compare → identify" steps of the recognition pipeline (notebook 01, with
/// pixels and eigenfaces; notebook 06, with VAE codes).</summary>
public static class Identification
{
    /// <summary>Labels predicted for <paramref name="probes"/> (M, d) from <paramref name="gallery"/> (N, d) with
    /// labels <paramref name="galleryLabels"/> (N).</summary>
    public static long[] NearestNeighbour(Tensor gallery, Tensor galleryLabels, Tensor probes)
    {
        using var scope = NewDisposeScope();
        var distances = cdist(probes.to_type(ScalarType.Float64), gallery.to_type(ScalarType.Float64));
        var nearest = distances.argmin(1);
        return galleryLabels.index_select(0, nearest).data<long>().ToArray();
    }

    /// <summary>Fraction of <paramref name="predicted"/> equal to <paramref name="truth"/>.</summary>
    public static double Accuracy(IReadOnlyList<long> predicted, IReadOnlyList<long> truth)
    {
        if (predicted.Count != truth.Count || predicted.Count == 0)
            throw new ArgumentException($"{predicted.Count} predictions for {truth.Count} labels.");
        return predicted.Zip(truth).Count(p => p.First == p.Second) / (double)predicted.Count;
    }
}
