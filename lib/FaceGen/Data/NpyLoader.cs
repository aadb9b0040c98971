using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads images stored as NumPy arrays, e.g. scikit-learn's Olivetti faces dump (faces.npy: (400, 64, 64)
/// float32 in [0, 1]; target.npy: (400,) integers). Image arrays: uint8 (0..255 as is) or float32/float64
/// in [0, 1] (byte = round(255·x), halves away from zero); shapes (N, H, W) grey, (N, H, W, C) or
/// (N, C, H, W) with C = 1 or 3 — a last dimension of 1 or 3 is taken as channels-last.
/// Labels: an integer (N,) array; without one every image gets label 0.
/// </summary>
public static class NpyLoader
{
    /// <summary>Loads <paramref name="imagesPath"/> (and <paramref name="labelsPath"/> when given). Class names
    /// default to "0" … "max label".</summary>
    public static FaceDataset Load(string imagesPath, string? labelsPath = null, string? name = null, IReadOnlyList<string>? classNames = null,
        ImageLoadOptions? options = null, LoadReport? report = null, IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            name ??= Path.GetFileNameWithoutExtension(imagesPath);
            string[] inputs = labelsPath is null ? [imagesPath] : [imagesPath, labelsPath];
            return DatasetCache.GetOrLoad(name, $"npy classes={classNames?.Count}", inputs, o, r,
                () => Build(name, imagesPath, labelsPath, classNames, o, r, progress));
        });

    static FaceDataset Build(string name, string imagesPath, string? labelsPath, IReadOnlyList<string>? classNames,
        ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        var images = NpyFile.Read(imagesPath);
        var (n, c, h, w, channelsLast) = Layout(imagesPath, images.Shape);
        byte[] chw = ToChannelMajor(ToBytes(imagesPath, images), n, c, h, w, channelsLast);
        long[] labels = labelsPath is null ? new long[n] : ReadLabels(labelsPath, n, classNames);
        if (labelsPath is null) report.Note($"no labels file: all {n} images labelled 0.");
        var names = classNames ?? (labelsPath is null ? ["unlabelled"] : ArrayImages.NumericClassNames(labels));
        return ArrayImages.Build(name, imagesPath, chw, n, c, h, w, labels, names, i => $"{imagesPath}#{i}", options, report, progress);
    }

    static (int N, int C, int H, int W, bool ChannelsLast) Layout(string path, long[] shape) => shape switch
    {
        [var n, var h, var w] => ((int)n, 1, (int)h, (int)w, false),
        [var n, var h, var w, 1 or 3] => ((int)n, (int)shape[3], (int)h, (int)w, true),
        [var n, 1 or 3, var h, var w] => ((int)n, (int)shape[1], (int)h, (int)w, false),
        _ => throw new DataException(path, $"image array of shape ({string.Join(", ", shape)}); expected (N, H, W), (N, H, W, C) or (N, C, H, W) with C = 1 or 3."),
    };

    /// <summary>uint8 as is; floats must lie in [0, 1] and become round(255·x).</summary>
    static byte[] ToBytes(string path, NpyArray images)
    {
        if (images.DType == "u1") return images.Data;
        if (images.DType is not ("f4" or "f8"))
            throw new DataException(path, $"image dtype '{images.DType}' is not supported; use uint8 (0..255) or float32/float64 in [0, 1].");
        var values = images.ToDoubles();
        var bytes = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            if (!(v >= 0 && v <= 1))
                throw new DataException(path, $"element {i} = {v}: float images must lie in [0, 1]. Divide by 255 (or rescale) before saving.");
            bytes[i] = (byte)Math.Round(v * 255, MidpointRounding.AwayFromZero);
        }
        return bytes;
    }

    static byte[] ToChannelMajor(byte[] data, int n, int c, int h, int w, bool channelsLast)
    {
        if (!channelsLast || c == 1) return data;
        var chw = new byte[data.Length];
        int plane = h * w;
        for (int i = 0; i < n; i++)
            for (int p = 0; p < plane; p++)
                for (int k = 0; k < c; k++)
                    chw[(i * c + k) * plane + p] = data[(i * plane + p) * c + k];
        return chw;
    }

    static long[] ReadLabels(string path, int n, IReadOnlyList<string>? classNames)
    {
        var array = NpyFile.Read(path);
        if (array.Shape is not [var count] || count != n)
            throw new DataException(path, $"labels of shape ({string.Join(", ", array.Shape)}) do not match the {n} images; expected ({n},).");
        long[] labels;
        try { labels = array.ToInt64(); }
        catch (InvalidDataException e) { throw new DataException(path, $"labels must be whole numbers: {e.Message}.", e); }
        int limit = classNames?.Count ?? ArrayImages.MaxClasses;
        int bad = Array.FindIndex(labels, l => l < 0 || l >= limit);
        if (bad >= 0) throw new DataException(path, $"label {labels[bad]} at index {bad} is outside 0..{limit - 1}" +
            (classNames is null ? $" (labels without class names may number at most {ArrayImages.MaxClasses:N0} classes; renumber them 0, 1, 2, …)." : "."));
        return labels;
    }
}
