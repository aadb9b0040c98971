using System.Security.Cryptography;

namespace FaceGen.Data.Fetch;

/// <summary>The digest algorithm a publisher gives for a file.</summary>
public enum HashKind
{
    /// <summary>No checksum is published for the file: a fetch says so loudly and reports the SHA-256 it computed.</summary>
    None,
    /// <summary>MD5 (RFC 1321), 32 hex digits: used only where the publisher gives nothing stronger.</summary>
    Md5,
    /// <summary>SHA-256 (FIPS 180-4), 64 hex digits: preferred wherever one is published.</summary>
    Sha256,
}

/// <summary>A published checksum of a downloadable file, and where it is published, so that a reader can
/// check the catalog against its source. <see cref="NonePublished"/> marks a file without one explicitly.</summary>
/// <param name="Kind">The algorithm.</param>
/// <param name="Hex">Lower-case hex digest; empty when <paramref name="Kind"/> is <see cref="HashKind.None"/>.</param>
/// <param name="Source">Where the digest is published (repository and file), or why there is none.</param>
public sealed record Checksum(HashKind Kind, string Hex, string Source)
{
    /// <summary>A SHA-256 digest published at <paramref name="source"/>.</summary>
    public static Checksum Sha256(string hex, string source) => new(HashKind.Sha256, hex.ToLowerInvariant(), source);

    /// <summary>An MD5 digest published at <paramref name="source"/> (only where no SHA-256 is published).</summary>
    public static Checksum Md5(string hex, string source) => new(HashKind.Md5, hex.ToLowerInvariant(), source);

    /// <summary>The explicit marker for a file whose publisher gives no checksum; <paramref name="why"/> says what was looked for.</summary>
    public static Checksum NonePublished(string why) => new(HashKind.None, "", why);

    /// <summary>True when a digest is published and a fetch can verify the file.</summary>
    public bool IsPublished => Kind != HashKind.None;

    /// <summary>"sha256 c4a3…" or "md5 00d2…", the form error messages use.</summary>
    public override string ToString() => IsPublished ? $"{Kind.ToString().ToLowerInvariant()} {Hex}" : "none published";
}

/// <summary>Digests of one file, computed in a single pass: SHA-256 always (reported to the user) and MD5
/// when the catalog entry needs it.</summary>
internal readonly record struct FileDigests(string Sha256, string? Md5)
{
    /// <summary>The digest of the kind <paramref name="kind"/> (SHA-256 for <see cref="HashKind.None"/>).</summary>
    public string Of(HashKind kind) => kind == HashKind.Md5 ? Md5! : Sha256;

    /// <summary>Reads <paramref name="path"/> once, feeding both hashes; reports bytes hashed.</summary>
    public static async Task<FileDigests> ComputeAsync(string path, bool withMd5, Action<long>? onBytes, CancellationToken ct)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = withMd5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        var buffer = new byte[1 << 20];
        long done = 0;
        int read;
        while ((read = await input.ReadAsync(buffer, ct)) > 0)
        {
            sha.AppendData(buffer, 0, read);
            md5?.AppendData(buffer, 0, read);
            done += read;
            onBytes?.Invoke(done);
        }
        return new FileDigests(Convert.ToHexStringLower(sha.GetHashAndReset()),
            md5 is null ? null : Convert.ToHexStringLower(md5.GetHashAndReset()));
    }
}
