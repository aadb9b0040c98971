namespace FaceGen.Data.Fetch;

/// <summary>One file of a data set as its publisher (or a byte-identical mirror) serves it.</summary>
/// <param name="FileName">Local name of the download; its ending picks the extraction: <c>.zip</c>,
/// <c>.tar.gz</c>/<c>.tgz</c>, <c>.gz</c> (one compressed file), anything else is copied as it is.</param>
/// <param name="Url">Where to get it (https).</param>
/// <param name="Checksum">Published digest, or <see cref="Checksum.NonePublished"/>.</param>
/// <param name="Target">Where the content goes inside the data set folder. For an archive: the folder that receives
/// its files, after top-level folders that only wrap one other folder are removed ("" = the data set folder itself).
/// For a plain file: its path ("" = its own <paramref name="FileName"/>).</param>
/// <param name="Size">Published size in bytes, if known (used for progress when a server sends no length).</param>
/// <param name="ManualDownload">Set when no address can be fetched without a browser (e.g. Google Drive): what the
/// user must do. The fetch then never downloads this file; it asks the user to save it in the downloads folder.</param>
public sealed record RemoteFile(
    string FileName,
    string Url,
    Checksum Checksum,
    string Target = "",
    long? Size = null,
    string? ManualDownload = null);

/// <summary>A public data set the kit can install under a data root, with the folder layout its loader expects.</summary>
/// <param name="Name">What the user types: <c>facegen data fetch &lt;Name&gt;</c>.</param>
/// <param name="Folder">The folder under the data root that the loader reads.</param>
/// <param name="Title">Human-readable name.</param>
/// <param name="Homepage">The publisher's page (licence, citation, manual download).</param>
/// <param name="Files">What to download.</param>
/// <param name="ExpectedPaths">Paths, relative to <paramref name="Folder"/>, that a complete installation has; checked
/// before the folder is moved into place, and used to tell a complete existing folder from a partial one.</param>
/// <param name="Notes">Anything special about the sources (mirrors, manual steps, licence).</param>
/// <param name="MaxBytes">The most bytes the installed folder may hold, a few times the real set's size: unpacking stops
/// past it (a decompression bomb, a wrong file) and nothing is installed.</param>
/// <param name="Contents">Patterns ('*' and '?' within one path segment, '/' between segments) of the files the loader
/// reads; after unpacking, every file is checked, and those matching none are named in a warning.</param>
public sealed record CatalogEntry(
    string Name,
    string Folder,
    string Title,
    string Homepage,
    IReadOnlyList<RemoteFile> Files,
    IReadOnlyList<string> ExpectedPaths,
    string Notes = "",
    long MaxBytes = 1L << 30,
    IReadOnlyList<string>? Contents = null);
