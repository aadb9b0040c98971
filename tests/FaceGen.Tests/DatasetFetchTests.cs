using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using FaceGen.Data;
using FaceGen.Data.Fetch;
using FaceGen.Runtime;

namespace FaceGen.Tests;

/// <summary>
/// <c>facegen data fetch</c> against a loopback HTTP server (127.0.0.1, a port the system picks) serving small
/// fixtures built here. The real catalog entries are used with only their address (and, where the fixture is not
/// the real file, their checksum) replaced, so that the real layout rules are what is tested.
/// </summary>
public sealed class DatasetFetchTests : IDisposable
{
    readonly string root = TestPaths.NewTempFolder("facegen-fetch");
    readonly HttpClient http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose()
    {
        http.Dispose();
        Directory.Delete(root, recursive: true);
    }

    // ---- catalog ------------------------------------------------------------------------------------------------

    [Fact]
    public void EveryCatalogEntryHasAnHttpsAddressAndAPublishedChecksumOrAnExplicitNone()
    {
        Assert.Equal(["att_faces", "lfw", "celeba", "cifar10"], DatasetCatalog.All.Select(e => e.Name));
        foreach (var entry in DatasetCatalog.All)
        {
            Assert.NotEmpty(entry.Files);
            Assert.NotEmpty(entry.ExpectedPaths);
            foreach (var file in entry.Files)
            {
                Assert.StartsWith("https://", file.Url);
                Assert.False(string.IsNullOrWhiteSpace(file.Checksum.Source), $"{file.FileName}: say where the checksum is published, or why none is");
                int digits = file.Checksum.Kind switch { HashKind.Sha256 => 64, HashKind.Md5 => 32, _ => 0 };
                Assert.Equal(digits, file.Checksum.Hex.Length);
                Assert.Matches("^[0-9a-f]*$", file.Checksum.Hex);
            }
        }
        // The issue asks for SHA-256: every entry that has a published digest uses SHA-256.
        Assert.All(DatasetCatalog.All.SelectMany(e => e.Files).Where(f => f.Checksum.IsPublished),
            f => Assert.Equal(HashKind.Sha256, f.Checksum.Kind));
        Assert.Equal(HashKind.None, DatasetCatalog.AttFaces.Files[0].Checksum.Kind);
    }

    [Fact]
    public void UnknownNameIsRejectedWithTheKnownNames()
    {
        var e = Assert.Throws<DataException>(() => DatasetCatalog.Find("mnist"));
        Assert.Equal("mnist", e.Path);
        foreach (var name in new[] { "att_faces", "lfw", "celeba", "cifar10" })
            Assert.Contains(name, e.Message);
        Assert.Same(DatasetCatalog.Cifar10, DatasetCatalog.Find(" CIFAR10 "));
        Assert.Same(DatasetCatalog.AttFaces, DatasetCatalog.Find("att"));   // the registry's name installs its set
    }

    // ---- successful installs --------------------------------------------------------------------------------------

    [Fact]
    public async Task ZipWithoutPublishedChecksumInstallsAsAttFacesAndWarnsWithTheSha256()
    {
        var (zip, pgm) = AttZipFixture();
        await using var server = new LoopbackServer { Files = { ["att_faces.zip"] = zip } };
        var entry = DatasetCatalog.AttFaces with
        {
            Files = [DatasetCatalog.AttFaces.Files[0] with { Url = server.Url("att_faces.zip") }],
        };
        var progress = new Collect();

        var result = await new DatasetFetcher(http).FetchAsync(entry, root, progress);

        var dest = Path.Combine(root, "att_faces");
        Assert.Equal(dest, result.Destination);
        Assert.False(result.AlreadyInstalled);
        // The archive's "att_faces/" wrapper is removed: sN/M.pgm sit right under the data set folder.
        Assert.Equal(40, Directory.GetDirectories(dest).Length);
        Assert.Equal(pgm(1, 1), File.ReadAllBytes(Path.Combine(dest, "s1", "1.pgm")));
        Assert.Equal(pgm(40, 10), File.ReadAllBytes(Path.Combine(dest, "s40", "10.pgm")));
        Assert.Equal(pgm(17, 4), File.ReadAllBytes(Path.Combine(dest, "s17", "4.pgm")));
        Assert.True(File.Exists(Path.Combine(dest, "README")));
        // Unverifiable: said loudly, with the digest computed.
        var sha = Sha256(zip);
        Assert.False(Assert.Single(result.Files).Verified);
        Assert.Equal(sha, result.Files[0].Sha256);
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("NO PUBLISHED CHECKSUM", warning);
        Assert.Contains(sha, warning);
        // Progress in bytes ends at the archive's size; nothing is left behind.
        var last = progress.Reports.Last(r => r.Task == "download att_faces.zip");
        Assert.Equal(("bytes", (long)zip.Length, (long)zip.Length), (last.Unit, last.Done, last.Total));
        Assert.False(Directory.Exists(Path.Combine(root, "downloads")));
        Assert.Equal(["att_faces"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public async Task TarGzInstallsAsCifar10BatchesWithVerifiedChecksum()
    {
        var batches = Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin").Append("test_batch.bin")
            .ToDictionary(n => n, n => Bytes(3073 * 2, n.GetHashCode()));
        var tgz = TarGz(batches.Select(kv => ($"cifar-10-batches-bin/{kv.Key}", kv.Value))
            .Append(("cifar-10-batches-bin/batches.meta.txt", "airplane\nautomobile\n"u8.ToArray())), withDirectory: "cifar-10-batches-bin/");
        await using var server = new LoopbackServer { Files = { ["c.tar.gz"] = tgz } };
        var real = DatasetCatalog.Cifar10.Files[0];
        var entry = DatasetCatalog.Cifar10 with
        {
            Files = [real with { Url = server.Url("c.tar.gz"), Checksum = Checksum.Sha256(Sha256(tgz), "test fixture"), Size = tgz.Length }],
        };

        var result = await new DatasetFetcher(http).FetchAsync(entry, root);

        var bin = Path.Combine(root, "cifar10", "cifar-10-batches-bin");
        foreach (var (name, bytes) in batches)
            Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(bin, name)));
        Assert.Equal("airplane\nautomobile\n", File.ReadAllText(Path.Combine(bin, "batches.meta.txt")));
        Assert.Equal(7, Directory.GetFiles(bin).Length);
        Assert.Equal(["cifar-10-batches-bin"], Directory.GetFileSystemEntries(Path.Combine(root, "cifar10")).Select(Path.GetFileName));
        Assert.True(Assert.Single(result.Files).Verified);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task GzFileIsDecompressedUnderItsNameWithoutGz()
    {
        var text = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(0, 500).Select(i => $"{i:D6}.jpg {i % 7}")));
        var gz = Gzip(text);
        await using var server = new LoopbackServer { Files = { ["labels.txt.gz"] = gz } };
        var entry = new CatalogEntry("labels", "labels", "test", "https://example.org",
            [new RemoteFile("labels.txt.gz", server.Url("labels.txt.gz"), Checksum.Sha256(Sha256(gz), "test fixture"))],
            ["labels.txt"]);

        await new DatasetFetcher(http).FetchAsync(entry, root);

        Assert.Equal(text, File.ReadAllBytes(Path.Combine(root, "labels", "labels.txt")));
    }

    [Fact]
    public async Task CelebAAsksForTheHandDownloadFirstThenInstallsBothFiles()
    {
        var jpg = (int n) => Bytes(300, n);
        var zip = Zip([("img_align_celeba/000001.jpg", jpg(1)), ("img_align_celeba/000002.jpg", jpg(2)),
            ("img_align_celeba/202599.jpg", jpg(202599))]);
        var identities = "000001.jpg 2880\n000002.jpg 2937\n202599.jpg 10101\n"u8.ToArray();
        await using var server = new LoopbackServer { Files = { ["img_align_celeba.zip"] = zip } };
        var real = DatasetCatalog.CelebA.Files;
        var entry = DatasetCatalog.CelebA with
        {
            Files =
            [
                real[0] with { Url = server.Url("img_align_celeba.zip"), Checksum = Checksum.Sha256(Sha256(zip), "test fixture"), Size = zip.Length },
                real[1] with { Checksum = Checksum.Sha256(Sha256(identities), "test fixture") },
            ],
        };
        var fetcher = new DatasetFetcher(http);
        var downloads = DatasetFetcher.DownloadsFolder(root, entry);

        // 1. identity_CelebA.txt is on Google Drive only: the fetch stops before downloading anything and says
        //    where to get the file and where to save it.
        var e = await Assert.ThrowsAsync<DataException>(() => fetcher.FetchAsync(entry, root));
        Assert.Contains("drive.google.com", e.Message);
        Assert.Contains(Path.Combine(downloads, "identity_CelebA.txt"), e.Message);
        Assert.Empty(server.Requests);
        Assert.False(Directory.Exists(Path.Combine(root, "celeba")));

        // 2. The user saves it there; the images are downloaded and both are installed.
        File.WriteAllBytes(Path.Combine(downloads, "identity_CelebA.txt"), identities);
        var result = await fetcher.FetchAsync(entry, root);

        var dest = Path.Combine(root, "celeba");
        Assert.Equal(jpg(202599), File.ReadAllBytes(Path.Combine(dest, "img_align_celeba", "202599.jpg")));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(dest, "img_align_celeba")).Length);
        Assert.Equal(identities, File.ReadAllBytes(Path.Combine(dest, "identity_CelebA.txt")));
        Assert.All(result.Files, f => Assert.True(f.Verified));
        // The downloaded zip is gone; the hand-downloaded file is kept.
        Assert.Equal(["identity_CelebA.txt"], Directory.GetFiles(downloads).Select(Path.GetFileName));
    }

    // ---- failures -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task ChecksumMismatchNamesFileAndDigestsAndInstallsNothing()
    {
        var body = Bytes(10_000, 1);
        var wrong = Sha256(Bytes(10_000, 2));
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body } };
        var entry = BlobEntry(server, Checksum.Sha256(wrong, "test"));

        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher(http).FetchAsync(entry, root));

        Assert.Contains("blob.bin", e.Message);
        Assert.Contains($"expected sha256 {wrong}", e.Message);
        Assert.Contains($"got sha256 {Sha256(body)}", e.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "blobs")));
        var downloads = DatasetFetcher.DownloadsFolder(root, entry);
        Assert.Empty(Directory.GetFiles(downloads)); // no .part, no final file
        Assert.DoesNotContain(Directory.GetDirectories(root), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public async Task InterruptedDownloadKeepsThePartAndTheNextRunResumesWithARangeRequest()
    {
        var body = Bytes(200_000, 3);
        const int cut = 70_001;
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body } };
        server.CutNextResponses.Enqueue(cut);
        var entry = BlobEntry(server, Checksum.Sha256(Sha256(body), "test"));
        var fetcher = new DatasetFetcher(http);
        var part = Path.Combine(DatasetFetcher.DownloadsFolder(root, entry), "blob.bin.part");

        var e = await Assert.ThrowsAsync<DataException>(() => fetcher.FetchAsync(entry, root));
        Assert.Contains("interrupted after 70,001 of 200,000 bytes", e.Message);
        Assert.Contains("run the fetch again to resume", e.Message);
        Assert.Equal(body[..cut], File.ReadAllBytes(part));
        Assert.False(Directory.Exists(Path.Combine(root, "blobs")));

        var result = await fetcher.FetchAsync(entry, root);

        Assert.Equal([null, $"bytes={cut}-"], server.Requests.Select(r => r.Range));
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(root, "blobs", "blob.bin")));
        Assert.True(result.Files[0].Verified);
        Assert.False(File.Exists(part));
    }

    [Fact]
    public async Task ServerIgnoringRangeRestartsFromTheFirstByte()
    {
        var body = Bytes(120_000, 4);
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body }, HonourRange = false };
        var entry = BlobEntry(server, Checksum.Sha256(Sha256(body), "test"));
        var downloads = DatasetFetcher.DownloadsFolder(root, entry);
        Directory.CreateDirectory(downloads);
        // A stale partial download whose bytes are NOT a prefix of the file: appending would corrupt it.
        File.WriteAllBytes(Path.Combine(downloads, "blob.bin.part"), Bytes(50_000, 99));

        await new DatasetFetcher(http).FetchAsync(entry, root);

        Assert.Equal("bytes=50000-", Assert.Single(server.Requests).Range);
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(root, "blobs", "blob.bin")));
    }

    [Fact]
    public async Task CompletePartFromAnEarlierRunIsVerifiedWithoutDownloadingAgain()
    {
        var body = Bytes(30_000, 6);
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body } };
        var entry = BlobEntry(server, Checksum.Sha256(Sha256(body), "test"));
        var downloads = DatasetFetcher.DownloadsFolder(root, entry);
        Directory.CreateDirectory(downloads);
        File.WriteAllBytes(Path.Combine(downloads, "blob.bin.part"), body); // every byte arrived, the rename did not

        await new DatasetFetcher(http).FetchAsync(entry, root);

        Assert.Equal("bytes=30000-", Assert.Single(server.Requests).Range); // answered 416 "bytes */30000"
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(root, "blobs", "blob.bin")));
    }

    [Fact]
    public async Task Md5IsVerifiedWhereAPublisherGivesOnlyMd5()
    {
        var body = "The quick brown fox jumps over the lazy dog"u8.ToArray();
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body } };
        // The well-known MD5 of this sentence; the wrong one is that of the same sentence ending in ".".
        var right = BlobEntry(server, Checksum.Md5("9e107d9d372bb6826bd81d3542a419d6", "RFC 1321"));
        var wrong = BlobEntry(server, Checksum.Md5("e4d909c290d0fb1ca068ffaddf22cbd0", "test"));

        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher(http).FetchAsync(wrong, root));
        Assert.Contains("expected md5 e4d909c290d0fb1ca068ffaddf22cbd0", e.Message);
        Assert.Contains("got md5 9e107d9d372bb6826bd81d3542a419d6", e.Message);
        var result = await new DatasetFetcher(http).FetchAsync(right, root);

        Assert.True(result.Files[0].Verified);
        Assert.Equal(Sha256(body), result.Files[0].Sha256);
        Assert.Equal(body, File.ReadAllBytes(Path.Combine(root, "blobs", "blob.bin")));
    }

    [Fact]
    public async Task StalledTransferIsInterruptedAndCancellationKeepsThePart()
    {
        var body = Bytes(100_000, 5);
        await using var server = new LoopbackServer { Files = { ["blob.bin"] = body } };
        var entry = BlobEntry(server, Checksum.Sha256(Sha256(body), "test"));
        var part = Path.Combine(DatasetFetcher.DownloadsFolder(root, entry), "blob.bin.part");

        server.StallNextResponses.Enqueue(30_000);
        var stalled = await Assert.ThrowsAsync<DataException>(() =>
            new DatasetFetcher(http, stallTimeout: TimeSpan.FromSeconds(1.5)).FetchAsync(entry, root));
        Assert.Contains("no data arrived for", stalled.Message);
        Assert.Equal(30_000, new FileInfo(part).Length);

        // Cancel only after the server has sent its 40,000 bytes (plus a second for the client to take them in:
        // the .part is written through a buffer, so its length on disk cannot be watched).
        server.StallNextResponses.Enqueue(40_000);
        using var cancel = new CancellationTokenSource();
        var fetch = new DatasetFetcher(http).FetchAsync(entry, root, ct: cancel.Token);
        Assert.True(await server.StallReached.WaitAsync(TimeSpan.FromSeconds(20)), "the server never reached its stall");
        await Task.Delay(TimeSpan.FromSeconds(1));
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch);
        Assert.Equal(body[..70_000], File.ReadAllBytes(part)); // resumed at 30,000, then 40,000 more
        Assert.False(Directory.Exists(Path.Combine(root, "blobs")));
    }

    [Fact]
    public async Task HttpErrorSaysTheStatusAndHowToDownloadByHand()
    {
        await using var server = new LoopbackServer();
        var entry = BlobEntry(server, Checksum.Sha256(new string('0', 64), "test"));

        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher(http).FetchAsync(entry, root));

        Assert.Contains("404", e.Message);
        Assert.Contains(Path.Combine(DatasetFetcher.DownloadsFolder(root, entry), "blob.bin"), e.Message);
    }

    [Fact]
    public async Task ExistingCompleteFolderIsNeverOverwritten()
    {
        var (zip, _) = AttZipFixture();
        await using var server = new LoopbackServer { Files = { ["att_faces.zip"] = zip } };
        var entry = DatasetCatalog.AttFaces with { Files = [DatasetCatalog.AttFaces.Files[0] with { Url = server.Url("att_faces.zip") }] };
        var dest = Path.Combine(root, "att_faces");
        foreach (var p in new[] { "s1/1.pgm", "s40/10.pgm" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dest, p))!);
            File.WriteAllText(Path.Combine(dest, p), "mine");
        }

        var result = await new DatasetFetcher(http).FetchAsync(entry, root);

        Assert.True(result.AlreadyInstalled);
        Assert.Contains("already installed", result.Message);
        Assert.Empty(server.Requests);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dest, "s1", "1.pgm")));
        Assert.Equal(2, Directory.GetDirectories(dest).Length);
    }

    [Fact]
    public async Task ExistingIncompleteFolderIsLeftUntouchedWithAnError()
    {
        await using var server = new LoopbackServer();
        var entry = DatasetCatalog.AttFaces with { Files = [DatasetCatalog.AttFaces.Files[0] with { Url = server.Url("att_faces.zip") }] };
        var dest = Path.Combine(root, "att_faces");
        Directory.CreateDirectory(Path.Combine(dest, "s1"));
        File.WriteAllText(Path.Combine(dest, "s1", "1.pgm"), "mine");

        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher(http).FetchAsync(entry, root));

        Assert.Equal(dest, e.Path);
        Assert.Contains("missing s40/10.pgm", e.Message);
        Assert.Contains("left untouched", e.Message);
        Assert.Empty(server.Requests);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(dest, "s1", "1.pgm")));
    }

    [Fact]
    public async Task ArchiveWithTheWrongLayoutIsNotInstalled()
    {
        var zip = Zip([("faces/person1/a.pgm", Bytes(10, 1)), ("faces/person2/b.pgm", Bytes(10, 2))]);
        await using var server = new LoopbackServer { Files = { ["att_faces.zip"] = zip } };
        var entry = DatasetCatalog.AttFaces with { Files = [DatasetCatalog.AttFaces.Files[0] with { Url = server.Url("att_faces.zip") }] };

        var e = await Assert.ThrowsAsync<DataException>(() => new DatasetFetcher(http).FetchAsync(entry, root));

        Assert.Contains("missing s1/1.pgm, s40/10.pgm", e.Message);
        Assert.Contains("found at the top: person1, person2", e.Message);
        Assert.Equal(["downloads"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(DatasetFetcher.DownloadsFolder(root, entry), "att_faces.zip")));
    }

    // ---- fixtures -------------------------------------------------------------------------------------------------

    static CatalogEntry BlobEntry(LoopbackServer server, Checksum checksum) =>
        new("blobs", "blobs", "test blob", "https://example.org",
            [new RemoteFile("blob.bin", server.Url("blob.bin"), checksum)], ["blob.bin"]);

    /// <summary>att_faces.zip as the lab packs it: a top folder with s1..s40/1..10.pgm and a README.</summary>
    static (byte[] Zip, Func<int, int, byte[]> Pgm) AttZipFixture()
    {
        // A 3×2 binary PGM (P5) whose pixels encode subject and image, so every file differs.
        static byte[] Pgm(int s, int m) => [.. "P5\n3 2\n255\n"u8, (byte)s, (byte)m, 0, 255, (byte)(s * m), 7];
        var entries = from s in Enumerable.Range(1, 40) from m in Enumerable.Range(1, 10)
                      select ($"att_faces/s{s}/{m}.pgm", Pgm(s, m));
        return (Zip([.. entries, ("att_faces/README", "AT&T faces"u8.ToArray())]), Pgm);
    }

    static byte[] Zip(IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create))
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(bytes);
            }
        return memory.ToArray();
    }

    static byte[] TarGz(IEnumerable<(string Name, byte[] Bytes)> entries, string withDirectory)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, withDirectory));
            foreach (var (name, bytes) in entries)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
        }
        return memory.ToArray();
    }

    static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return memory.ToArray();
    }

    static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Records reports synchronously (Progress&lt;T&gt; would post them later, on another thread).</summary>
    sealed class Collect : IProgress<ProgressReport>
    {
        public ConcurrentQueue<ProgressReport> Reports { get; } = new();
        public void Report(ProgressReport value) => Reports.Enqueue(value);
    }
}

/// <summary>
/// A minimal HTTP/1.1 file server on 127.0.0.1 (port chosen by the system), one request per connection. It honours
/// <c>Range: bytes=N-</c> unless told not to, can cut a response short (close the connection after a number of body
/// bytes) or stall it (send some bytes, then nothing), and stops by itself after 30 s at the latest.
/// </summary>
sealed class LoopbackServer : IAsyncDisposable
{
    readonly TcpListener listener = new(IPAddress.Loopback, 0);
    readonly CancellationTokenSource stop = new(TimeSpan.FromSeconds(30));
    readonly Task loop;

    public Dictionary<string, byte[]> Files { get; } = [];
    public bool HonourRange { get; init; } = true;
    /// <summary>For each of the next responses: close the connection after this many body bytes.</summary>
    public ConcurrentQueue<int> CutNextResponses { get; } = new();
    /// <summary>For each of the next responses: send this many body bytes, then nothing until the client gives up.</summary>
    public ConcurrentQueue<int> StallNextResponses { get; } = new();
    /// <summary>Released each time a stalling response has sent its bytes and starts to wait.</summary>
    public SemaphoreSlim StallReached { get; } = new(0);
    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    public LoopbackServer()
    {
        listener.Start();
        loop = Task.Run(AcceptLoopAsync);
    }

    public string Url(string name) => $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/{name}";

    async Task AcceptLoopAsync()
    {
        var handlers = new List<Task>();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                handlers.Add(Task.Run(() => ServeAsync(client)));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException) { }
        await Task.WhenAll(handlers);
    }

    async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var (path, range) = await ReadRequestAsync(stream);
            Requests.Enqueue((path, range));
            if (!Files.TryGetValue(path.TrimStart('/'), out var body))
            {
                await WriteAsync(stream, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            long from = HonourRange && range is { } r && r.StartsWith("bytes=") && r.EndsWith('-') ? long.Parse(r[6..^1]) : 0;
            if (from >= body.Length)
            {
                await WriteAsync(stream, $"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{body.Length}\r\n"
                    + "Content-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            var head = from > 0
                ? $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{body.Length - 1}/{body.Length}\r\n"
                : "HTTP/1.1 200 OK\r\n";
            await WriteAsync(stream, head + $"Content-Length: {body.Length - from}\r\nConnection: close\r\n\r\n");
            var rest = body.AsMemory((int)from);
            if (CutNextResponses.TryDequeue(out var cut))
                await stream.WriteAsync(rest[..cut], stop.Token);
            else if (StallNextResponses.TryDequeue(out var stall))
            {
                await stream.WriteAsync(rest[..stall], stop.Token);
                StallReached.Release();
                await ReadUntilClosedAsync(stream); // the client gives up (stall timeout or cancellation)
            }
            else
                await stream.WriteAsync(rest, stop.Token);
            client.Client.Shutdown(SocketShutdown.Send); // FIN, not RST: the client receives every byte sent
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { }
    }

    async Task<(string Path, string? Range)> ReadRequestAsync(NetworkStream stream)
    {
        var text = new StringBuilder();
        var one = new byte[1];
        while (!text.ToString().EndsWith("\r\n\r\n") && await stream.ReadAsync(one, stop.Token) == 1)
            text.Append((char)one[0]);
        var lines = text.ToString().Split("\r\n");
        var range = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase));
        return (lines[0].Split(' ')[1], range?["Range:".Length..].Trim());
    }

    async Task ReadUntilClosedAsync(NetworkStream stream)
    {
        var buffer = new byte[256];
        while (await stream.ReadAsync(buffer, stop.Token) > 0) { }
    }

    Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), stop.Token).AsTask();

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        listener.Stop();
        await loop;
        stop.Dispose();
    }
}
