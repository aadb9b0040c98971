using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>
/// The decoded-tensor cache: each data set is decoded once and kept on disk as its uint8 tensor, so a
/// second load reads one file instead of decoding thousands. The key is a SHA-256 of the loader and its
/// settings, the load options that change pixels or selection, and every input file's full path, size and
/// last-write time — changing, adding, removing or touching a file gives a new key. Files live in
/// <see cref="Folder"/> as <c>&lt;name&gt;-&lt;key&gt;.fgds</c>: the magic "FGDSv001", a little-endian int32
/// length, UTF-8 JSON metadata (shape, labels, class names, sources, attributes, skipped files, notes),
/// then the N·C·H·W image bytes. They are written to a temporary file and renamed into place, so a reader
/// never sees half a file; an unreadable cache file is decoded again, never trusted.
/// </summary>
public static class DatasetCache
{
    const string Magic = "FGDSv001";
    const long ChunkBytes = 64L << 20; // copy tensors to and from disk 64 MB at a time

    /// <summary>The cache folder for these options: <see cref="ImageLoadOptions.CacheFolder"/>, else
    /// <c>TorchRuntime.CacheFolder/datasets</c>.</summary>
    public static string Folder(ImageLoadOptions options) => options.CacheFolder ?? Path.Combine(TorchRuntime.CacheFolder, "datasets");

    sealed record Metadata(string Name, long[] Shape, long[] Labels, string[] ClassNames, string[] Sources,
        Dictionary<string, int[]> Attributes, SkippedItem[] Skipped, string[] Notes);

    /// <summary>Returns the cached data set for this key, or runs <paramref name="load"/> and caches its result.
    /// The key covers <paramref name="loader"/> (the loader and its own settings, e.g. "utkface label=gender"),
    /// the options and <paramref name="inputs"/> (every file the result depends on). The report's skipped
    /// items and notes are stored with the tensor and restored on a hit.</summary>
    internal static FaceDataset GetOrLoad(string name, string loader, IEnumerable<string> inputs, ImageLoadOptions options,
        LoadReport report, Func<FaceDataset> load)
    {
        if (!options.UseCache) return load();
        string path = Path.Combine(Folder(options), $"{Safe(name)}-{Key(loader, inputs, options)}.fgds");
        report.CachePath = path;
        if (File.Exists(path))
        {
            try
            {
                var cached = Read(path, report);
                report.FromCache = true;
                return cached;
            }
            catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
            {
                report.Note($"cache file {path} was unreadable ({e.Message}); decoded again.");
            }
        }
        var dataset = load();
        try { Write(path, dataset, report); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            report.Note($"could not write the cache file {path} ({e.Message}); the next load decodes again.");
        }
        return dataset;
    }

    /// <summary>Raised whenever decoding changes what pixels a file gives, so that older caches are not reused
    /// (2: PGM/PPM read by <see cref="NetpbmFile"/> instead of ImageSharp; 3: truncated JPEG/PNG/BMP/PBM refused by
    /// <see cref="ImageIntegrity"/>, where ImageSharp had filled them with grey).</summary>
    const string DecoderVersion = "decoder 3";

    /// <summary>SHA-256 (first 128 bits, hex) of the loader text, the decoder version, the options' key text and each input's
    /// full path, length and last-write time (UTC ticks).</summary>
    internal static string Key(string loader, IEnumerable<string> inputs, ImageLoadOptions options)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string line) => hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        Add(Magic);
        Add(DecoderVersion);
        Add(loader);
        Add(options.KeyText);
        foreach (var input in inputs)
        {
            var info = new FileInfo(input);
            Add($"{info.FullName}|{(info.Exists ? info.Length : -1)}|{(info.Exists ? info.LastWriteTimeUtc.Ticks : 0)}");
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    static string Safe(string name) => string.Concat(name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' ? ch : '_'));

    static void Write(string path, FaceDataset dataset, LoadReport report)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var metadata = new Metadata(dataset.Name, dataset.Images.shape, dataset.Labels.data<long>().ToArray(),
            dataset.ClassNames.ToArray(), dataset.Sources.ToArray(), dataset.Attributes.ToDictionary(kv => kv.Key, kv => kv.Value),
            report.Skipped.ToArray(), report.Notes.ToArray());
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                stream.Write(Encoding.ASCII.GetBytes(Magic));
                Span<byte> length = stackalloc byte[4];
                BinaryPrimitives.WriteInt32LittleEndian(length, json.Length);
                stream.Write(length);
                stream.Write(json);
                ForEachChunk(dataset.Images, chunk => stream.Write(chunk.bytes));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    static FaceDataset Read(string path, LoadReport report)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Span<byte> header = stackalloc byte[12];
        stream.ReadExactly(header);
        if (Encoding.ASCII.GetString(header[..8]) != Magic) throw new InvalidDataException("not a FaceGen data set cache file");
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (jsonLength <= 0 || jsonLength > stream.Length - 12) throw new InvalidDataException($"metadata length {jsonLength} out of range");
        var json = new byte[jsonLength];
        stream.ReadExactly(json);
        var m = JsonSerializer.Deserialize<Metadata>(json) ?? throw new InvalidDataException("empty metadata");
        if (m.Shape.Length != 4 || stream.Length - stream.Position != m.Shape.Aggregate(1L, (a, b) => a * b))
            throw new InvalidDataException($"size does not match the shape [{string.Join(", ", m.Shape)}]");
        var images = empty(m.Shape, ScalarType.Byte);
        try
        {
            ForEachChunk(images, chunk => stream.ReadExactly(chunk.bytes));
            var dataset = new FaceDataset(m.Name, images, tensor(m.Labels, ScalarType.Int64), m.ClassNames, m.Sources, m.Attributes);
            foreach (var item in m.Skipped) report.Skip(item.Path, item.Reason);
            foreach (var note in m.Notes) report.Note(note);
            return dataset;
        }
        catch
        {
            images.Dispose();
            throw;
        }
    }

    /// <summary>Visits a contiguous uint8 (N, …) tensor in slices of whole rows of at most 64 MB, because
    /// <c>Tensor.bytes</c> is a <see cref="Span{T}"/> and cannot cover more than 2 GB (CelebA at 64×64 is 2.5 GB).</summary>
    static void ForEachChunk(Tensor images, Action<Tensor> visit)
    {
        long n = images.shape[0];
        if (n == 0) return;
        long rowBytes = images.numel() / n;
        long rows = Math.Max(1, ChunkBytes / Math.Max(1, rowBytes));
        for (long start = 0; start < n; start += rows)
        {
            using var chunk = images.narrow(0, start, Math.Min(rows, n - start));
            visit(chunk);
        }
    }
}
