using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>
/// A labelled set of face images held in memory as one uint8 tensor (N, C, H, W), values 0..255 —
/// compact enough to cache a whole data set (UTKFace at 64×64 RGB is 120 MB). Conversion to the
/// float ranges the models use is explicit: <see cref="ToUnitRange"/> ([0, 1], VAE Bernoulli
/// decoders) and <see cref="ToSignedRange"/> ([−1, 1], tanh GAN generators).
/// </summary>
public sealed class FaceDataset : IDisposable
{
    /// <summary>uint8, shape (N, C, H, W), on the CPU.</summary>
    public Tensor Images { get; }
    /// <summary>int64, shape (N): index into <see cref="ClassNames"/> (the identity).</summary>
    public Tensor Labels { get; }
    /// <summary>Identity names, e.g. "s1" for AT&amp;T or "id0007" for synthetic faces.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Where each image came from: a file path, or a description such as "synthetic id=3 #2".</summary>
    public IReadOnlyList<string> Sources { get; }
    /// <summary>Optional per-image integer attributes (UTKFace: age, gender, race), each of length N.</summary>
    public IReadOnlyDictionary<string, int[]> Attributes { get; }
    public string Name { get; }

    /// <summary>Takes ownership of <paramref name="images"/> and <paramref name="labels"/> (disposed with the data set).</summary>
    public FaceDataset(string name, Tensor images, Tensor labels, IReadOnlyList<string> classNames,
        IReadOnlyList<string> sources, IReadOnlyDictionary<string, int[]>? attributes = null)
    {
        TorchRuntime.EnsureInitialized();
        if (images.dim() != 4) throw new ArgumentException($"Data set '{name}': images must be (N, C, H, W), got [{string.Join(", ", images.shape)}].");
        if (images.dtype != ScalarType.Byte) throw new ArgumentException($"Data set '{name}': images must be uint8, got {images.dtype}.");
        if (images.shape[1] is not (1 or 3)) throw new ArgumentException($"Data set '{name}': images must have 1 or 3 channels, got {images.shape[1]}.");
        long n = images.shape[0];
        if (labels.dim() != 1 || labels.shape[0] != n) throw new ArgumentException($"Data set '{name}': {n} images but labels of shape [{string.Join(", ", labels.shape)}].");
        if (sources.Count != n) throw new ArgumentException($"Data set '{name}': {n} images but {sources.Count} sources.");
        attributes ??= new Dictionary<string, int[]>();
        foreach (var (key, values) in attributes)
            if (values.Length != n) throw new ArgumentException($"Data set '{name}': attribute '{key}' has {values.Length} values for {n} images.");
        Name = name;
        Images = images;
        // The data set owns both tensors: labels of another integer type are converted and the original freed.
        Labels = labels.dtype == ScalarType.Int64 ? labels : ConvertAndDispose(labels);
        ClassNames = classNames;
        Sources = sources;
        Attributes = attributes;
    }

    static Tensor ConvertAndDispose(Tensor labels)
    {
        var converted = labels.to_type(ScalarType.Int64);
        labels.Dispose();
        return converted;
    }

    public int Count => (int)Images.shape[0];
    public int Channels => (int)Images.shape[1];
    public int Height => (int)Images.shape[2];
    public int Width => (int)Images.shape[3];
    public int ClassCount => ClassNames.Count;

    /// <summary>The images at <paramref name="indices"/> as a new data set (labels, sources and attributes follow).</summary>
    public FaceDataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        using var index = tensor(indices.Select(i => (long)i).ToArray(), ScalarType.Int64);
        return new FaceDataset(name ?? Name, Images.index_select(0, index), Labels.index_select(0, index), ClassNames,
            indices.Select(i => Sources[i]).ToArray(),
            Attributes.ToDictionary(kv => kv.Key, kv => indices.Select(i => kv.Value[i]).ToArray()));
    }

    /// <summary>uint8 0..255 → float32 in [0, 1]: x / 255.</summary>
    public static Tensor ToUnitRange(Tensor bytes) => bytes.to_type(ScalarType.Float32).div_(255f);

    /// <summary>uint8 0..255 → float32 in [−1, 1]: x / 127.5 − 1 (the tanh range of a GAN generator).</summary>
    public static Tensor ToSignedRange(Tensor bytes) => bytes.to_type(ScalarType.Float32).div_(127.5f).sub_(1f);

    public int[] LabelArray() => Labels.data<long>().Select(l => (int)l).ToArray();

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
