using System.Net;
using FaceGen.Runtime;

namespace FaceGen.Data.Fetch;

/// <summary>
/// Installs a <see cref="CatalogEntry"/> under a data root, the work behind <c>facegen data fetch &lt;name&gt;</c>:
/// <list type="number">
/// <item>a complete existing <c>&lt;root&gt;/&lt;Folder&gt;</c> is never touched (the result says it is already there);</item>
/// <item>each file is downloaded to <c>&lt;root&gt;/downloads/&lt;name&gt;/&lt;file&gt;.part</c>, resuming an earlier partial
/// download with an HTTP range request;</item>
/// <item>its checksum is verified; only a match renames the <c>.part</c> to the file (a mismatch deletes the <c>.part</c>
/// and fails, naming the file and both digests); a file without a published checksum is accepted with a loud
/// warning that carries the SHA-256 computed;</item>
/// <item>archives are unpacked into a work folder beside the destination, mapped onto the layout the loaders read,
/// checked against <see cref="CatalogEntry.ExpectedPaths"/>, and moved into place with one rename;</item>
/// <item>the downloaded files are then deleted from the downloads folder, except those that can only be
/// downloaded by hand (<see cref="RemoteFile.ManualDownload"/>), which are kept.</item>
/// </list>
/// Files marked <see cref="RemoteFile.ManualDownload"/> (Google Drive) are never downloaded: the user saves them in
/// the downloads folder, and the fetch verifies and installs them. Any file already in the downloads folder (for
/// instance downloaded by hand when an address has moved) is verified and used instead of downloading.
/// One fetch per data set and data root at a time.
/// </summary>
public sealed class DatasetFetcher
{
    static readonly Lazy<HttpClient> DefaultHttp = new(CreateHttpClient);

    readonly ResumableDownload download;

    /// <summary>A fetcher using <paramref name="http"/> (default: a shared client with a 100 s wait for headers and
    /// no automatic decompression, so that bytes on disk are the bytes the checksum covers).</summary>
    /// <param name="http">The client; tests pass one to reach a loopback server.</param>
    /// <param name="stallTimeout">A transfer that brings no data for this long is interrupted (default 60 s); the
    /// partial file is kept.</param>
    public DatasetFetcher(HttpClient? http = null, TimeSpan? stallTimeout = null) =>
        download = new ResumableDownload(http ?? DefaultHttp.Value, stallTimeout ?? TimeSpan.FromSeconds(60));

    /// <summary>Where downloads of <paramref name="entry"/> are kept (and where hand-downloaded files go):
    /// <c>&lt;dataRoot&gt;/downloads/&lt;name&gt;</c>.</summary>
    public static string DownloadsFolder(string dataRoot, CatalogEntry entry) =>
        Path.Combine(Path.GetFullPath(dataRoot), "downloads", entry.Name);

    /// <summary>Downloads, verifies and installs <paramref name="entry"/> as <c>&lt;dataRoot&gt;/&lt;entry.Folder&gt;</c>.</summary>
    /// <param name="entry">What to install (normally from <see cref="DatasetCatalog"/>).</param>
    /// <param name="dataRoot">The data root; created if absent.</param>
    /// <param name="progress">Bytes downloaded and hashed, files extracted.</param>
    /// <param name="ct">Cancels between reads; a partial download is kept for the next run.</param>
    /// <exception cref="DataException">An incomplete existing folder, files to download by hand, an HTTP error, an
    /// interrupted transfer, a checksum mismatch or an unexpected archive layout; the message says what to do.</exception>
    public async Task<FetchResult> FetchAsync(CatalogEntry entry, string dataRoot,
        IProgress<ProgressReport>? progress = null, CancellationToken ct = default)
    {
        dataRoot = Path.GetFullPath(dataRoot);
        var destination = Path.Combine(dataRoot, entry.Folder);
        if (Directory.Exists(destination) || File.Exists(destination))
            return AlreadyThere(entry, destination);

        var downloads = DownloadsFolder(dataRoot, entry);
        Directory.CreateDirectory(downloads);
        RequireManualFiles(entry, downloads);

        var warnings = new List<string>();
        var files = new List<FetchedFile>();
        foreach (var file in entry.Files)
            files.Add(await ObtainAsync(file, downloads, warnings, progress, ct));

        await InstallAsync(entry, dataRoot, destination, downloads, warnings, progress, ct);
        DeleteDownloadedArchives(entry, downloads);
        return new FetchResult(entry, destination, false, files, warnings,
            $"Installed {entry.Name} at {destination}" + (warnings.Count > 0 ? $" with {warnings.Count} warning(s)." : "."));
    }

    static FetchResult AlreadyThere(CatalogEntry entry, string destination)
    {
        var missing = entry.ExpectedPaths.Where(p => !Path.Exists(Path.Combine(destination, p))).ToList();
        if (missing.Count > 0)
            throw new DataException(destination, $"already exists but does not look like a complete {entry.Name} "
                + $"(missing {string.Join(", ", missing)}). It is left untouched: move or delete it, then run the fetch again.");
        return new FetchResult(entry, destination, true, [], [],
            $"{entry.Name} is already installed at {destination}; nothing was downloaded or changed.");
    }

    /// <summary>Fails before any download when a file that must be downloaded by hand is not in the downloads folder.</summary>
    static void RequireManualFiles(CatalogEntry entry, string downloads)
    {
        var missing = entry.Files.Where(f => f.ManualDownload is not null && !File.Exists(Path.Combine(downloads, f.FileName))).ToList();
        if (missing.Count == 0) return;
        var steps = missing.Select(f => $"  - {f.ManualDownload}; save it as {Path.Combine(downloads, f.FileName)}");
        throw new DataException(downloads, $"{entry.Name} needs {missing.Count} file(s) downloaded by hand:\n"
            + string.Join("\n", steps) + $"\nThen run the fetch again: it verifies the file(s) ({string.Join(", ",
                missing.Select(f => f.Checksum.ToString()))}) and installs {entry.Name}.");
    }

    /// <summary>The verified local copy of <paramref name="file"/>: an existing one in the downloads folder, or a new download.</summary>
    async Task<FetchedFile> ObtainAsync(RemoteFile file, string downloads, List<string> warnings,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        var local = Path.Combine(downloads, file.FileName);
        if (File.Exists(local))
            return await VerifyAsync(file, local, deleteOnMismatch: false, warnings, progress, ct);

        var part = local + ".part";
        await download.RunAsync(file.Url, part, file.Size, $"download {file.FileName}", progress, ct);
        var checkedFile = await VerifyAsync(file, part, deleteOnMismatch: true, warnings, progress, ct);
        File.Move(part, local); // only a verified (or explicitly unverifiable) download gets its final name
        return checkedFile;
    }

    static async Task<FetchedFile> VerifyAsync(RemoteFile file, string path, bool deleteOnMismatch, List<string> warnings,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        long size = new FileInfo(path).Length;
        var task = $"verify {file.FileName}";
        var digests = await FileDigests.ComputeAsync(path, file.Checksum.Kind == HashKind.Md5,
            done => progress?.Report(new(task, done, size, "bytes")), ct);
        var expected = file.Checksum;
        if (!expected.IsPublished)
            warnings.Add($"NO PUBLISHED CHECKSUM for {file.FileName}: its integrity could not be verified. "
                + $"SHA-256 of the file used: {digests.Sha256} ({size:N0} bytes). Why none: {expected.Source}.");
        else if (digests.Of(expected.Kind) != expected.Hex)
        {
            if (deleteOnMismatch) File.Delete(path);
            throw new DataException(path, $"checksum mismatch for {file.FileName}: expected {expected} (published in "
                + $"{expected.Source}), got {expected.Kind.ToString().ToLowerInvariant()} {digests.Of(expected.Kind)} "
                + $"({size:N0} bytes). " + (deleteOnMismatch
                    ? "The bad download was deleted and nothing was installed; run the fetch again."
                    : "Nothing was installed; delete this file (or replace it with a correct copy) and run the fetch again."));
        }
        return new FetchedFile(file.FileName, size, digests.Sha256, expected);
    }

    /// <summary>Builds the data set folder in <c>&lt;root&gt;/.&lt;Folder&gt;.fetch-&lt;id&gt;/set</c>, checks it, and renames it into place.</summary>
    static async Task InstallAsync(CatalogEntry entry, string dataRoot, string destination, string downloads,
        List<string> warnings, IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        foreach (var stale in Directory.EnumerateDirectories(dataRoot, $".{entry.Folder}.fetch-*"))
            Directory.Delete(stale, recursive: true); // left by an earlier run that crashed or was cancelled
        var work = Path.Combine(dataRoot, $".{entry.Folder}.fetch-{Guid.NewGuid():N}");
        var set = Path.Combine(work, "set");
        Directory.CreateDirectory(set);
        try
        {
            for (var i = 0; i < entry.Files.Count; i++)
                await PlaceAsync(entry, entry.Files[i], Path.Combine(downloads, entry.Files[i].FileName), set,
                    Path.Combine(work, $"x{i}"), warnings, progress, ct);
            CheckLayout(entry, set, warnings);
            ct.ThrowIfCancellationRequested();
            try
            {
                Directory.Move(set, destination);
            }
            catch (IOException e)
            {
                throw new DataException(destination, $"could not move the finished data set into place ({e.Message}). "
                    + "If the folder appeared meanwhile, it was left untouched.", e);
            }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Puts one verified file's content at its <see cref="RemoteFile.Target"/> inside <paramref name="set"/>.</summary>
    static async Task PlaceAsync(CatalogEntry entry, RemoteFile file, string local, string set, string scratch, List<string> warnings,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        if (ArchiveExtractor.KindOf(file.FileName) == ArchiveKind.Plain)
        {
            var target = Path.Combine(set, file.Target.Length > 0 ? file.Target : file.FileName);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(local, target);
            return;
        }
        var skipped = await ArchiveExtractor.ExtractAsync(local, scratch, entry.MaxBytes, progress, ct);
        if (skipped.Count > 0)
            warnings.Add($"{file.FileName}: skipped {skipped.Count} entr{(skipped.Count == 1 ? "y" : "ies")} that are "
                + $"neither files nor folders (links, devices): {string.Join(", ", skipped.Take(5))}{(skipped.Count > 5 ? ", …" : "")}.");
        MoveContents(Unwrap(scratch), Path.Combine(set, file.Target));
    }

    /// <summary>Descends through folders that hold nothing but one folder ("lfw/", "cifar-10-batches-bin/"), so
    /// that an archive's own top-level name never decides the installed layout.</summary>
    static string Unwrap(string folder)
    {
        while (Directory.GetFiles(folder).Length == 0 && Directory.GetDirectories(folder) is [var only])
            folder = only;
        return folder;
    }

    /// <summary>Moves everything in <paramref name="source"/> into <paramref name="target"/>, merging folders.</summary>
    static void MoveContents(string source, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(source, target);
            return;
        }
        foreach (var file in Directory.GetFiles(source))
            File.Move(file, Path.Combine(target, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(source))
            MoveContents(dir, Path.Combine(target, Path.GetFileName(dir)));
    }

    /// <summary>Checks every installed file, not only the expected ones: the total size against <see cref="CatalogEntry.MaxBytes"/>
    /// (plain files and several archives together), the expected paths, and files the loader will not read (a warning).</summary>
    static void CheckLayout(CatalogEntry entry, string set, List<string> warnings)
    {
        var sources = string.Join(", ", entry.Files.Select(f => f.FileName));
        var files = Directory.EnumerateFiles(set, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => new FileInfo(f)).ToList();
        long total = files.Sum(f => f.Length);
        if (total > entry.MaxBytes)
            throw new DataException(sources, $"the unpacked files hold {total:N0} bytes, above {entry.Name}'s limit of {entry.MaxBytes:N0} bytes "
                + $"(largest: {Path.GetRelativePath(set, files.MaxBy(f => f.Length)!.FullName)}). Nothing was installed; the downloads are kept.");
        var missing = entry.ExpectedPaths.Where(p => !Path.Exists(Path.Combine(set, p))).ToList();
        if (missing.Count > 0)
        {
            var found = Directory.EnumerateFileSystemEntries(set).Select(Path.GetFileName).Order().Take(10);
            throw new DataException(sources,
                $"the downloaded files do not have the layout {entry.Name} needs: missing {string.Join(", ", missing)} "
                + $"(found at the top: {string.Join(", ", found)}). Nothing was installed; the downloads are kept.");
        }
        if (entry.Contents is null) return;
        var unread = files.Select(f => Path.GetRelativePath(set, f.FullName).Replace('\\', '/'))
            .Where(p => !entry.Contents.Any(pattern => Matches(pattern, p))).Order(StringComparer.Ordinal).ToList();
        if (unread.Count > 0)
            warnings.Add($"{unread.Count} installed file(s) of {entry.Name} are not read by its loader ({string.Join(" or ", entry.Contents)}), "
                + $"e.g. {unread[0]} ({unread.Sum(p => new FileInfo(Path.Combine(set, p)).Length):N0} bytes in all).");
    }

    /// <summary>True when relative path <paramref name="path"/> matches <paramref name="pattern"/> segment by segment.</summary>
    static bool Matches(string pattern, string path)
    {
        var (p, s) = (pattern.Split('/'), path.Split('/'));
        return p.Length == s.Length && p.Zip(s).All(x => System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(x.First, x.Second, ignoreCase: false));
    }

    /// <summary>Deletes the downloads once the data set is installed, keeping files that only a person can download.</summary>
    static void DeleteDownloadedArchives(CatalogEntry entry, string downloads)
    {
        foreach (var file in entry.Files.Where(f => f.ManualDownload is null))
            File.Delete(Path.Combine(downloads, file.FileName));
        if (!Directory.EnumerateFileSystemEntries(downloads).Any()) Directory.Delete(downloads);
        var parent = Path.GetDirectoryName(downloads)!;
        if (!Directory.EnumerateFileSystemEntries(parent).Any()) Directory.Delete(parent);
    }

    static HttpClient CreateHttpClient()
    {
        var client = new HttpClient(new SocketsHttpHandler
        {
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        })
        { Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("FaceGen-Notebooks/1.0");
        return client;
    }
}
