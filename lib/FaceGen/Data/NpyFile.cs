using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FaceGen.Data;

/// <summary>A NumPy array read from a .npy file: its dtype ("u1", "f4", "i8" …, little-endian), its shape
/// and its raw data in C (row-major) order.</summary>
public sealed record NpyArray(string DType, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements: the product of the shape (1 for a scalar).</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Bytes per element, from the dtype ("f4" → 4).</summary>
    public int ElementSize => int.Parse(DType[1..], CultureInfo.InvariantCulture);

    /// <summary>Every element as a double (any supported dtype).</summary>
    public double[] ToDoubles()
    {
        var values = new double[Count];
        for (long i = 0; i < values.Length; i++) values[i] = Element(i);
        return values;
    }

    /// <summary>Every element as a long; floats must hold whole numbers. Throws <see cref="InvalidDataException"/> otherwise.</summary>
    public long[] ToInt64()
    {
        var values = new long[Count];
        for (long i = 0; i < values.Length; i++)
        {
            double v = Element(i);
            if (v != Math.Floor(v) || double.IsInfinity(v)) throw new InvalidDataException($"element {i} = {v} is not a whole number");
            values[i] = DType is "i8" ? BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan((int)(i * 8))) : (long)v;
        }
        return values;
    }

    double Element(long i)
    {
        var at = Data.AsSpan((int)(i * ElementSize));
        return DType switch
        {
            "u1" => at[0],
            "i1" => (sbyte)at[0],
            "b1" => at[0] != 0 ? 1 : 0,
            "u2" => BinaryPrimitives.ReadUInt16LittleEndian(at),
            "i2" => BinaryPrimitives.ReadInt16LittleEndian(at),
            "u4" => BinaryPrimitives.ReadUInt32LittleEndian(at),
            "i4" => BinaryPrimitives.ReadInt32LittleEndian(at),
            "u8" => BinaryPrimitives.ReadUInt64LittleEndian(at),
            "i8" => BinaryPrimitives.ReadInt64LittleEndian(at),
            "f4" => BinaryPrimitives.ReadSingleLittleEndian(at),
            "f8" => BinaryPrimitives.ReadDoubleLittleEndian(at),
            _ => throw new InvalidOperationException($"dtype {DType}"),
        };
    }
}

/// <summary>
/// Reads NumPy's .npy format (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a major and a
/// minor version byte, the header length (little-endian uint16 for version 1, uint32 for 2 and 3), an ASCII
/// Python dict literal {'descr': '&lt;f4', 'fortran_order': False, 'shape': (400, 64, 64), }, then the data.
/// Read here: little-endian or byte-order-free numeric dtypes (b1, i1..i8, u1..u8, f4, f8) in C order.
/// </summary>
public static partial class NpyFile
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
    static readonly HashSet<string> Supported = ["b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"];

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")] private static partial Regex DescrPattern();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")] private static partial Regex FortranPattern();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")] private static partial Regex ShapePattern();

    /// <summary>Reads a .npy file. Throws <see cref="DataException"/> naming the file when it is not .npy,
    /// uses an unsupported dtype, byte order or Fortran order, or is truncated.</summary>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new DataException(path, "file not found.");
        if (new FileInfo(path).Length > Array.MaxLength)
            throw new DataException(path, $"file of {new FileInfo(path).Length:N0} bytes is too large to read into memory at once.");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new DataException(path, "not a NumPy .npy file (it must start with \\x93NUMPY).");
        int major = bytes[6];
        int lengthBytes = major switch { 1 => 2, 2 or 3 => 4, _ => throw new DataException(path, $".npy format version {major}.{bytes[7]} is not supported (1.0, 2.0, 3.0 are).") };
        if (bytes.Length < 8 + lengthBytes) throw new DataException(path, "truncated .npy header.");
        long headerLength = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        long dataStart = 8 + lengthBytes + headerLength;
        if (bytes.Length < dataStart) throw new DataException(path, $"truncated .npy header: it announces {headerLength} bytes, the file ends before.");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, 8 + lengthBytes, (int)headerLength);

        var (dtype, shape) = ParseHeader(path, header);
        var array = new NpyArray(dtype, shape, []);
        long expected = ArrayShape.Bytes(path, shape, array.ElementSize);
        long actual = bytes.Length - dataStart;
        if (actual < expected)
            throw new DataException(path, $"truncated: shape ({string.Join(", ", shape)}) of {dtype} needs {expected:N0} bytes of data, the file holds {actual:N0}.");
        if (expected > Array.MaxLength)
            throw new DataException(path, $"array of {expected:N0} bytes is too large to read into memory at once.");
        return array with { Data = bytes[(int)dataStart..(int)(dataStart + expected)] };
    }

    static (string DType, long[] Shape) ParseHeader(string path, string header)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new DataException(path, $"malformed .npy header '{header.Trim()}': expected the keys 'descr', 'fortran_order' and 'shape'.");
        if (fortran.Groups[1].Value == "True")
            throw new DataException(path, "Fortran-order (column-major) arrays are not supported; save it with np.save(path, np.ascontiguousarray(a)).");
        string d = descr.Groups[1].Value;
        char order = d.Length > 0 ? d[0] : '?';
        string dtype = order is '<' or '|' or '=' or '>' ? d[1..] : d;
        // Byte order only matters for elements wider than one byte.
        if (order == '>' && !dtype.EndsWith('1'))
            throw new DataException(path, $"big-endian dtype '{d}' is not supported; save it with a.astype(a.dtype.newbyteorder('<')).");
        if (!Supported.Contains(dtype))
            throw new DataException(path, $"dtype '{d}' is not supported; supported: {string.Join(", ", Supported)} (little-endian).");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sizes = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!long.TryParse(dims[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]))
                throw new DataException(path, $"malformed .npy shape '({shape.Groups[1].Value})'.");
        return (dtype, sizes);
    }
}
