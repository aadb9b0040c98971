using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads an MNIST-style pair of IDX files (images (N, H, W) or (N, C, H, W) and labels (N)) as a
/// <see cref="FaceDataset"/>; <see cref="LoadFashionMnist"/> finds Fashion-MNIST's four files in a folder.
/// </summary>
public static class IdxLoader
{
    /// <summary>Fashion-MNIST's ten classes, in label order (Xiao, Rasul and Vollgraf, 2017).</summary>
    public static IReadOnlyList<string> FashionMnistClasses { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads one images/labels pair. Class names default to "0" … "max label"; labels outside the
    /// given class names are an error naming the labels file.</summary>
    public static FaceDataset Load(string imagesPath, string labelsPath, string? name = null, IReadOnlyList<string>? classNames = null,
        ImageLoadOptions? options = null, LoadReport? report = null, IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            name ??= Path.GetFileName(imagesPath).Split('-')[0];
            return DatasetCache.GetOrLoad(name, $"idx classes={classNames?.Count}", [imagesPath, labelsPath], o, r,
                () => Build(name, [(imagesPath, labelsPath)], classNames, o, r, progress));
        });

    /// <summary>Loads Fashion-MNIST from a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzipped (".gz").</summary>
    public static FaceDataset LoadFashionMnist(string folder, DatasetPart part = DatasetPart.Train, ImageLoadOptions? options = null,
        LoadReport? report = null, IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            var root = FolderScan.RequireFolder(folder, "the Fashion-MNIST files train-images-idx3-ubyte(.gz) … t10k-labels-idx1-ubyte(.gz)");
            var prefixes = part switch { DatasetPart.Train => ["train"], DatasetPart.Test => ["t10k"], _ => new[] { "train", "t10k" } };
            var pairs = prefixes.Select(p => (Find(root, $"{p}-images-idx3-ubyte"), Find(root, $"{p}-labels-idx1-ubyte"))).ToArray();
            return DatasetCache.GetOrLoad("fashion-mnist", $"fashion-mnist part={part}", pairs.SelectMany(p => new[] { p.Item1, p.Item2 }), o, r,
                () => Build("fashion-mnist", pairs, FashionMnistClasses, o, r, progress));
        });

    /// <summary>The file "stem" or "stem.gz" in the folder; a <see cref="DataException"/> naming both when neither exists.</summary>
    internal static string Find(string folder, string stem)
    {
        foreach (var candidate in new[] { stem, stem + ".gz" })
            if (File.Exists(Path.Combine(folder, candidate))) return Path.Combine(folder, candidate);
        throw new DataException(Path.Combine(folder, stem), $"not found (nor {stem}.gz). Install Debian's dataset-fashion-mnist package, or download the four IDX files from the Fashion-MNIST repository (zalandoresearch/fashion-mnist).");
    }

    static FaceDataset Build(string name, (string Images, string Labels)[] pairs, IReadOnlyList<string>? classNames,
        ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        var pixels = new List<byte[]>();
        var labels = new List<long>();
        var sources = new List<string>();
        int c = 0, h = 0, w = 0;
        foreach (var (imagesPath, labelsPath) in pairs)
        {
            var images = IdxFile.Read(imagesPath);
            var labelArray = IdxFile.Read(labelsPath);
            var (pc, ph, pw) = images.Shape.Length switch
            {
                3 => (1, images.Shape[1], images.Shape[2]),
                4 when images.Shape[1] is 1 or 3 => (images.Shape[1], images.Shape[2], images.Shape[3]),
                _ => throw new DataException(imagesPath, $"IDX images of shape ({string.Join(", ", images.Shape)}); expected (N, H, W) or (N, C, H, W) with C = 1 or 3."),
            };
            if (labelArray.Shape.Length != 1 || labelArray.Shape[0] != images.Shape[0])
                throw new DataException(labelsPath, $"labels of shape ({string.Join(", ", labelArray.Shape)}) do not match the {images.Shape[0]} images of {imagesPath}.");
            if (pixels.Count > 0 && (pc, ph, pw) != (c, h, w))
                throw new DataException(imagesPath, $"images are {pc}×{ph}×{pw}, those of {pairs[0].Images} {c}×{h}×{w}.");
            (c, h, w) = (pc, ph, pw);
            if (classNames is not null && Array.FindIndex(labelArray.Data, l => l >= classNames.Count) is int bad and >= 0)
                throw new DataException(labelsPath, $"label {labelArray.Data[bad]} at index {bad} is outside the {classNames.Count} classes.");
            pixels.Add(images.Data);
            labels.AddRange(labelArray.Data.Select(l => (long)l));
            sources.AddRange(Enumerable.Range(0, images.Shape[0]).Select(i => $"{imagesPath}#{i}"));
        }
        var all = pixels.Count == 1 ? pixels[0] : ArrayImages.Concat(pixels);
        var labelValues = labels.ToArray();
        return ArrayImages.Build(name, pairs[0].Images, all, labelValues.Length, c, h, w, labelValues, classNames ?? ArrayImages.NumericClassNames(labelValues),
            i => sources[i], options, report, progress);
    }
}
