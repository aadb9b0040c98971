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
    /// <summary>Reads an IDX file. Throws <see cref="DataException"/> naming the file when it is not IDX,
    /// not unsigned bytes, truncated, or longer than its header says.</summary>
    public static IdxArray Read(string path)
    {
        byte[] bytes = ReadMaybeGzipped(path);
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0)
            throw new DataException(path, "not an IDX file (it must start with two zero bytes, a type code and a dimension count).");
        if (bytes[2] != 0x08)
            throw new DataException(path, $"IDX element type 0x{bytes[2]:X2} is not supported; only unsigned bytes (0x08), as in MNIST and Fashion-MNIST.");
        int dims = bytes[3];
        int headerLength = 4 + 4 * dims;
        if (dims == 0 || bytes.Length < headerLength)
            throw new DataException(path, $"IDX header with {dims} dimensions is truncated ({bytes.Length} bytes).");
        var shape = new int[dims];
        for (int d = 0; d < dims; d++)
        {
            shape[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (shape[d] < 0) throw new DataException(path, $"IDX dimension {d} is negative ({shape[d]}).");
        }
        long expected = shape.Aggregate(1L, (a, b) => a * b);
        long actual = bytes.Length - headerLength;
        if (actual < expected)
            throw new DataException(path, $"truncated: the header says ({string.Join(", ", shape)}) = {expected:N0} bytes of data, the file holds {actual:N0}. Download it again.");
        if (actual > expected)
            throw new DataException(path, $"{actual - expected:N0} bytes after the ({string.Join(", ", shape)}) data the header describes: not a clean IDX file. Download it again.");
        return new IdxArray(shape, bytes[headerLength..]);
    }

    static byte[] ReadMaybeGzipped(string path)
    {
        if (!File.Exists(path)) throw new DataException(path, "file not found.");
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B) return raw;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new DataException(path, $"the gzip data is corrupt or truncated ({e.Message}). Download the file again.", e);
        }
    }
}
