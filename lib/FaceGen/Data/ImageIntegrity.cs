using System.Buffers.Binary;

namespace FaceGen.Data;

/// <summary>
/// Checks that an image file is complete before it is decoded. Why: ImageSharp deliberately decodes a truncated JPEG
/// (a missing end-of-image marker is common enough that it pads the missing scan data, SixLabors/ImageSharp#85), so a
/// JPEG cut to a third loads as a face whose lower two thirds are grey, and a PNG cut inside its image data loads
/// partly black; nothing would tell the user. Checked here, from the file's structure (chosen by its content, not
/// its extension):
/// JPEG: every segment is whole, and the entropy-coded data of the last scan is followed by the end-of-image
/// marker FF D9; PNG: every chunk is whole (length, type, data, CRC), there is image data (IDAT) and the file reaches
/// the IEND chunk; BMP (uncompressed): the file holds the full pixel array its header describes; PBM (P1/P4): the
/// raster holds width × height samples. (PGM/PPM are read by <see cref="NetpbmFile"/>, which checks the same.)
/// </summary>
internal static class ImageIntegrity
{
    const string Advice = " The file is truncated or damaged: replace or delete it, or load with SkipBad to skip such files.";

    /// <summary>Throws <see cref="DataException"/> naming <paramref name="path"/> and what is missing, when the file is incomplete.</summary>
    public static void Verify(string path, byte[] bytes)
    {
        string? missing = bytes switch
        {
            [0xFF, 0xD8, ..] => Jpeg(bytes),
            [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => Png(bytes),
            [(byte)'B', (byte)'M', ..] => Bmp(bytes),
            [(byte)'P', (byte)'1' or (byte)'4', ..] => Pbm(bytes),
            _ => null, // unrecognised content: the decoder's header check reports it
        };
        if (missing is not null) throw new DataException(path, missing + Advice);
    }

    static string? Jpeg(byte[] b)
    {
        int pos = 2;
        while (true)
        {
            // Markers may be preceded by any number of 0xFF fill bytes.
            while (pos < b.Length && b[pos] != 0xFF) pos++; // tolerate stray bytes between segments, as libjpeg does
            while (pos < b.Length && b[pos] == 0xFF) pos++;
            if (pos >= b.Length) return $"truncated JPEG: the file ends ({b.Length:N0} bytes) without the end-of-image marker FF D9.";
            byte marker = b[pos++];
            if (marker == 0xD9) return null;
            if (marker is 0x01 or >= 0xD0 and <= 0xD7) continue; // markers without a length
            if (pos + 2 > b.Length) return $"truncated JPEG: the segment FF {marker:X2} at byte {pos - 2:N0} has no length (the file ends).";
            int length = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(pos));
            if (length < 2 || pos + length > b.Length)
                return $"truncated JPEG: the segment FF {marker:X2} at byte {pos - 2:N0} declares {length:N0} bytes, {b.Length - pos:N0} remain.";
            pos += length;
            if (marker != 0xDA) continue;
            // Entropy-coded scan data: 0xFF is followed by 0x00 (a stuffed byte), a restart marker, more fill, or the next marker.
            while (pos + 1 < b.Length && !(b[pos] == 0xFF && b[pos + 1] is not (0x00 or 0xFF or >= 0xD0 and <= 0xD7))) pos++;
            if (pos + 1 >= b.Length)
                return $"truncated JPEG: the scan data runs to the end of the file ({b.Length:N0} bytes) without the end-of-image marker FF D9; " +
                    "the decoder would fill the missing part of the image with grey.";
        }
    }

    static string? Png(byte[] b)
    {
        long pos = 8;
        bool imageData = false;
        while (true)
        {
            if (pos + 8 > b.Length)
                return $"truncated PNG: the file ends at byte {b.Length:N0} before the IEND chunk" + (imageData ? "." : ", and it holds no image data (IDAT).");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan((int)pos));
            string type = System.Text.Encoding.ASCII.GetString(b, (int)pos + 4, 4);
            if (pos + 12 + length > b.Length)
                return $"truncated PNG: the {type} chunk at byte {pos:N0} declares {length:N0} bytes of data, {Math.Max(0, b.Length - pos - 12):N0} remain" +
                    (type == "IDAT" ? " (the compressed image data is incomplete)." : ".");
            if (type == "IDAT") imageData = true;
            if (type == "IEND") return imageData ? null : "PNG without image data (no IDAT chunk before IEND).";
            pos += 12 + length;
        }
    }

    static string? Bmp(byte[] b)
    {
        if (b.Length < 26) return $"truncated BMP: {b.Length} bytes, shorter than its headers.";
        uint offset = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(10));
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(14));
        long width, height;
        int bits;
        uint compression = 0;
        if (headerSize == 12)
        {
            (width, height, bits) = (BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(18)), BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(20)),
                BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(24)));
        }
        else
        {
            if (b.Length < 34) return $"truncated BMP: {b.Length} bytes, shorter than its {headerSize}-byte header.";
            (width, height, bits) = (BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(18)), BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(22)),
                BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(28)));
            compression = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(30));
        }
        if (compression is not (0 or 3 or 6)) return null; // run-length or embedded JPEG/PNG: no fixed size to check
        long stride = (Math.Abs(width) * bits + 31) / 32 * 4;
        long needed = offset + stride * Math.Abs(height);
        return b.Length < needed ? $"truncated BMP: {Math.Abs(width)}×{Math.Abs(height)} pixels of {bits} bits need {needed:N0} bytes, the file holds {b.Length:N0}." : null;
    }

    static string? Pbm(byte[] b)
    {
        bool binary = b[1] == '4';
        int pos = 2;
        long width = PbmNumber(b, ref pos), height = PbmNumber(b, ref pos);
        if (width <= 0 || height <= 0) return null; // a malformed header: the decoder's header check reports it
        if (binary)
        {
            long needed = (pos + 1) + (width + 7) / 8 * height; // one whitespace byte, then rows padded to whole bytes
            return b.Length < needed ? $"truncated PBM: {width}×{height} pixels need {needed - pos - 1:N0} raster bytes, the file holds {Math.Max(0, b.Length - pos - 1):N0}." : null;
        }
        long samples = 0;
        for (int i = pos; i < b.Length && samples < width * height; i++)
        {
            if (b[i] == '#') while (i < b.Length && b[i] != '\n') i++;
            else if (b[i] is (byte)'0' or (byte)'1') samples++;
        }
        return samples < width * height ? $"truncated PBM: {width}×{height} = {width * height:N0} pixels, the file holds {samples:N0}." : null;
    }

    /// <summary>The next decimal number of a PBM header, after whitespace and '#' comments; -1 when there is none.</summary>
    static long PbmNumber(byte[] b, ref int pos)
    {
        while (pos < b.Length && (b[pos] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\v' or (byte)'\f' || b[pos] == '#'))
            if (b[pos] == '#') while (pos < b.Length && b[pos] != '\n') pos++;
            else pos++;
        long value = -1;
        while (pos < b.Length && b[pos] is >= (byte)'0' and <= (byte)'9' && value < int.MaxValue)
            value = Math.Max(value, 0) * 10 + (b[pos++] - '0');
        return value;
    }
}
