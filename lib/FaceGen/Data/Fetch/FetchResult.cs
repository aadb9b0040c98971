namespace FaceGen.Data.Fetch;

/// <summary>One downloaded (or hand-placed) file as it was checked.</summary>
/// <param name="FileName">Name in the catalog.</param>
/// <param name="Bytes">Its size.</param>
/// <param name="Sha256">SHA-256 computed here (always, even when the catalog gives MD5 or nothing).</param>
/// <param name="Checksum">What it was checked against; <see cref="Fetch.Checksum.IsPublished"/> false means unverified.</param>
public sealed record FetchedFile(string FileName, long Bytes, string Sha256, Checksum Checksum)
{
    /// <summary>True when a published digest was compared and matched.</summary>
    public bool Verified => Checksum.IsPublished;
}

/// <summary>What <see cref="DatasetFetcher.FetchAsync"/> did.</summary>
/// <param name="Entry">The data set.</param>
/// <param name="Destination">The installed folder (<c>&lt;data root&gt;/&lt;Entry.Folder&gt;</c>).</param>
/// <param name="AlreadyInstalled">True when a complete folder was already there: nothing was downloaded or changed.</param>
/// <param name="Files">The files checked and installed (empty when <paramref name="AlreadyInstalled"/>).</param>
/// <param name="Warnings">Things the user must see: files without a published checksum (with the SHA-256 computed),
/// archive entries that were skipped.</param>
/// <param name="Message">One line for the user.</param>
public sealed record FetchResult(
    CatalogEntry Entry,
    string Destination,
    bool AlreadyInstalled,
    IReadOnlyList<FetchedFile> Files,
    IReadOnlyList<string> Warnings,
    string Message);
