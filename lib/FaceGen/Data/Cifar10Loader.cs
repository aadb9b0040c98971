using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads CIFAR-10's binary version (Krizhevsky, 2009), the set the source tutorial's code trains on:
/// <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> (training, 10,000 images each) and <c>test_batch.bin</c>.
/// Each record is 3,073 bytes: one label byte (0..9), then a 32×32 image as 1,024 red, 1,024 green and
/// 1,024 blue bytes, rows top to bottom — already the kit's (C, H, W) layout. A truncated file or a label
/// above 9 is an error naming the file and record; with SkipBad the bad records are skipped and listed.
/// </summary>
public static class Cifar10Loader
{
    /// <summary>CIFAR-10's classes in label order.</summary>
    public static IReadOnlyList<string> Classes { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    const int Side = 32, ImageBytes = 3 * Side * Side, RecordBytes = 1 + ImageBytes;

    /// <summary>The batch files of a part, in order.</summary>
    public static IReadOnlyList<string> BatchFiles(DatasetPart part) => part switch
    {
        DatasetPart.Train => Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").ToArray(),
        DatasetPart.Test => ["test_batch.bin"],
        _ => [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin"), "test_batch.bin"],
    };

    /// <summary>Loads a part of CIFAR-10 from <paramref name="folder"/> (cifar-10-batches-bin).</summary>
    public static FaceDataset Load(string folder, DatasetPart part = DatasetPart.Train, ImageLoadOptions? options = null,
        LoadReport? report = null, IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            var root = FolderScan.RequireFolder(folder, "CIFAR-10's binary batches data_batch_1.bin … data_batch_5.bin, test_batch.bin");
            var files = BatchFiles(part).Select(f => Path.Combine(root, f)).ToArray();
            foreach (var file in files)
                if (!File.Exists(file)) throw new DataException(file, "not found. Fetch the set with `facegen data fetch cifar10` (binary version).");
            return DatasetCache.GetOrLoad("cifar10", $"cifar10 part={part}", files, o, r, () => Build(files, o, r, progress));
        });

    static FaceDataset Build(string[] files, ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        var pixels = new List<byte[]>();
        var labels = new List<long>();
        var sources = new List<string>();
        foreach (var file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            if (bytes.Length % RecordBytes != 0)
                LoadSession.Reject(new DataException(file, $"truncated: {bytes.Length:N0} bytes is not a whole number of {RecordBytes}-byte records " +
                    $"({bytes.Length / RecordBytes} whole, {bytes.Length % RecordBytes} bytes left over). Download the set again."), options, report);
            int records = bytes.Length / RecordBytes;
            var kept = new byte[records * ImageBytes];
            int k = 0;
            for (int i = 0; i < records; i++)
            {
                byte label = bytes[i * RecordBytes];
                if (label >= Classes.Count)
                {
                    LoadSession.Reject(new DataException($"{file}#{i}", $"label byte {label} is not a CIFAR-10 class (0..9): the file is corrupt."), options, report);
                    continue;
                }
                Array.Copy(bytes, i * RecordBytes + 1, kept, k * ImageBytes, ImageBytes);
                labels.Add(label);
                sources.Add($"{file}#{i}");
                k++;
            }
            pixels.Add(kept[..(k * ImageBytes)]);
        }
        var all = ArrayImages.Concat(pixels);
        return ArrayImages.Build("cifar10", files[0], all, labels.Count, 3, Side, Side, labels.ToArray(), Classes,
            i => sources[i], options, report, progress);
    }
}
