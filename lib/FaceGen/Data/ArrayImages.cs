using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>Which part of a data set that ships a train/test division (Fashion-MNIST, CIFAR-10) to load.</summary>
public enum DatasetPart
{
    /// <summary>The official training part (Fashion-MNIST 60,000; CIFAR-10 50,000).</summary>
    Train,
    /// <summary>The official test part (10,000 each).</summary>
    Test,
    /// <summary>Both, training images first.</summary>
    All,
}

/// <summary>Turns images already in memory as uint8 (N, C, H, W) — from IDX, NPY or CIFAR files — into a
/// <see cref="FaceDataset"/>, applying the same load-time transforms as decoded files.</summary>
internal static class ArrayImages
{
    /// <summary>Builds the data set from <paramref name="n"/> images (C, H, W) in <paramref name="chw"/>;
    /// <paramref name="origin"/> is the file named when there are none.</summary>
    public static FaceDataset Build(string name, string origin, byte[] chw, int n, int c, int h, int w, long[] labels,
        IReadOnlyList<string> classNames, Func<int, string> source, ImageLoadOptions options, LoadReport report,
        IProgress<ProgressReport>? progress)
    {
        if (n == 0) throw new DataException(origin, "holds no images.");
        var chosen = LoadSession.Spread(Enumerable.Range(0, n).ToArray(), options.MaxImages);
        int plane = c * h * w;
        int outC = options.Channels, outH = options.ImageSize ?? h, outW = options.ImageSize ?? w;
        var images = empty([chosen.Count, outC, outH, outW], ScalarType.Byte);
        try
        {
            LoadSession.ParallelItems(chosen.Count, $"transform {name}", options, report, progress, k =>
            {
                var image = ImageTransforms.TransformChw(chw.AsSpan(chosen[k] * plane, plane), c, h, w, options);
                using var row = images[k];
                image.Pixels.CopyTo(row.bytes);
            });
            return new FaceDataset(name, images, tensor(chosen.Select(i => labels[i]).ToArray(), ScalarType.Int64),
                classNames, chosen.Select(source).ToArray());
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>The arrays one after another.</summary>
    public static byte[] Concat(IReadOnlyList<byte[]> parts)
    {
        var all = new byte[parts.Sum(p => (long)p.Length)];
        long offset = 0;
        foreach (var part in parts)
        {
            Array.Copy(part, 0, all, offset, part.Length);
            offset += part.Length;
        }
        return all;
    }

    /// <summary>The most classes a label file without class names may number (labels 0 … MaxClasses − 1): above the
    /// largest public face sets (MS-Celeb-1M's cleaned lists, ~85,000 identities), far below what would exhaust memory —
    /// a 200-byte file holding the label 2,000,000,000 once made the loader build two billion class names.</summary>
    public const int MaxClasses = 100_000;

    /// <summary>Class names "0" … "max label" for label arrays without names of their own (labels checked against
    /// <see cref="MaxClasses"/> by the loaders).</summary>
    public static string[] NumericClassNames(long[] labels) =>
        Enumerable.Range(0, labels.Length == 0 ? 1 : (int)labels.Max() + 1).Select(i => i.ToString()).ToArray();
}
