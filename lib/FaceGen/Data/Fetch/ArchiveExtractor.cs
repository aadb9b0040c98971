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
/// </summary>
internal static class ArchiveExtractor
{
    const int ReportEvery = 500;

    public static ArchiveKind KindOf(string fileName) => fileName.ToLowerInvariant() switch
    {
        var n when n.EndsWith(".zip") => ArchiveKind.Zip,
        var n when n.EndsWith(".tar.gz") || n.EndsWith(".tgz") => ArchiveKind.TarGz,
        var n when n.EndsWith(".gz") => ArchiveKind.Gz,
        _ => ArchiveKind.Plain,
    };

    /// <summary>Unpacks <paramref name="archive"/> into the empty folder <paramref name="folder"/>.</summary>
    /// <returns>Names of entries that were skipped (links, devices).</returns>
    /// <exception cref="DataException">A corrupt archive or an entry whose path leaves the folder.</exception>
    public static async Task<IReadOnlyList<string>> ExtractAsync(string archive, string folder,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var task = $"extract {Path.GetFileName(archive)}";
        try
        {
            return KindOf(archive) switch
            {
                ArchiveKind.Zip => ExtractZip(archive, folder, task, progress, ct),
                ArchiveKind.TarGz => await ExtractTarGzAsync(archive, folder, task, progress, ct),
                ArchiveKind.Gz => await ExtractGzAsync(archive, folder, ct),
                _ => throw new ArgumentException($"{archive} is not an archive."),
            };
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new DataException(archive, $"cannot unpack the archive ({e.Message}). If the disk is full, free some "
                + "space; otherwise the archive is damaged: delete it and run the fetch again.", e);
        }
    }

    static IReadOnlyList<string> ExtractZip(string archive, string folder, string task,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        using var zip = ZipFile.OpenRead(archive);
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
                entry.ExtractToFile(path, overwrite: false);
            }
            if (++done % ReportEvery == 0 || done == total) progress?.Report(new(task, done, total, "files"));
        }
        return []; // a zip entry is always written as a file or a folder (a stored link becomes a small file)
    }

    static async Task<IReadOnlyList<string>> ExtractTarGzAsync(string archive, string folder, string task,
        IProgress<ProgressReport>? progress, CancellationToken ct)
    {
        await using var file = File.OpenRead(archive);
        await using var gzip = new GZipStream(file, CompressionMode.Decompress);
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
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await entry.ExtractToFileAsync(path, overwrite: false, ct);
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

    static async Task<IReadOnlyList<string>> ExtractGzAsync(string archive, string folder, CancellationToken ct)
    {
        var name = Path.GetFileNameWithoutExtension(archive); // "x.txt.gz" → "x.txt"
        await using var input = new GZipStream(File.OpenRead(archive), CompressionMode.Decompress);
        await using var output = new FileStream(Path.Combine(folder, name), FileMode.CreateNew);
        await input.CopyToAsync(output, ct);
        return [];
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
}
