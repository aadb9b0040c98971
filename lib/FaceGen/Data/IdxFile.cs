using System.Buffers.Binary;
using System.IO.Compression;

namespace FaceGen.Data;

/// <summary>An IDX array of unsigned bytes: its shape and its data in row-major order.</summary>
public sealed record IdxArray(int[] Shape, byte[] Data);

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (LeCun et al.): two zero bytes, a type code
/// (0x08 = unsigned byte, the only type those sets use and the only one read here), the number of
/// dimensions d, then d big-endian int32 sizes and the data in row-major order. Gzipped files (the usual
/// ".gz" downloads) are recognised by their magic bytes 1F 8B, whatever their name.
/// </summary>
public static class IdxFile
{
    /// <summary>Most dimensions read: the loaders take (N), (N, H, W) or (N, C, H, W).</summary>
    public const int MaxDimensions = 4;

    /// <summary>Most data bytes read into memory: 1 GiB, 20 times Fashion-MNIST's training images (47 MB). The header is
    /// checked against it before anything is allocated or decompressed.</summary>
    public const long MaxDataBytes = 1L << 30;

    /// <summary>Reads an IDX file. Throws <see cref="DataException"/> naming the file when it is not IDX, not unsigned
    /// bytes, has more than <see cref="MaxDimensions"/> dimensions or more than <see cref="MaxDataBytes"/> of data, is
    /// truncated, or longer than its header says. A gzipped file is decompressed only as far as its header declares
    /// plus one byte, so that a small .gz that would inflate to gigabytes costs no more than the data it claims.</summary>
    public static IdxArray Read(string path)
    {
        if (!File.Exists(path)) throw new DataException(path, "file not found.");
        using var file = File.OpenRead(path);
        bool gzipped = file.ReadByte() == 0x1F && file.ReadByte() == 0x8B;
        file.Position = 0;
        using Stream input = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            var start = new byte[4];
            int got = input.ReadAtLeast(start, 4, throwOnEndOfStream: false);
            if (got < 4 || start[0] != 0 || start[1] != 0)
                throw new DataException(path, "not an IDX file (it must start with two zero bytes, a type code and a dimension count).");
            if (start[2] != 0x08)
                throw new DataException(path, $"IDX element type 0x{start[2]:X2} is not supported; only unsigned bytes (0x08), as in MNIST and Fashion-MNIST.");
            int dims = start[3];
            if (dims is 0 or > MaxDimensions)
                throw new DataException(path, $"IDX header with {dims} dimensions; expected 1 to {MaxDimensions}.");
            var sizes = new byte[4 * dims];
            got = input.ReadAtLeast(sizes, sizes.Length, throwOnEndOfStream: false);
            if (got < sizes.Length)
                throw new DataException(path, $"IDX header with {dims} dimensions is truncated ({4 + got} bytes).");
            var shape = new int[dims];
            for (int d = 0; d < dims; d++)
            {
                shape[d] = BinaryPrimitives.ReadInt32BigEndian(sizes.AsSpan(4 * d));
                if (shape[d] < 0) throw new DataException(path, $"IDX dimension {d} is negative ({shape[d]}).");
            }
            string shapeText = string.Join(", ", shape);
            long expected = ArrayShape.Bytes(path, shape.Select(d => (long)d), 1);
            if (expected > MaxDataBytes)
                throw new DataException(path, $"the IDX header declares shape ({shapeText}) = {expected:N0} bytes of data, above the limit of " +
                    $"{MaxDataBytes:N0} bytes (IdxFile.MaxDataBytes); refused before reading it.");
            if (!gzipped && file.Length - file.Position < expected)
                throw new DataException(path, $"truncated: the header says ({shapeText}) = {expected:N0} bytes of data, the file holds {file.Length - file.Position:N0}. Download it again.");
            var data = new byte[expected];
            long actual = input.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
            if (actual < expected)
                throw new DataException(path, $"truncated: the header says ({shapeText}) = {expected:N0} bytes of data, the {(gzipped ? "decompressed " : "")}file holds {actual:N0}. Download it again.");
            if (input.ReadByte() >= 0)
                throw new DataException(path, $"more data after the ({shapeText}) = {expected:N0} bytes the header describes: not a clean IDX file; " +
                    (gzipped ? "decompression stopped there. " : "") + "Download it again.");
            return new IdxArray(shape, data);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new DataException(path, (gzipped ? "the gzip data is corrupt or truncated" : "could not read the file") + $" ({e.Message}). Download the file again.", e);
        }
    }
}
