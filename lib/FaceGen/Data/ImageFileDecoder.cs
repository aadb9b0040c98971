using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>An image file and its class index.</summary>
internal sealed record LabelledFile(string Path, int Label);

/// <summary>Decodes a list of labelled image files, in parallel, into one uint8 (N, C, H, W) tensor and
/// a <see cref="FaceDataset"/>; the shared back end of the folder loaders.</summary>
internal static class ImageFileDecoder
{
    /// <summary>Decodes <paramref name="files"/>; <paramref name="attributes"/> are per file, parallel to the list, and
    /// filtered with it; <paramref name="origin"/> is the folder named when nothing at all could be decoded.</summary>
    public static FaceDataset Decode(string name, string origin, IReadOnlyList<LabelledFile> files, IReadOnlyList<string> classNames,
        IReadOnlyDictionary<string, int[]> attributes, ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        int n = files.Count;
        if (n == 0) throw new DataException(origin, "no image files to load.");
        int c = options.Channels;
        var failed = new bool[n];
        var (h, w) = options.ImageSize is int s ? (s, s) : NativeSize(name, files, options, report, failed);

        var all = empty([n, c, h, w], ScalarType.Byte);
        try
        {
            var decodeFailed = LoadSession.ParallelItems(n, $"decode {name}", options, report, progress, i =>
            {
                if (failed[i]) return; // rejected in the header pass
                var image = ImageTransforms.DecodeFile(files[i].Path, options);
                if (image.Height != h || image.Width != w)
                    throw new DataException(files[i].Path, $"decoded to {image.Width}×{image.Height}, expected {w}×{h}.");
                using var row = all[i];
                image.Pixels.CopyTo(row.bytes);
            });
            var kept = Enumerable.Range(0, n).Where(i => !failed[i] && !decodeFailed[i]).ToArray();
            if (kept.Length == 0)
                throw new DataException(origin, $"none of the {n} image files could be decoded ({report.Skipped.Count} skipped; see the report).");
            Tensor images = all;
            if (kept.Length < n)
            {
                using var index = tensor(kept.Select(i => (long)i).ToArray(), ScalarType.Int64);
                images = all.index_select(0, index);
                all.Dispose();
            }
            return new FaceDataset(name, images, tensor(kept.Select(i => (long)files[i].Label).ToArray(), ScalarType.Int64),
                classNames, kept.Select(i => files[i].Path).ToArray(),
                attributes.ToDictionary(kv => kv.Key, kv => kept.Select(i => kv.Value[i]).ToArray()));
        }
        catch
        {
            all.Dispose();
            throw;
        }
    }

    /// <summary>Native size (no ImageSize): read every header, in parallel; the first readable file sets
    /// the size, files of another size are rejected (they cannot share one tensor).</summary>
    static (int H, int W) NativeSize(string name, IReadOnlyList<LabelledFile> files, ImageLoadOptions options, LoadReport report, bool[] failed)
    {
        var sizes = new (int W, int H)[files.Count];
        var headerFailed = LoadSession.ParallelItems(files.Count, $"read headers {name}", options, report, null,
            i => sizes[i] = ImageTransforms.ReadSize(files[i].Path, options));
        int first = Array.IndexOf(headerFailed, false);
        if (first < 0) return (1, 1); // all rejected; Decode then reports that nothing could be decoded
        var (w, h) = sizes[first];
        for (int i = 0; i < files.Count; i++)
        {
            failed[i] = headerFailed[i];
            if (failed[i] || sizes[i] == (w, h)) continue;
            failed[i] = true;
            LoadSession.Reject(new DataException(files[i].Path, $"is {sizes[i].W}×{sizes[i].H} but {files[first].Path} is {w}×{h}; " +
                "images kept at their native size must all have one size. Pass an image size to resize them."), options, report);
        }
        return (h, w);
    }
}
