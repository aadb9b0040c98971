using System.Formats.Tar;
using System.IO.Compression;
using FaceGen.Runtime;

namespace FaceGen.Data.Fetch;

/// <summary>How a downloaded file is unpacked, chosen from its name.</summary>
internal enum ArchiveKind { Plain, Zip, TarGz, Gz }

/// <summary>
/// Unpacks .zip (PKWARE APPNOTE), .tar.gz / .tgz (POSIX ustar/pax inside gzip, RFC 1952) and .gz into a folder, one
/// entry at a time so that progress and cancellation work on archives of 200,000 files. Every entry's path is
/// resolved and must stay inside the folder (no "../" or absolute names). From a tar, only files and folders are
/// written: links and device entries are skipped and reported, so that an archive can never write outside its folder.
/// Size is bounded too (issue 16: a 3 MB zip once installed 3 GiB): the total unpacked bytes (the caller's limit, per
/// data set), each file (<see cref="MaxEntryBytes"/>) and the compression ratio (<see cref="MaxRatio"/>) are checked
/// against the archive's headers before anything is written, and again while the bytes stream, because a header can lie.
/// </summary>
internal static class ArchiveExtractor
{
    const int ReportEvery = 500;

    /// <summary>Largest single unpacked file: 256 MiB, eight times the largest file of any catalogued set (a 30 MB
    /// CIFAR-10 batch).</summary>
    public const long MaxEntryBytes = 256L << 20;

    /// <summary>Largest ratio of unpacked to packed bytes: 100. Images and their archives compress by 1 to 3 times; a
    /// file of zeros deflates by about 1000. Checked once an entry (zip) or the stream (gzip) has unpacked
    /// <see cref="RatioFloor"/>, so that a tiny, highly compressible text file is never refused.</summary>
    public const double MaxRatio = 100;

    const long RatioFloor = 1L << 20;

    public static ArchiveKind KindOf(string fileName) => fileName.ToLowerInvariant() switch
    {
        var n when n.EndsWith(".zip") => ArchiveKind.Zip,
        var n when n.EndsWith(".tar.gz") || n.EndsWith(".tgz") => ArchiveKind.TarGz,
        var n when n.EndsWith(".gz") => ArchiveKind.Gz,
        _ => ArchiveKind.Plain,
    };

    /// <summary>Unpacks <paramref name="archive"/> into the empty folder <paramref name="folder"/>, writing at most
    /// <paramref name="maxTotalBytes"/>.</summary>
    /// <returns>Names of entries that were skipped (links, devices).</returns>
    /// <exception cref="DataException">A corrupt archive, an entry whose path leaves the folder, or one past a size limit.</exception>
    public static async Task<IReadOnlyList<string>> ExtractAsync(string archive, string folder, long maxTotalBytes,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var task = $"extract {Path.GetFileName(archive)}";
        var bounds = new Bounds(archive, maxTotalBytes);
        try
        {
            return KindOf(archive) switch
            {
                ArchiveKind.Zip => await ExtractZipAsync(archive, folder, bounds, task, progress, ct),
                ArchiveKind.TarGz => await ExtractTarGzAsync(archive, folder, bounds, task, progress, ct),
                ArchiveKind.Gz => await ExtractGzAsync(archive, folder, bounds, ct),
                _ => throw new ArgumentException($"{archive} is not an archive."),
            };
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new DataException(archive, $"cannot unpack the archive ({e.Message}). If the disk is full, free some "
                + "space; otherwise the archive is damaged: delete it and run the fetch again.", e);
        }
    }

    static async Task<IReadOnlyList<string>> ExtractZipAsync(string archive, string folder, Bounds bounds, string task,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        using var zip = ZipFile.OpenRead(archive);
        foreach (var entry in zip.Entries) bounds.CheckDeclared(entry.FullName, entry.Length, entry.CompressedLength);
        int done = 0, total = zip.Entries.Count;
        foreach (var entry in zip.Entries)
        {
            ct.ThrowIfCancellationRequested();
            var path = SafePath(folder, entry.FullName, archive);
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
                Directory.CreateDirectory(path);
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                // .NET stops reading an entry at the size its header declares, so a forged size cannot unpack more than
                // was checked above; it yields a cut file instead, which the CRC-32 of the data read then reveals.
                var crc = new Crc32();
                await using (var data = entry.Open())
                    await WriteAsync(bounds.Entry(entry.FullName, data, () => entry.CompressedLength, crc.Append), path, ct);
                if (crc.Value != entry.Crc32)
                    bounds.Refuse($"entry '{entry.FullName}'", $"does not match its CRC-32 (computed {crc.Value:x8}, recorded {entry.Crc32:x8}): "
                        + "its data is damaged or its header forged");
            }
            if (++done % ReportEvery == 0 || done == total) progress?.Report(new(task, done, total, "files"));
        }
        return []; // a zip entry is always written as a file or a folder (a stored link becomes a small file)
    }

    static async Task<IReadOnlyList<string>> ExtractTarGzAsync(string archive, string folder, Bounds bounds, string task,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        await using var file = File.OpenRead(archive);
        await using var gzip = bounds.Decompressed(new GZipStream(file, CompressionMode.Decompress), () => file.Position);
        await using var tar = new TarReader(gzip);
        var skipped = new List<string>();
        int done = 0;
        while (await tar.GetNextEntryAsync(copyData: false, ct) is { } entry)
        {
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(SafePath(folder, entry.Name, archive));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var path = SafePath(folder, entry.Name, archive);
                    bounds.CheckDeclared(entry.Name, entry.Length, null); // a tar header comes just before its data
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await WriteAsync(bounds.Entry(entry.Name, entry.DataStream ?? Stream.Null, null), path, ct);
                    break;
                case TarEntryType.GlobalExtendedAttributes:
                    continue; // pax metadata for the whole archive, not content
                default:
                    skipped.Add(entry.Name);
                    continue;
            }
            if (++done % ReportEvery == 0) progress?.Report(new(task, done, 0, "files"));
        }
        progress?.Report(new(task, done, done, "files"));
        return skipped;
    }

    static async Task<IReadOnlyList<string>> ExtractGzAsync(string archive, string folder, Bounds bounds, CancellationToken ct)
    {
        var name = Path.GetFileNameWithoutExtension(archive); // "x.txt.gz" → "x.txt"
        await using var file = File.OpenRead(archive);
        await using var input = bounds.Entry(name, new GZipStream(file, CompressionMode.Decompress), () => file.Position);
        await WriteAsync(input, Path.Combine(folder, name), ct);
        return [];
    }

    static async Task WriteAsync(Stream data, string path, CancellationToken ct)
    {
        await using var output = new FileStream(path, FileMode.CreateNew);
        await data.CopyToAsync(output, ct);
    }

    /// <summary>The size limits of one extraction, and the bytes declared and written so far.</summary>
    sealed class Bounds(string archive, long maxTotalBytes)
    {
        long declared, written;

        /// <summary>Checks the size an entry's header declares, before the entry is written.</summary>
        public void CheckDeclared(string name, long length, long? compressed)
        {
            CheckFile(name, length, "declares");
            declared += length; // at most maxTotalBytes + MaxEntryBytes: no overflow
            Check(name, declared, compressed is long packed ? (length, packed) : null, "declares");
        }

        /// <summary>The data of one entry, counted as it is read (a second line of defence behind the header checks, should a
        /// reader ever trust the data over the header). <paramref name="packed"/> gives the compressed bytes behind it, for
        /// the ratio; <paramref name="observe"/> sees every chunk.</summary>
        public Stream Entry(string name, Stream data, Func<long>? packed, CountingStream.Observer? observe = null) =>
            new CountingStream(data, (read, chunk) =>
            {
                written += chunk.Length;
                observe?.Invoke(read, chunk);
                CheckFile(name, read, "unpacks to more than");
                Check(name, written, packed is null ? null : (read, packed()), "unpacks to more than");
            });

        /// <summary>The decompressed stream around a tar, counted against the total and the ratio (tar headers included).</summary>
        public Stream Decompressed(Stream data, Func<long> packed) =>
            new CountingStream(data, (read, _) => Check(null, read, (read, packed()), "decompresses to more than"));

        void CheckFile(string name, long bytes, string verb)
        {
            if (bytes > MaxEntryBytes)
                Refuse($"entry '{name}'", $"{verb} {bytes:N0} bytes, above the limit of {MaxEntryBytes:N0} bytes for one file");
        }

        void Check(string? name, long total, (long Unpacked, long Packed)? ratio, string verb)
        {
            string subject = name is null ? "its gzip stream" : $"entry '{name}'";
            if (total > maxTotalBytes)
                Refuse(subject, $"brings the unpacked total to {total:N0} bytes, above this data set's limit of {maxTotalBytes:N0} bytes");
            if (ratio is var (unpacked, packed) && unpacked > RatioFloor && unpacked > MaxRatio * Math.Max(packed, 1))
                Refuse(subject, $"{verb} {unpacked:N0} bytes from {packed:N0} compressed bytes, a ratio above the limit of {MaxRatio:N0} "
                    + "(a decompression bomb)");
        }

        public void Refuse(string subject, string why) =>
            throw new DataException(archive, $"refusing to unpack: {subject} {why}. Nothing was installed; the archive is kept in "
                + "the downloads folder. If it is genuine, report it; otherwise delete it and run the fetch again.");
    }

    /// <summary>A read-only stream that shows every chunk read, with the bytes read so far, to an observer.</summary>
    sealed class CountingStream(Stream inner, CountingStream.Observer onRead) : Stream
    {
        public delegate void Observer(long total, ReadOnlySpan<byte> chunk);

        long read;

        public override int Read(Span<byte> buffer) => Counted(buffer, inner.Read(buffer));
        public override int Read(byte[] buffer, int offset, int count) => Counted(buffer.AsSpan(offset), inner.Read(buffer, offset, count));
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
        {
            int n = await inner.ReadAsync(buffer, ct);
            return Counted(buffer.Span, n);
        }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        int Counted(Span<byte> buffer, int n)
        {
            read += n;
            if (n > 0) onRead(read, buffer[..n]);
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    /// <summary>The full path of archive entry <paramref name="name"/> under <paramref name="folder"/>.</summary>
    /// <exception cref="DataException">The entry would land outside the folder.</exception>
    static string SafePath(string folder, string name, string archive)
    {
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        var path = Path.GetFullPath(Path.Combine(root, name.Replace('\\', '/')));
        if (Path.IsPathRooted(name) || !(path + Path.DirectorySeparatorChar).StartsWith(root, StringComparison.Ordinal))
            throw new DataException(archive, $"entry '{name}' points outside the extraction folder; refusing to unpack "
                + "this archive. Delete it and run the fetch again.");
        return path.TrimEnd(Path.DirectorySeparatorChar);
    }

    /// <summary>CRC-32 (ISO-HDLC, the zip and gzip checksum: polynomial 0xEDB88320, reflected), computed incrementally.</summary>
    sealed class Crc32
    {
        static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        uint state = 0xFFFFFFFF;

        public uint Value => ~state;

        public void Append(long _, ReadOnlySpan<byte> chunk)
        {
            foreach (byte b in chunk) state = Table[(state ^ b) & 0xFF] ^ (state >> 8);
        }
    }
}
