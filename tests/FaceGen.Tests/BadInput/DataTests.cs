using System.Buffers.Binary;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using FaceGen.Data;
using FaceGen.Data.Fetch;
using SixLabors.ImageSharp.PixelFormats;
using static FaceGen.Tests.DataFixtures;

namespace FaceGen.Tests.BadInput;

/// <summary>Issue 16, data: truncated images, images outside the layout, decompression bombs (zip, tar.gz, IDX gzip)
/// and array headers whose shape overflows. Every hostile file is built here, in a temp folder.</summary>
public class DataTests
{
    const double PeakLimitMb = 700;

    // ---- truncated images ---------------------------------------------------------------------

    /// <summary>Two identities of two 48×48 noise images (noise: the compressed data is most of the file).</summary>
    static string IdentityFolders(string extension)
    {
        var root = Path.Combine(TestPaths.NewTempFolder(), "faces");
        var random = new Random(7);
        foreach (var person in new[] { "ann", "bob" })
            for (int i = 0; i < 2; i++)
                WriteRgb(Path.Combine(root, person, $"{i}{extension}"), 48, 48,
                    (_, _) => new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)));
        return root;
    }

    static void CutToAThird(string path) => File.WriteAllBytes(path, File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 3)]);

    /// <summary>Text without whitespace: the console wraps long lines at 80 columns, even inside a path, so phrases are
    /// compared with all whitespace removed.</summary>
    static string Flat(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c)));

    static void AssertMentions(CliProcess.Result result, params string[] mentions)
    {
        foreach (var m in mentions) Assert.True(Flat(result.All).Contains(Flat(m)), $"the output does not mention '{m}':\n{result.All}");
    }

    /// <summary><see cref="Refusal.Assert"/> (exit 2, no stack trace, bounded peak memory), with the mentions compared unwrapped.</summary>
    static void Refused(CliProcess.Result result, params string[] mentions)
    {
        Refusal.Assert(result, [], PeakLimitMb);
        AssertMentions(result, mentions);
    }

    static Dictionary<string, string> Env(string root) => new() { ["FACEGEN_CACHE"] = Path.Combine(root, "..", "cache") };

    [Theory]
    [InlineData(".jpg", "truncated JPEG", "FF D9")]
    [InlineData(".png", "truncated PNG", "IDAT")]
    public void TruncatedImageIsRefusedNamingTheFileAndSkippedWithSkipBad(string extension, string what, string missing)
    {
        var root = IdentityFolders(extension);
        var cut = Path.Combine(root, "bob", $"0{extension}");
        CutToAThird(cut);
        var sheet = Path.Combine(root, "..", "sheet.png");
        var result = CliProcess.Run(["data", "preview", root, "--size", "16", "--out", sheet], Env(root));
        Refused(result, cut, what, missing);
        Assert.False(File.Exists(sheet));

        var skipped = CliProcess.Run(["data", "preview", root, "--size", "16", "--skip-bad", "--out", sheet], Env(root));
        Assert.True(skipped.ExitCode == 0, skipped.All);
        AssertMentions(skipped, "faces: 3 images", "1 skipped", $"skipped {cut}: {what}");
    }

    [Fact]
    public void IntactImagesOfEveryImageSharpFormatPassAndTruncatedOnesAreRefused()
    {
        var folder = TestPaths.NewTempFolder();
        var random = new Random(3);
        var options = new ImageLoadOptions(ImageSize: null);
        foreach (var extension in new[] { ".jpg", ".png", ".bmp" })
        {
            var path = WriteRgb(Path.Combine(folder, $"a{extension}"), 20, 10, (_, _) => new Rgb24((byte)random.Next(256), 0, 0));
            Assert.Equal(10, ImageTransforms.DecodeFile(path, options).Height);
            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length - 12)]); // at least the last row, the IEND chunk, the EOI marker
            var e = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(path, options));
            Assert.Equal(path, e.Path);
            Assert.Contains("truncated", e.Message);
        }
        // PBM (ImageSharp): binary P4 and plain P1; 9×2 pixels = 2 bytes per row.
        var p4 = Path.Combine(folder, "a.pbm");
        File.WriteAllBytes(p4, [.. Encoding.ASCII.GetBytes("P4\n9 2\n"), 0xFF, 0x80, 0x00, 0x00]);
        Assert.Equal((2, 9), (ImageTransforms.DecodeFile(p4, options).Height, ImageTransforms.DecodeFile(p4, options).Width));
        File.WriteAllBytes(p4, [.. Encoding.ASCII.GetBytes("P4\n9 2\n"), 0xFF, 0x80, 0x00]);
        Assert.Contains("truncated PBM", Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(p4, options)).Message);
        var p1 = Path.Combine(folder, "b.pbm");
        File.WriteAllText(p1, "P1\n3 2\n1 0 1\n0 1\n");
        Assert.Contains("5", Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(p1, options)).Message);
        // PGM (NetpbmFile) checks its raster too.
        var pgm = WritePgm(Path.Combine(folder, "c.pgm"), 8, 8, (x, y) => (byte)(x + y));
        File.WriteAllBytes(pgm, File.ReadAllBytes(pgm)[..^10]);
        Assert.Contains("truncated Netpbm", Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(pgm, options)).Message);
    }

    // ---- images outside the layout ------------------------------------------------------------

    [Fact]
    public void ImagesLooseInTheRootOrNestedTooDeepAreRefusedAndSkippedWithSkipBad()
    {
        var root = IdentityFolders(".png");
        var loose = WriteSolid(Path.Combine(root, "stray.png"), 8, 8, 1, 2, 3);
        var nested = WriteSolid(Path.Combine(root, "ann", "holiday", "beach.png"), 8, 8, 1, 2, 3);
        var sheet = Path.Combine(root, "..", "sheet.png");
        var result = CliProcess.Run(["data", "preview", root, "--size", "16", "--out", sheet], Env(root));
        Refused(result, root, "2 image file(s) lie outside the expected layout", "1 loose", "1 in nested", nested);

        var skipped = CliProcess.Run(["data", "preview", root, "--size", "16", "--skip-bad", "--out", sheet], Env(root));
        Assert.True(skipped.ExitCode == 0, skipped.All);
        AssertMentions(skipped, "faces: 4 images", "2 skipped", $"skipped {loose}: outside the expected layout", $"skipped {nested}: outside the expected layout");

        // A cached load never hides one that appears later: the misplaced files are part of the cache key.
        var options = Options(size: 16) with { UseCache = true, CacheFolder = TestPaths.NewTempFolder() };
        File.Delete(loose);
        File.Delete(nested);
        using (IdentityFolderLoader.Load(root, options)) { }
        WriteSolid(loose, 8, 8, 1, 2, 3);
        Assert.Contains("1 image file(s) lie outside", Assert.Throws<DataException>(() => IdentityFolderLoader.Load(root, options)).Message);
    }

    // ---- archives -----------------------------------------------------------------------------

    /// <summary>A data root holding another, earlier data set (which must survive byte-identical).</summary>
    static (string Root, string Keep, byte[] KeepBytes) DataRoot()
    {
        var root = TestPaths.NewTempFolder();
        var keep = Path.Combine(root, "lfw", "Someone", "Someone_0001.jpg");
        Directory.CreateDirectory(Path.GetDirectoryName(keep)!);
        var bytes = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        File.WriteAllBytes(keep, bytes);
        return (root, keep, bytes);
    }

    /// <summary>Writes <paramref name="bytes"/> zeros into <paramref name="output"/>, 1 MiB at a time.</summary>
    static void WriteZeros(Stream output, long bytes)
    {
        var block = new byte[1 << 20];
        for (long left = bytes; left > 0; left -= block.Length) output.Write(block, 0, (int)Math.Min(block.Length, left));
    }

    /// <summary>att_faces.zip with the two expected PGMs and <c>s2/zeros.pgm</c>: 1.1 GiB of zeros deflated to about 1 MB.</summary>
    static string ZipBomb(string downloads)
    {
        Directory.CreateDirectory(downloads);
        var zipPath = Path.Combine(downloads, "att_faces.zip");
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var name in new[] { "s1/1.pgm", "s40/10.pgm" })
            using (var s = zip.CreateEntry(name).Open()) s.Write(Encoding.ASCII.GetBytes("P5\n1 1\n255\n\0"));
        using (var s = zip.CreateEntry("s2/zeros.pgm", CompressionLevel.SmallestSize).Open()) WriteZeros(s, 1100L << 20);
        return zipPath;
    }

    static void AssertNothingInstalled(string root, string keep, byte[] keepBytes, string folder)
    {
        Assert.False(Directory.Exists(Path.Combine(root, folder)), "the data set was installed");
        Assert.Empty(Directory.GetDirectories(root, $".{folder}.fetch-*")); // no work folder left behind
        Assert.Equal(keepBytes, File.ReadAllBytes(keep));
    }

    [Fact]
    public void ZipBombIsRefusedFromItsHeadersBeforeAnythingIsWritten()
    {
        var (root, keep, keepBytes) = DataRoot();
        var zipPath = ZipBomb(Path.Combine(root, "downloads", "att_faces"));
        Assert.InRange(new FileInfo(zipPath).Length, 1, 8 << 20);
        var before = File.ReadAllBytes(zipPath);

        var result = CliProcess.Run(["data", "fetch", "att_faces", "--data-root", root]);
        Refused(result, zipPath, "s2/zeros.pgm", "declares 1,153,433,600 bytes", "limit of 268,435,456 bytes");
        AssertNothingInstalled(root, keep, keepBytes, "att_faces");
        Assert.Equal(before, File.ReadAllBytes(zipPath)); // kept for the user to inspect or delete
    }

    [Fact]
    public void ZipBombWithAForgedSizeUnpacksOnlyTheDeclaredBytesAndFailsItsCrc()
    {
        var (root, keep, keepBytes) = DataRoot();
        var zipPath = ZipBomb(Path.Combine(root, "downloads", "att_faces"));
        // Rewrite the uncompressed size of s2/zeros.pgm to 10,000 bytes in its local header and its central-directory record.
        var bytes = File.ReadAllBytes(zipPath);
        int forged = 0;
        for (int i = 0; i + 46 < bytes.Length; i++)
        {
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            int nameAt = signature == 0x04034b50 ? i + 30 : signature == 0x02014b50 ? i + 46 : -1;
            int nameLength = signature == 0x04034b50 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 26))
                : BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i + 28));
            if (nameAt < 0 || nameAt + nameLength > bytes.Length || Encoding.ASCII.GetString(bytes, nameAt, nameLength) != "s2/zeros.pgm") continue;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(signature == 0x04034b50 ? i + 22 : i + 24), 10_000);
            forged++;
        }
        Assert.Equal(2, forged);
        File.WriteAllBytes(zipPath, bytes);

        var result = CliProcess.Run(["data", "fetch", "att_faces", "--data-root", root]);
        Refused(result, zipPath, "entry 's2/zeros.pgm' does not match its CRC-32", "header forged");
        AssertNothingInstalled(root, keep, keepBytes, "att_faces");
    }

    [Fact]
    public async Task TarGzBombIsStoppedWhileStreamingAndAllFilesAreCheckedAfterUnpacking()
    {
        var (root, keep, keepBytes) = DataRoot();
        var entry = new CatalogEntry("bombset", "bombset", "test", "https://example.invalid",
            [new RemoteFile("bomb.tgz", "https://example.invalid/bomb.tgz", Checksum.NonePublished("test"))],
            ExpectedPaths: ["a/1.pgm", "b/2.pgm"], MaxBytes: 64L << 20, Contents: ["*/*.pgm"]);
        var downloads = DatasetFetcher.DownloadsFolder(root, entry);
        Directory.CreateDirectory(downloads);
        var tgz = Path.Combine(downloads, "bomb.tgz");
        // A tar header that declares 48 MiB (within every per-file limit) of zeros: only the stream's ratio gives it away.
        await using (var file = File.Create(tgz))
        await using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            var zeros = new MemoryStream();
            WriteZeros(zeros, 48L << 20);
            zeros.Position = 0;
            await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "a/1.pgm") { DataStream = zeros });
        }
        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher().FetchAsync(entry, root));
        Assert.Equal(tgz, e.Path);
        Assert.Contains("gzip stream", e.Message);
        Assert.Contains("ratio above the limit of 100", e.Message);
        AssertNothingInstalled(root, keep, keepBytes, "bombset");

        // An honest archive with a file the loader does not read installs, with a warning naming it.
        File.Delete(tgz);
        await using (var file = File.Create(tgz))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        await using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (name, size) in new[] { ("a/1.pgm", 100), ("b/2.pgm", 100), ("b/notes/extra.bin", 300) })
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(new byte[size]) });
        }
        var fetched = await new DatasetFetcher().FetchAsync(entry, root);
        Assert.Contains(fetched.Warnings, w => w.Contains("1 installed file(s) of bombset are not read") && w.Contains("b/notes/extra.bin"));
    }

    // ---- IDX and NPY --------------------------------------------------------------------------

    static byte[] IdxHeader(params int[] shape)
    {
        var header = new byte[4 + 4 * shape.Length];
        header[2] = 0x08;
        header[3] = (byte)shape.Length;
        for (int d = 0; d < shape.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), shape[d]);
        return header;
    }

    static (string Root, string Images) FashionMnist(Action<Stream> writeImages)
    {
        var root = TestPaths.NewTempFolder();
        var folder = Path.Combine(root, "fashion-mnist");
        Directory.CreateDirectory(folder);
        var images = Path.Combine(folder, "train-images-idx3-ubyte.gz");
        using (var file = File.Create(images))
        using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize)) writeImages(gzip);
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), [.. IdxHeader(2), 0, 1]);
        return (root, images);
    }

    [Fact]
    public void IdxGzipBombDecompressesOnlyWhatItsHeaderDeclares()
    {
        var (root, images) = FashionMnist(gzip =>
        {
            gzip.Write(IdxHeader(2, 28, 28));
            WriteZeros(gzip, 1100L << 20); // 1,568 bytes declared, 1.1 GiB present
        });
        Assert.InRange(new FileInfo(images).Length, 1, 8 << 20);
        var result = CliProcess.Run(["data", "preview", "fashion-mnist", "--data-root", root, "--size", "16", "--out", Path.Combine(root, "s.png")], Env(root));
        Refused(result, images, "more data after the (2, 28, 28) = 1,568 bytes", "decompression stopped there");
        Assert.False(File.Exists(Path.Combine(root, "s.png")));
    }

    [Theory]
    [InlineData(new[] { 2_000_000_000, 2_000_000_000, 2_000_000_000 }, "overflows a 64-bit count")]
    [InlineData(new[] { 60_000, 200, 200 }, "above the limit of 1,073,741,824 bytes")]
    [InlineData(new[] { 1, 1, 1, 1, 1, 1 }, "6 dimensions; expected 1 to 4")]
    public void IdxHeaderDeclaringTooMuchIsRefusedBeforeReading(int[] shape, string why)
    {
        var (root, images) = FashionMnist(gzip => gzip.Write(IdxHeader(shape)));
        var result = CliProcess.Run(["data", "preview", "fashion-mnist", "--data-root", root, "--size", "16", "--out", Path.Combine(root, "s.png")], Env(root));
        Refused(result, images, why);
    }

    [Fact]
    public void NpyShapeWhoseSizeOverflowsIsRefusedNamingTheFile()
    {
        var path = Path.Combine(TestPaths.NewTempFolder(), "huge.npy");
        string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }";
        dict = dict.PadRight(128 - 11) + "\n"; // magic, version and length: 10 bytes; header padded to 128
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 1, 0, (byte)dict.Length, 0, .. Encoding.ASCII.GetBytes(dict), 0, 0, 0, 0]);
        var e = Assert.Throws<DataException>(() => NpyFile.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("(4294967296, 4294967296)", e.Message);
        Assert.Contains("overflows a 64-bit count", e.Message);
    }
}
