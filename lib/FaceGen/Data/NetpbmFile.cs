using System.Text;

namespace FaceGen.Data;

/// <summary>
/// A reader of Netpbm grey and colour maps (PGM P2/P5, PPM P3/P6), 8 or 16 bits per sample.
/// Why not ImageSharp: ImageSharp 2.1 skips '#' comments and whitespace <em>after</em> the maximum value,
/// where the format allows exactly one whitespace byte before the raster. A binary raster that starts
/// with byte 0x23 ('#') or a whitespace value is then misread: 7 of the 400 AT&amp;T files (s2/1.pgm …)
/// decoded as black images. Here comments are honoured only inside the header, as netpbm's spec says.
/// </summary>
public static class NetpbmFile
{
    /// <summary>Extensions read with this class.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".pgm", ".ppm", ".pnm"];

    /// <summary>Width, height, channels (1 or 3) and the pixels as interleaved (H, W, C) bytes; 16-bit
    /// samples are scaled to 0..255, as are maximum values below 255.</summary>
    public sealed record Raster(int Width, int Height, int Channels, byte[] Pixels);

    /// <summary>Reads the header only: (width, height, channels).</summary>
    public static (int Width, int Height, int Channels) ReadHeader(string path, byte[] bytes)
    {
        var header = ParseHeader(path, bytes);
        return (header.Width, header.Height, header.Channels);
    }

    public static Raster Read(string path, byte[] bytes)
    {
        var h = ParseHeader(path, bytes);
        int samples = h.Width * h.Height * h.Channels;
        var pixels = new byte[samples];
        if (h.Binary)
        {
            int bytesPerSample = h.MaxValue > 255 ? 2 : 1;
            if (bytes.Length - h.RasterStart < (long)samples * bytesPerSample)
                throw new DataException(path, $"truncated Netpbm file: {bytes.Length - h.RasterStart} raster bytes for {h.Width}×{h.Height}×{h.Channels} samples of {bytesPerSample} byte(s).");
            for (int i = 0; i < samples; i++)
            {
                int value = bytesPerSample == 1 ? bytes[h.RasterStart + i] : (bytes[h.RasterStart + 2 * i] << 8) | bytes[h.RasterStart + 2 * i + 1];
                pixels[i] = Scale(value, h.MaxValue, path);
            }
        }
        else
        {
            int position = h.RasterStart;
            for (int i = 0; i < samples; i++)
                pixels[i] = Scale(NextNumber(path, bytes, ref position, $"sample {i}"), h.MaxValue, path);
        }
        return new Raster(h.Width, h.Height, h.Channels, pixels);
    }

    sealed record Header(int Width, int Height, int Channels, int MaxValue, bool Binary, int RasterStart);

    static Header ParseHeader(string path, byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != (byte)'P' || bytes[1] is not ((byte)'2' or (byte)'3' or (byte)'5' or (byte)'6'))
            throw new DataException(path, "not a PGM/PPM file (expected the magic number P2, P3, P5 or P6).");
        char kind = (char)bytes[1];
        int position = 2;
        int width = NextNumber(path, bytes, ref position, "width");
        int height = NextNumber(path, bytes, ref position, "height");
        int maxValue = NextNumber(path, bytes, ref position, "maximum value");
        if (width <= 0 || height <= 0 || maxValue is <= 0 or > 65535)
            throw new DataException(path, $"invalid Netpbm header: {width}×{height}, maximum value {maxValue}.");
        // Exactly one whitespace byte separates the header from the raster.
        if (position >= bytes.Length || !IsWhitespace(bytes[position]))
            throw new DataException(path, "invalid Netpbm header: no whitespace after the maximum value.");
        return new Header(width, height, kind is '3' or '6' ? 3 : 1, maxValue, kind is '5' or '6', position + 1);
    }

    /// <summary>The next decimal number, skipping whitespace and '#' comments before it.</summary>
    static int NextNumber(string path, byte[] bytes, ref int position, string what)
    {
        while (position < bytes.Length && (IsWhitespace(bytes[position]) || bytes[position] == '#'))
        {
            if (bytes[position] == '#') while (position < bytes.Length && bytes[position] != '\n') position++;
            else position++;
        }
        int start = position;
        long value = 0;
        while (position < bytes.Length && bytes[position] is >= (byte)'0' and <= (byte)'9' && value <= int.MaxValue)
            value = value * 10 + (bytes[position++] - '0');
        if (position == start || value > int.MaxValue)
            throw new DataException(path, $"invalid Netpbm file: expected a number for the {what} at byte {start}" +
                (start < bytes.Length ? $" (found '{Encoding.ASCII.GetString(bytes, start, 1)}')." : " (end of file)."));
        return (int)value;
    }

    static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    static byte Scale(int value, int maxValue, string path)
    {
        if (value > maxValue) throw new DataException(path, $"invalid Netpbm file: sample {value} above the maximum value {maxValue}.");
        return maxValue == 255 ? (byte)value : (byte)((value * 255L + maxValue / 2) / maxValue);
    }
}
