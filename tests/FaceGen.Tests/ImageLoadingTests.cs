using FaceGen.Data;
using FaceGen.Runtime;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;
using static FaceGen.Tests.DataFixtures;

namespace FaceGen.Tests;

public class ImageLoadingTests(ITestOutputHelper output)
{
    // ---- decoding and transforms -------------------------------------------------------------

    [Fact]
    public void PngDecodesToExactChannelMajorBytes()
    {
        var path = WriteRgb(Path.Combine(TestPaths.NewTempFolder(), "a.png"), 3, 2, (x, y) => new Rgb24((byte)(10 * x), (byte)(100 + y), (byte)(x + 3 * y)));
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: null));
        Assert.Equal((3, 2, 3), (image.Channels, image.Height, image.Width));
        // R plane, G plane, B plane, each row-major (y, x).
        Assert.Equal(new byte[] { 0, 10, 20, 0, 10, 20, 100, 100, 100, 101, 101, 101, 0, 1, 2, 3, 4, 5 }, image.Pixels);
    }

    [Fact]
    public void GreyIsBt601LuminanceAndGreySourcesStayExact()
    {
        var path = WriteRgb(Path.Combine(TestPaths.NewTempFolder(), "a.bmp"), 2, 1, (x, _) => x == 0 ? new Rgb24(255, 0, 0) : new Rgb24(10, 200, 30));
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: null, Channels: 1));
        // 0.299·255 = 76.245 → 76;  0.299·10 + 0.587·200 + 0.114·30 = 2.99 + 117.4 + 3.42 = 123.81 → 124
        Assert.Equal(new byte[] { 76, 124 }, image.Pixels);
        for (int v = 0; v < 256; v++) Assert.Equal(v, ImageTransforms.Luminance((byte)v, (byte)v, (byte)v));
    }

    [Fact]
    public void PgmP5DecodesExactlyAsGreyAndAsReplicatedRgb()
    {
        var path = WritePgm(Path.Combine(TestPaths.NewTempFolder(), "1.pgm"), 4, 3, (x, y) => (byte)(x * 60 + y));
        var grey = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: null, Channels: 1));
        Assert.Equal(new byte[] { 0, 60, 120, 180, 1, 61, 121, 181, 2, 62, 122, 182 }, grey.Pixels);
        var rgb = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: null, Channels: 3));
        Assert.Equal(grey.Pixels.Concat(grey.Pixels).Concat(grey.Pixels), rgb.Pixels);
    }

    [Fact]
    public void CentreCropKeepsTheMiddleSquare()
    {
        // 6×4: the centre 4×4 square is columns 1..4; columns 0 and 5 are red and must disappear.
        var path = WriteRgb(Path.Combine(TestPaths.NewTempFolder(), "a.png"), 6, 4,
            (x, y) => x is 0 or 5 ? new Rgb24(255, 0, 0) : new Rgb24((byte)(x * 10), (byte)(y * 10), 7));
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: 4));
        Assert.Equal((4, 4), (image.Height, image.Width));
        var r = image.Pixels[..16];
        Assert.Equal(new byte[] { 10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40 }, r);
        Assert.Equal(Enumerable.Repeat((byte)7, 16), image.Pixels[32..]);
    }

    [Fact]
    public void ResizeOfASolidColourKeepsTheColourAndTheSize()
    {
        var path = WriteSolid(Path.Combine(TestPaths.NewTempFolder(), "a.png"), 30, 20, 12, 34, 56);
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: 8));
        Assert.Equal((3, 8, 8), (image.Channels, image.Height, image.Width));
        Assert.All(image.Pixels[..64], v => Assert.Equal(12, v));
        Assert.All(image.Pixels[64..128], v => Assert.Equal(34, v));
        Assert.All(image.Pixels[128..], v => Assert.Equal(56, v));
    }

    [Fact]
    public void JpegDecodesCloseToItsColour()
    {
        var path = WriteSolid(Path.Combine(TestPaths.NewTempFolder(), "a.jpg"), 16, 16, 200, 100, 50);
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: 16));
        Assert.InRange(image.Pixels[0], 195, 205);
        Assert.InRange(image.Pixels[256], 95, 105);
        Assert.InRange(image.Pixels[512], 45, 55);
    }

    // ---- bad input -----------------------------------------------------------------------------

    [Fact]
    public void CorruptFileIsADataExceptionNamingIt()
    {
        var folder = TestPaths.NewTempFolder();
        var garbage = Path.Combine(folder, "garbage.jpg");
        File.WriteAllText(garbage, "this is not a JPEG");
        var e = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(garbage, new ImageLoadOptions()));
        Assert.Equal(garbage, e.Path);
        Assert.Contains("garbage.jpg", e.Message);

        var png = WriteRgb(Path.Combine(folder, "cut.png"), 32, 32, (x, y) => new Rgb24((byte)(x * 7 + y), (byte)(y * 5), (byte)(x ^ y)));
        var bytes = File.ReadAllBytes(png);
        File.WriteAllBytes(png, bytes[..(bytes.Length / 2)]);
        var cut = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(png, new ImageLoadOptions()));
        Assert.Contains("cut.png", cut.Message);
    }

    [Fact]
    public void UnsupportedExtensionIsRefused()
    {
        var gif = Path.Combine(TestPaths.NewTempFolder(), "a.gif");
        File.WriteAllText(gif, "GIF89a");
        var e = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(gif, new ImageLoadOptions()));
        Assert.Contains("a.gif", e.Message);
        Assert.Contains("unsupported file type '.gif'", e.Message);
    }

    [Fact]
    public void OversizeImageIsRefusedFromItsHeaderBeforeDecoding()
    {
        // A PGM header claiming 100000×100000 pixels with only 10 bytes of data: decoding would fail or
        // allocate 10 GB; the guard must refuse it from the header alone.
        var path = Path.Combine(TestPaths.NewTempFolder(), "huge.pgm");
        File.WriteAllBytes(path, [.. System.Text.Encoding.ASCII.GetBytes("P5\n100000 100000\n255\n"), .. new byte[10]]);
        var e = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(path, new ImageLoadOptions()));
        Assert.Contains("huge.pgm", e.Message);
        Assert.Contains("100000×100000", e.Message);
        Assert.Contains("refused before decoding", e.Message);

        var small = WriteSolid(Path.Combine(TestPaths.NewTempFolder(), "b.png"), 100, 100, 1, 2, 3);
        Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(small, new ImageLoadOptions(MaxImagePixels: 9_999)));
        Assert.Equal(100, ImageTransforms.DecodeFile(small, new ImageLoadOptions(ImageSize: null, MaxImagePixels: 10_000)).Width);
    }

    // ---- identity folders ----------------------------------------------------------------------

    static string IdentityFixture()
    {
        var root = TestPaths.NewTempFolder();
        // s10 and s2 are written so that an ordinal sort would put s10 first.
        foreach (var (id, value) in new[] { ("s10", (byte)100), ("s2", (byte)20), ("s1", (byte)10) })
            for (int k = 1; k <= 2; k++)
                WriteSolid(Path.Combine(root, id, $"{k}.png"), 5, 5, value, (byte)k, 0);
        File.WriteAllText(Path.Combine(root, "s1", ".DS_Store"), "hidden files are ignored");
        return root;
    }

    [Fact]
    public void IdentityFoldersAreClassesInNaturalOrder()
    {
        var root = IdentityFixture();
        var report = new LoadReport();
        using var data = IdentityFolderLoader.Load(root, Options(size: 4), report);
        Assert.Equal(["s1", "s2", "s10"], data.ClassNames);
        Assert.Equal([0, 0, 1, 1, 2, 2], data.LabelArray());
        Assert.Equal(new long[] { 6, 3, 4, 4 }, data.Images.shape);
        Assert.Equal(10, ImageBytes(data, 0)[0]);
        Assert.Equal(20, ImageBytes(data, 2)[0]);
        Assert.Equal(100, ImageBytes(data, 5)[0]);
        Assert.Equal(2, ImageBytes(data, 5)[16]); // G plane = image index k
        Assert.EndsWith(Path.Combine("s10", "2.png"), data.Sources[5]);
        Assert.Equal(6, report.Loaded);
        Assert.Empty(report.Skipped);
    }

    [Fact]
    public void NaturalOrderComparesDigitRunsByValue()
    {
        string[] names = ["s10", "s2", "s1", "s01", "a100b", "a20b", "x"];
        Assert.Equal(["a20b", "a100b", "s01", "s1", "s2", "s10", "x"], names.Order(NaturalOrder.Instance));
    }

    [Fact]
    public void UnsupportedFileInAnIdentityFolderFailsOrIsSkipped()
    {
        var root = IdentityFixture();
        var notes = Path.Combine(root, "s2", "notes.txt");
        File.WriteAllText(notes, "not an image");
        var e = Assert.Throws<DataException>(() => IdentityFolderLoader.Load(root, Options(size: 4)));
        Assert.Equal(notes, e.Path);

        var report = new LoadReport();
        using var data = IdentityFolderLoader.Load(root, Options(size: 4, skipBad: true), report);
        Assert.Equal(6, data.Count);
        Assert.Equal(notes, Assert.Single(report.Skipped).Path);
    }

    [Fact]
    public void CorruptImageInAFolderFailsNamingItOrIsSkippedAndCounted()
    {
        var root = IdentityFixture();
        var bad = Path.Combine(root, "s2", "3.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var e = Assert.Throws<DataException>(() => IdentityFolderLoader.Load(root, Options(size: 4)));
        Assert.Equal(bad, e.Path);

        var report = new LoadReport();
        using var data = IdentityFolderLoader.Load(root, Options(size: 4, skipBad: true), report);
        Assert.Equal(6, data.Count);
        Assert.Equal([0, 0, 1, 1, 2, 2], data.LabelArray());
        Assert.Equal(bad, Assert.Single(report.Skipped).Path);
        Assert.DoesNotContain(bad, data.Sources);
    }

    [Fact]
    public void FirstBadFileIsNamedWhateverTheThreadTiming()
    {
        var root = TestPaths.NewTempFolder();
        for (int i = 0; i < 40; i++) WriteSolid(Path.Combine(root, "p", $"{i}.png"), 4, 4, (byte)i, 0, 0);
        foreach (int i in new[] { 7, 30 }) File.WriteAllText(Path.Combine(root, "p", $"{i}.png"), "corrupt");
        for (int run = 0; run < 3; run++)
        {
            var e = Assert.Throws<DataException>(() => IdentityFolderLoader.Load(root, Options(size: 4) with { Threads = 2 }));
            Assert.EndsWith("7.png", e.Path);
        }
    }

    [Fact]
    public void EmptyOrMissingFolderIsADataException()
    {
        var empty = TestPaths.NewTempFolder();
        var e = Assert.Throws<DataException>(() => IdentityFolderLoader.Load(empty, Options()));
        Assert.Equal(empty, e.Path);
        Assert.Contains("no image files", e.Message);
        Directory.CreateDirectory(Path.Combine(empty, "person"));
        Assert.Throws<DataException>(() => IdentityFolderLoader.Load(empty, Options()));
        var missing = Path.Combine(empty, "nope");
        Assert.Equal(missing, Assert.Throws<DataException>(() => IdentityFolderLoader.Load(missing, Options())).Path);
        Assert.Equal(missing, Assert.Throws<DataException>(() => UtkFaceLoader.Load(missing, options: Options())).Path);
    }

    [Fact]
    public void NativeSizeNeedsOneSizeForAll()
    {
        var root = TestPaths.NewTempFolder();
        WriteSolid(Path.Combine(root, "a", "1.png"), 5, 7, 1, 1, 1);
        var odd = WriteSolid(Path.Combine(root, "a", "2.png"), 6, 7, 2, 2, 2);
        WriteSolid(Path.Combine(root, "b", "1.png"), 5, 7, 3, 3, 3);
        var e = Assert.Throws<DataException>(() => IdentityFolderLoader.Load(root, Options(size: null)));
        Assert.Equal(odd, e.Path);
        var report = new LoadReport();
        using var data = IdentityFolderLoader.Load(root, Options(size: null, skipBad: true), report);
        Assert.Equal(new long[] { 2, 3, 7, 5 }, data.Images.shape);
        Assert.Equal(odd, Assert.Single(report.Skipped).Path);
    }

    [Fact]
    public void MaxImagesSpreadsOverTheSortedFilesAndProgressReachesTheTotal()
    {
        var root = TestPaths.NewTempFolder();
        for (int id = 0; id < 4; id++)
            for (int k = 0; k < 5; k++)
                WriteSolid(Path.Combine(root, $"p{id}", $"{k}.png"), 4, 4, (byte)(id * 10 + k), 0, 0);
        var reports = new List<ProgressReport>();
        var progress = new SynchronousProgress(reports);
        using var data = IdentityFolderLoader.Load(root, Options(size: 4) with { MaxImages = 4 }, null, progress);
        // indices ⌊i·20/4⌋ = 0, 5, 10, 15: the first image of every identity.
        Assert.Equal([0, 1, 2, 3], data.LabelArray());
        Assert.Equal([0, 10, 20, 30], Enumerable.Range(0, 4).Select(i => (int)ImageBytes(data, i)[0]));
        Assert.Equal(4, reports[^1].Done);
        Assert.Equal(4, reports[^1].Total);
        Assert.Equal("images", reports[^1].Unit);
    }

    sealed class SynchronousProgress(List<ProgressReport> sink) : IProgress<ProgressReport>
    {
        public void Report(ProgressReport value) { lock (sink) sink.Add(value); }
    }

    // ---- AT&T, UTKFace and CelebA name layouts --------------------------------------------------

    [Fact]
    public void AttLayoutGivesSubjectsAndImageIndicesInNaturalOrder()
    {
        var root = TestPaths.NewTempFolder();
        foreach (int s in new[] { 1, 2, 10 })
            foreach (int m in new[] { 1, 2, 10 })
                WritePgm(Path.Combine(root, $"s{s}", $"{m}.pgm"), 3, 4, (x, y) => (byte)(s * 10 + m));
        File.WriteAllText(Path.Combine(root, "README"), "root files are not images of the set");
        using var data = AttFacesLoader.Load(root, Options(size: null, channels: 1));
        Assert.Equal(["s1", "s2", "s10"], data.ClassNames);
        Assert.Equal([1, 1, 1, 2, 2, 2, 10, 10, 10], data.Attributes["subject"]);
        Assert.Equal([1, 2, 10, 1, 2, 10, 1, 2, 10], data.Attributes["image"]);
        Assert.Equal(new long[] { 9, 1, 4, 3 }, data.Images.shape);
        Assert.Equal(Enumerable.Repeat((byte)102, 12), ImageBytes(data, 7)); // s10/2.pgm
    }

    [Fact]
    public void AttMalformedNameFailsOrIsSkipped()
    {
        var root = TestPaths.NewTempFolder();
        WritePgm(Path.Combine(root, "s1", "1.pgm"), 3, 4, (_, _) => 5);
        var bad = WritePgm(Path.Combine(root, "s1", "one.pgm"), 3, 4, (_, _) => 6);
        var e = Assert.Throws<DataException>(() => AttFacesLoader.Load(root, Options(size: null, channels: 1)));
        Assert.Equal(bad, e.Path);
        Assert.Contains("malformed AT&T name", e.Message);
        var report = new LoadReport();
        using var data = AttFacesLoader.Load(root, Options(size: null, channels: 1, skipBad: true), report);
        Assert.Equal(1, data.Count);
        Assert.Equal(bad, Assert.Single(report.Skipped).Path);
        Assert.Equal((3, 7), AttFacesLoader.ParseName(Path.Combine("x", "s3", "7.pgm")));
        Assert.Null(AttFacesLoader.ParseName(Path.Combine("x", "t3", "7.pgm")));
    }

    [Fact]
    public void UtkFaceNamesParseAndMalformedOnesAreReported()
    {
        Assert.Equal(new UtkFaceAttributes(26, 1, 2), UtkFaceLoader.ParseName("26_1_2_20170116174525125.jpg.chip.jpg").Attributes);
        Assert.Contains("3 fields", UtkFaceLoader.ParseName("61_1_20170109142408075.jpg.chip.jpg").Error);
        Assert.Contains("gender '3'", UtkFaceLoader.ParseName("61_3_0_20170109150557335.jpg.chip.jpg").Error);
        Assert.Contains("race '5'", UtkFaceLoader.ParseName("61_1_5_20170109150557335.jpg.chip.jpg").Error);
        Assert.Contains("age", UtkFaceLoader.ParseName("x_1_0_20170109150557335.jpg.chip.jpg").Error);
    }

    static string UtkFixture()
    {
        var root = TestPaths.NewTempFolder();
        WriteSolid(Path.Combine(root, "30_0_1_20170101000000001.jpg.chip.jpg"), 20, 20, 10, 10, 10);
        WriteSolid(Path.Combine(root, "5_1_4_20170101000000002.jpg.chip.jpg"), 20, 20, 20, 20, 20);
        WriteSolid(Path.Combine(root, "61_1_20170109142408075.jpg.chip.jpg"), 20, 20, 30, 30, 30);
        return root;
    }

    [Fact]
    public void UtkFaceAttributesAndLabelChoice()
    {
        var root = UtkFixture();
        var malformed = Path.Combine(root, "61_1_20170109142408075.jpg.chip.jpg");
        var e = Assert.Throws<DataException>(() => UtkFaceLoader.Load(root, options: Options(size: 8)));
        Assert.Equal(malformed, e.Path);
        Assert.Contains("malformed UTKFace name", e.Message);

        var report = new LoadReport();
        using var data = UtkFaceLoader.Load(root, UtkFaceLabel.Race, Options(size: 8, skipBad: true), report);
        // Natural order: 5_… before 30_….
        Assert.Equal([5, 30], data.Attributes["age"]);
        Assert.Equal([1, 0], data.Attributes["gender"]);
        Assert.Equal([4, 1], data.Attributes["race"]);
        Assert.Equal([4, 1], data.LabelArray());
        Assert.Equal(UtkFaceLoader.RaceNames, data.ClassNames);
        Assert.Equal(malformed, Assert.Single(report.Skipped).Path);

        using var byAge = UtkFaceLoader.Load(root, UtkFaceLabel.Age, Options(size: 8, skipBad: true));
        Assert.Equal([5, 30], byAge.LabelArray());
        Assert.Equal(31, byAge.ClassCount);
        using var byGender = UtkFaceLoader.Load(root, options: Options(size: 8, skipBad: true));
        Assert.Equal(["male", "female"], byGender.ClassNames);
        Assert.Equal([1, 0], byGender.LabelArray());
    }

    [Fact]
    public void CelebAIdentitiesComeFromTheIdentityFile()
    {
        var root = TestPaths.NewTempFolder();
        var images = Path.Combine(root, CelebALoader.ImageFolder);
        WriteSolid(Path.Combine(images, "000001.jpg"), 18, 22, 100, 100, 100);
        WriteSolid(Path.Combine(images, "000002.jpg"), 18, 22, 100, 100, 100);
        WriteSolid(Path.Combine(images, "000003.jpg"), 18, 22, 100, 100, 100);
        File.WriteAllText(Path.Combine(root, CelebALoader.IdentityFile), "000001.jpg 2880\n000002.jpg 17\n000003.jpg 2880\n");
        using var data = CelebALoader.Load(root, Options(size: 8));
        Assert.Equal(["17", "2880"], data.ClassNames);
        Assert.Equal([1, 0, 1], data.LabelArray());
        Assert.Equal([2880, 17, 2880], data.Attributes["identity"]);

        File.WriteAllText(Path.Combine(root, CelebALoader.IdentityFile), "000001.jpg 2880\n000002.jpg\n");
        var e = Assert.Throws<DataException>(() => CelebALoader.Load(root, Options(size: 8)));
        Assert.EndsWith($"{CelebALoader.IdentityFile}#2", e.Path);

        File.Delete(Path.Combine(root, CelebALoader.IdentityFile));
        var report = new LoadReport();
        using var unlabelled = CelebALoader.Load(root, Options(size: 8), report);
        Assert.Equal(["unknown"], unlabelled.ClassNames);
        Assert.Contains(report.Notes, n => n.Contains("not found"));
    }

    // ---- the decoded-tensor cache ---------------------------------------------------------------

    [Fact]
    public void SecondLoadReadsTheCacheAndEqualsTheFirst()
    {
        var root = IdentityFixture();
        var bad = Path.Combine(root, "s2", "bad.png");
        File.WriteAllText(bad, "corrupt");
        var options = Options(size: 4, skipBad: true, useCache: true);
        var first = new LoadReport();
        using var cold = IdentityFolderLoader.Load(root, options, first);
        var second = new LoadReport();
        using var warm = IdentityFolderLoader.Load(root, options, second);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.CachePath, second.CachePath);
        Assert.StartsWith(options.CacheFolder!, second.CachePath);
        Assert.True(Same(cold.Images, warm.Images));
        Assert.True(Same(cold.Labels, warm.Labels));
        Assert.Equal(cold.ClassNames, warm.ClassNames);
        Assert.Equal(cold.Sources, warm.Sources);
        Assert.Equal(first.Skipped, second.Skipped); // the skipped file is reported from the cache too
        Assert.Empty(Directory.GetFiles(options.CacheFolder!, "*.tmp"));
    }

    [Fact]
    public void ChangingAFileOrAnOptionInvalidatesTheCache()
    {
        var root = IdentityFixture();
        var options = Options(size: 4, useCache: true);
        using (IdentityFolderLoader.Load(root, options)) { }
        var target = Path.Combine(root, "s2", "1.png");
        WriteSolid(target, 5, 5, 77, 1, 0);
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(1));
        var report = new LoadReport();
        using var changed = IdentityFolderLoader.Load(root, options, report);
        Assert.False(report.FromCache);
        Assert.Equal(77, ImageBytes(changed, 2)[0]);

        using (IdentityFolderLoader.Load(root, options with { Channels = 1 }, report)) { }
        Assert.False(report.FromCache);
        using (IdentityFolderLoader.Load(root, options with { Threads = 1 }, report)) { }
        Assert.True(report.FromCache); // threads do not change the result
    }

    [Fact]
    public void UnreadableCacheFileIsDecodedAgain()
    {
        var root = IdentityFixture();
        var options = Options(size: 4, useCache: true);
        var report = new LoadReport();
        using (IdentityFolderLoader.Load(root, options, report)) { }
        File.WriteAllBytes(report.CachePath!, File.ReadAllBytes(report.CachePath!)[..100]);
        using var data = IdentityFolderLoader.Load(root, options, report);
        Assert.False(report.FromCache);
        Assert.Equal(6, data.Count);
        Assert.Contains(report.Notes, n => n.Contains("unreadable"));
        using (IdentityFolderLoader.Load(root, options, report)) { }
        Assert.True(report.FromCache);
    }

    [Fact]
    public void PgmRasterStartingWithHashOrBlankIsReadAsPixelsNotAsAComment()
    {
        // P5 allows exactly one whitespace byte after the maximum value; the raster may start with any byte.
        var folder = TestPaths.NewTempFolder();
        var pixels = new byte[] { (byte)'#', (byte)' ', 10, 200, (byte)'\n', 0 };
        var path = Path.Combine(folder, "hash.pgm");
        File.WriteAllBytes(path, [.. "P5\n# a comment in the header\n3 2\n255\n"u8.ToArray(), .. pixels]);
        var image = ImageTransforms.DecodeFile(path, new ImageLoadOptions(ImageSize: null, Channels: 1, UseCache: false));
        Assert.Equal((1, 2, 3), (image.Channels, image.Height, image.Width));
        Assert.Equal(pixels, image.Pixels);
        // ASCII P2 with 16-bit maximum scales to 0..255; a truncated P5 names the file.
        File.WriteAllText(Path.Combine(folder, "ascii.pgm"), "P2\n2 1\n65535\n0 65535\n");
        Assert.Equal(new byte[] { 0, 255 }, ImageTransforms.DecodeFile(Path.Combine(folder, "ascii.pgm"), new ImageLoadOptions(ImageSize: null, Channels: 1)).Pixels);
        File.WriteAllBytes(Path.Combine(folder, "short.pgm"), "P5\n4 4\n255\n\u0001\u0002"u8.ToArray());
        var e = Assert.Throws<DataException>(() => ImageTransforms.DecodeFile(Path.Combine(folder, "short.pgm"), new ImageLoadOptions(ImageSize: null, Channels: 1)));
        Assert.Contains("short.pgm", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    // ---- the real data in ../shared/data ---------------------------------------------------------

    [SharedDataFact("att_faces")]
    public void RealAttFaces400Images40Identities10Each()
    {
        var report = new LoadReport();
        using var data = AttFacesLoader.Load(TestPaths.AttFaces, Options(size: null, channels: 1), report);
        output.WriteLine(report.ToString());
        Assert.Equal(400, data.Count);
        Assert.Equal(40, data.ClassCount);
        Assert.Equal(["s1", "s2", "s3"], data.ClassNames.Take(3));
        Assert.Equal("s10", data.ClassNames[9]);
        Assert.All(data.LabelArray().GroupBy(l => l), g => Assert.Equal(10, g.Count()));
        Assert.Equal(new long[] { 400, 1, 112, 92 }, data.Images.shape);
        Assert.Empty(report.Skipped);
        // Native grey load = every PGM's raw bytes (P5 header then 92×112 bytes) — including the 7 files whose
        // raster starts with '#' or a blank, which ImageSharp 2.1 misread as black images.
        for (int i = 0; i < data.Count; i++)
        {
            var raw = File.ReadAllBytes(data.Sources[i]);
            Assert.True(raw[^(92 * 112)..].AsSpan().SequenceEqual(ImageBytes(data, i)), $"{data.Sources[i]} differs from its raw bytes");
        }
        Assert.Equal(Enumerable.Range(1, 10), data.Attributes["image"].Take(10));
    }

    [SharedDataFact("utkface")]
    public void RealUtkFaceNamesCountParsedAndMalformed()
    {
        var files = Directory.GetFiles(Path.Combine(TestPaths.UtkFace, "crop_part1"));
        var malformed = files.Where(f => UtkFaceLoader.ParseName(f).Error is not null).Select(f => Path.GetFileName(f)!).Order().ToArray();
        output.WriteLine($"{files.Length} files, {files.Length - malformed.Length} well-formed, malformed: {string.Join(", ", malformed)}");
        Assert.Equal(9780, files.Length);
        Assert.Equal(["61_1_20170109142408075.jpg.chip.jpg", "61_3_20170109150557335.jpg.chip.jpg"], malformed);
    }

    /// <summary>Decodes all 9,780 UTKFace JPEGs at 64×64 RGB into a fresh cache (cold), then loads again (cached).
    /// About 30 s on the 2-core machine; prints both timings.</summary>
    [SharedDataFact("utkface")]
    public void RealUtkFaceFullLoadColdThenCached()
    {
        var folder = Path.Combine(TestPaths.UtkFace, "crop_part1");
        var cacheFolder = TestPaths.NewTempFolder("facegen-cache");
        var options = new ImageLoadOptions(ImageSize: 64, Channels: 3, SkipBad: true, CacheFolder: cacheFolder);
        try
        {
            var cold = new LoadReport();
            using var first = UtkFaceLoader.Load(folder, options: options, report: cold);
            var cached = new LoadReport();
            using var second = UtkFaceLoader.Load(folder, options: options, report: cached);
            output.WriteLine($"cold:   {cold} ({Environment.ProcessorCount} threads)");
            output.WriteLine($"cached: {cached}; cache file {new FileInfo(cached.CachePath!).Length / 1e6:F1} MB");
            Assert.Equal(9778, first.Count);
            Assert.Equal(2, cold.Skipped.Count);
            Assert.Equal(new long[] { 9778, 3, 64, 64 }, first.Images.shape);
            Assert.False(cold.FromCache);
            Assert.True(cached.FromCache);
            Assert.Equal(cold.Skipped, cached.Skipped);
            Assert.True(Same(first.Images, second.Images));
            Assert.Equal(first.Attributes["race"], second.Attributes["race"]);
        }
        finally
        {
            Directory.Delete(cacheFolder, recursive: true); // 121 MB
        }
    }
}
