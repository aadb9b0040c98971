using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FaceGen.Data;
using static FaceGen.Tests.DataFixtures;

namespace FaceGen.Tests;

/// <summary>IDX (MNIST / Fashion-MNIST), NPY and CIFAR-10 files written byte by byte.</summary>
public class IdxNpyTests
{
    // ---- IDX -----------------------------------------------------------------------------------

    static byte[] Idx(int[] shape, byte[] data, byte type = 0x08)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)shape.Length };
        foreach (int d in shape)
        {
            var be = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(be, d);
            bytes.AddRange(be);
        }
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(data);
        return output.ToArray();
    }

    /// <summary>Three 2×2 images with pixel values 10·i + p, labels 2, 0, 9.</summary>
    static (string Images, string Labels) WriteIdxPair(string folder, string prefix, bool gzip)
    {
        var pixels = Enumerable.Range(0, 3).SelectMany(i => Enumerable.Range(0, 4).Select(p => (byte)(10 * i + p))).ToArray();
        var images = Idx([3, 2, 2], pixels);
        var labels = Idx([3], [2, 0, 9]);
        string suffix = gzip ? ".gz" : "";
        string imagesPath = Path.Combine(folder, $"{prefix}-images-idx3-ubyte{suffix}");
        string labelsPath = Path.Combine(folder, $"{prefix}-labels-idx1-ubyte{suffix}");
        File.WriteAllBytes(imagesPath, gzip ? Gzip(images) : images);
        File.WriteAllBytes(labelsPath, gzip ? Gzip(labels) : labels);
        return (imagesPath, labelsPath);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxPairLoadsExactValuesPlainOrGzipped(bool gzip)
    {
        var (images, labels) = WriteIdxPair(TestPaths.NewTempFolder(), "train", gzip);
        Assert.Equal([3, 2, 2], IdxFile.Read(images).Shape);
        using var data = IdxLoader.Load(images, labels, options: Options(channels: 1));
        Assert.Equal(new long[] { 3, 1, 2, 2 }, data.Images.shape);
        Assert.Equal(new byte[] { 20, 21, 22, 23 }, ImageBytes(data, 2));
        Assert.Equal([2, 0, 9], data.LabelArray());
        Assert.Equal(10, data.ClassCount); // "0" … "9"
        Assert.Equal($"{images}#1", data.Sources[1]);
    }

    [Fact]
    public void FashionMnistFolderPartsAndClassNames()
    {
        var folder = TestPaths.NewTempFolder();
        WriteIdxPair(folder, "train", gzip: true);
        WriteIdxPair(folder, "t10k", gzip: false);
        using var train = IdxLoader.LoadFashionMnist(folder, DatasetPart.Train, Options(channels: 1));
        using var all = IdxLoader.LoadFashionMnist(folder, DatasetPart.All, Options(channels: 1));
        Assert.Equal(3, train.Count);
        Assert.Equal(6, all.Count);
        Assert.Equal("Ankle boot", train.ClassNames[9]);
        Assert.Equal("T-shirt/top", train.ClassNames[train.LabelArray()[1]]);
        // grey → RGB replicates; resizing a 2×2 image to 4×4 keeps the shape contract.
        using var rgb = IdxLoader.LoadFashionMnist(folder, DatasetPart.Test, Options(size: 4, channels: 3));
        Assert.Equal(new long[] { 3, 3, 4, 4 }, rgb.Images.shape);
        var e = Assert.Throws<DataException>(() => IdxLoader.LoadFashionMnist(TestPaths.NewTempFolder(), DatasetPart.Train, Options()));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }

    [Fact]
    public void TruncatedOrForeignIdxIsADataExceptionNamingTheFile()
    {
        var folder = TestPaths.NewTempFolder();
        var truncated = Path.Combine(folder, "cut-images-idx3-ubyte");
        File.WriteAllBytes(truncated, Idx([3, 2, 2], new byte[11]));
        var e = Assert.Throws<DataException>(() => IdxFile.Read(truncated));
        Assert.Equal(truncated, e.Path);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("12 bytes", e.Message);

        var gz = Path.Combine(folder, "cut.gz");
        File.WriteAllBytes(gz, Gzip(Idx([3, 2, 2], new byte[12]))[..20]);
        Assert.Equal(gz, Assert.Throws<DataException>(() => IdxFile.Read(gz)).Path);

        var floats = Path.Combine(folder, "float-idx");
        File.WriteAllBytes(floats, Idx([1], new byte[4], type: 0x0D));
        Assert.Contains("0x0D", Assert.Throws<DataException>(() => IdxFile.Read(floats)).Message);

        var text = Path.Combine(folder, "text");
        File.WriteAllText(text, "hello");
        Assert.Contains("not an IDX file", Assert.Throws<DataException>(() => IdxFile.Read(text)).Message);

        var (images, _) = WriteIdxPair(folder, "x", gzip: false);
        var labels = Path.Combine(folder, "short-labels");
        File.WriteAllBytes(labels, Idx([2], [1, 2]));
        Assert.Equal(labels, Assert.Throws<DataException>(() => IdxLoader.Load(images, labels, options: Options(channels: 1))).Path);
    }

    // ---- NPY -----------------------------------------------------------------------------------

    /// <summary>A version-1.0 .npy file: magic, version, uint16 header length, the dict padded with spaces
    /// to a multiple of 64 bytes ending in '\n', then the data.</summary>
    static byte[] Npy(string descr, string shape, byte[] data, string fortran = "False")
    {
        string dict = $"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({shape}), }}";
        int total = 10 + dict.Length + 1;
        dict = dict.PadRight(dict.Length + (64 - total % 64) % 64) + "\n";
        var header = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        header.AddRange(BitConverter.GetBytes((ushort)dict.Length));
        header.AddRange(Encoding.ASCII.GetBytes(dict));
        Assert.Equal(0, header.Count % 64);
        return [.. header, .. data];
    }

    static byte[] Floats(params float[] values) => values.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void NpyHeaderAndValuesParse()
    {
        var path = Path.Combine(TestPaths.NewTempFolder(), "a.npy");
        File.WriteAllBytes(path, Npy("<f8", "2, 3", new[] { 0.0, 0.5, 1, 2, 3, -4 }.SelectMany(BitConverter.GetBytes).ToArray()));
        var array = NpyFile.Read(path);
        Assert.Equal("f8", array.DType);
        Assert.Equal(new long[] { 2, 3 }, array.Shape);
        Assert.Equal(new[] { 0.0, 0.5, 1, 2, 3, -4 }, array.ToDoubles());
        Assert.Throws<InvalidDataException>(() => array.ToInt64());

        File.WriteAllBytes(path, Npy("<i8", "3,", new long[] { 7, -1, 1L << 40 }.SelectMany(BitConverter.GetBytes).ToArray()));
        Assert.Equal(new long[] { 7, -1, 1L << 40 }, NpyFile.Read(path).ToInt64());
    }

    [Fact]
    public void AHugeLabelWithoutClassNamesIsRefusedBeforeAnythingIsBuilt()
    {
        // A 200-byte labels file holding 2,000,000,000 once made the loader build two billion class names (15.7 GB).
        var folder = TestPaths.NewTempFolder();
        var faces = Path.Combine(folder, "faces.npy");
        var target = Path.Combine(folder, "target.npy");
        File.WriteAllBytes(faces, Npy("<f4", "2, 2, 2", Floats(0, 0, 0, 0, 0, 0, 0, 0)));
        File.WriteAllBytes(target, Npy("<i8", "2,", new long[] { 0, 2_000_000_000 }.SelectMany(BitConverter.GetBytes).ToArray()));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataException>(() => NpyLoader.Load(faces, target, "huge", options: Options(channels: 1)));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 50_000_000);
        Assert.Contains(target, e.Message);
        Assert.Contains("label 2000000000 at index 1 is outside 0..99999", e.Message);
    }

    [Fact]
    public void OlivettiStyleFloatFacesAndIntTargets()
    {
        var folder = TestPaths.NewTempFolder();
        var faces = Path.Combine(folder, "faces.npy");
        var target = Path.Combine(folder, "target.npy");
        // (2, 2, 2) float32 in [0, 1]: round(255·x) → 0, 128 (127.5 rounds up), 255, 26 (25.5 up), …
        File.WriteAllBytes(faces, Npy("<f4", "2, 2, 2", Floats(0f, 0.5f, 1f, 0.1f, 0.2f, 0.3f, 0.4f, 0.6f)));
        File.WriteAllBytes(target, Npy("<i4", "2,", new[] { 1, 0 }.SelectMany(BitConverter.GetBytes).ToArray()));
        using var data = NpyLoader.Load(faces, target, "olivetti", options: Options(channels: 1));
        Assert.Equal(new long[] { 2, 1, 2, 2 }, data.Images.shape);
        Assert.Equal(new byte[] { 0, 128, 255, 26 }, ImageBytes(data, 0));
        Assert.Equal(new byte[] { 51, 77, 102, 153 }, ImageBytes(data, 1));
        Assert.Equal([1, 0], data.LabelArray());
        Assert.Equal(["0", "1"], data.ClassNames);
        Assert.Equal("olivetti", data.Name);
    }

    [Fact]
    public void NpyUint8ChannelsLastBecomesChannelMajor()
    {
        var path = Path.Combine(TestPaths.NewTempFolder(), "rgb.npy");
        // one 1×2 RGB image, (N, H, W, C) = (1, 1, 2, 3): pixels (1,2,3) and (4,5,6).
        File.WriteAllBytes(path, Npy("|u1", "1, 1, 2, 3", [1, 2, 3, 4, 5, 6]));
        var report = new LoadReport();
        using var data = NpyLoader.Load(path, options: Options(channels: 3), report: report);
        Assert.Equal(new byte[] { 1, 4, 2, 5, 3, 6 }, ImageBytes(data, 0));
        Assert.Equal(["unlabelled"], data.ClassNames);
        Assert.Contains(report.Notes, n => n.Contains("no labels file"));
    }

    [Fact]
    public void BadNpyFilesAreDataExceptionsNamingTheFile()
    {
        var folder = TestPaths.NewTempFolder();
        string Write(string name, byte[] bytes) { var p = Path.Combine(folder, name); File.WriteAllBytes(p, bytes); return p; }

        var truncated = Write("cut.npy", Npy("<f4", "2, 2, 2", Floats(0, 0, 0)));
        var e = Assert.Throws<DataException>(() => NpyFile.Read(truncated));
        Assert.Equal(truncated, e.Path);
        Assert.Contains("truncated", e.Message);

        var headerCut = Write("head.npy", Npy("<f4", "1,", Floats(0))[..30]);
        Assert.Contains("truncated", Assert.Throws<DataException>(() => NpyFile.Read(headerCut)).Message);

        var fortran = Write("f.npy", Npy("<f4", "1, 1, 1", Floats(0), fortran: "True"));
        Assert.Contains("Fortran", Assert.Throws<DataException>(() => NpyFile.Read(fortran)).Message);

        var bigEndian = Write("be.npy", Npy(">f4", "1, 1, 1", Floats(0)));
        Assert.Contains("big-endian", Assert.Throws<DataException>(() => NpyFile.Read(bigEndian)).Message);

        var complex = Write("c.npy", Npy("<c8", "1,", new byte[8]));
        Assert.Contains("'<c8' is not supported", Assert.Throws<DataException>(() => NpyFile.Read(complex)).Message);

        var outOfRange = Write("range.npy", Npy("<f4", "1, 1, 2", Floats(0.5f, 2f)));
        var range = Assert.Throws<DataException>(() => NpyLoader.Load(outOfRange, options: Options(channels: 1)));
        Assert.Equal(outOfRange, range.Path);
        Assert.Contains("[0, 1]", range.Message);

        var text = Write("t.npy", Encoding.ASCII.GetBytes("just text"));
        Assert.Contains("not a NumPy", Assert.Throws<DataException>(() => NpyFile.Read(text)).Message);
    }

    // ---- CIFAR-10 ------------------------------------------------------------------------------

    /// <summary>Records with label l and every R byte = 10·l + i, G = 100, B = i (i = record index).</summary>
    static byte[] CifarRecords(params byte[] labels)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < labels.Length; i++)
        {
            bytes.Add(labels[i]);
            bytes.AddRange(Enumerable.Repeat((byte)(10 * labels[i] + i), 1024));
            bytes.AddRange(Enumerable.Repeat((byte)100, 1024));
            bytes.AddRange(Enumerable.Repeat((byte)i, 1024));
        }
        return bytes.ToArray();
    }

    static string CifarFolder()
    {
        var folder = TestPaths.NewTempFolder();
        for (int b = 1; b <= 5; b++) File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), CifarRecords((byte)(b - 1), 9));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), CifarRecords(3));
        return folder;
    }

    [Fact]
    public void CifarRecordsLoadExactly()
    {
        var folder = CifarFolder();
        using var train = Cifar10Loader.Load(folder, DatasetPart.Train, Options(channels: 3));
        Assert.Equal(new long[] { 10, 3, 32, 32 }, train.Images.shape);
        Assert.Equal([0, 9, 1, 9, 2, 9, 3, 9, 4, 9], train.LabelArray());
        var second = ImageBytes(train, 3); // data_batch_2 record 1: label 9
        Assert.Equal(91, second[0]);
        Assert.Equal(100, second[1024]);
        Assert.Equal(1, second[3071]);
        Assert.Equal("truck", train.ClassNames[9]);
        using var test = Cifar10Loader.Load(folder, DatasetPart.Test, Options(channels: 1));
        // grey = BT.601 luminance of (30, 100, 0): 0.299·30 + 0.587·100 = 67.67 → 68
        Assert.Equal(new long[] { 1, 1, 32, 32 }, test.Images.shape);
        Assert.Equal(68, ImageBytes(test, 0)[0]);
        using var all = Cifar10Loader.Load(folder, DatasetPart.All, Options());
        Assert.Equal(11, all.Count);
    }

    [Fact]
    public void TruncatedCifarOrBadLabelFailsOrIsSkipped()
    {
        var folder = CifarFolder();
        var test = Path.Combine(folder, "test_batch.bin");
        File.WriteAllBytes(test, [.. CifarRecords(3, 12, 4), .. new byte[100]]);
        var e = Assert.Throws<DataException>(() => Cifar10Loader.Load(folder, DatasetPart.Test, Options()));
        Assert.Equal(test, e.Path);
        Assert.Contains("truncated", e.Message);

        var report = new LoadReport();
        using var data = Cifar10Loader.Load(folder, DatasetPart.Test, Options(skipBad: true), report);
        Assert.Equal([3, 4], data.LabelArray());
        Assert.Equal([test, $"{test}#1"], report.Skipped.Select(s => s.Path));
        Assert.Contains("label byte 12", report.Skipped[1].Reason);

        File.Delete(test);
        Assert.Equal(test, Assert.Throws<DataException>(() => Cifar10Loader.Load(folder, DatasetPart.Test, Options())).Path);
    }
}
