using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceGen.Data;

/// <summary>One decoded image in the kit's layout: uint8, channel-major (C, H, W), values 0..255.</summary>
public sealed record DecodedImage(int Channels, int Height, int Width, byte[] Pixels);

/// <summary>
/// Decoding and load-time transforms, shared by every loader so that a face looks the same whatever
/// file it came from: (1) decode to RGB (grey sources are replicated), (2) centre crop to a square and
/// resize to <see cref="ImageLoadOptions.ImageSize"/> (skipped when it is null), (3) keep RGB or reduce
/// to luminance, (4) interleaved (H, W, C) → channel-major (C, H, W).
/// Decoding uses SixLabors.ImageSharp 2.1 for JPEG, PNG, BMP and PBM, and <see cref="NetpbmFile"/> for
/// PGM/PPM (ImageSharp misreads binary rasters that start with '#' or whitespace; see there).
/// </summary>
public static class ImageTransforms
{
    /// <summary>File extensions the loaders accept (lower case, with the dot).</summary>
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".pbm", ".ppm", ".pnm"];

    /// <summary>True when the file's extension is one of <see cref="SupportedExtensions"/>.</summary>
    public static bool IsSupported(string path) => SupportedExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    // One image per thread: the loaders already decode many files in parallel, and ImageSharp's
    // own row parallelism on top of that only adds contention.
    static readonly Configuration SingleThreaded = CreateConfiguration();

    static Configuration CreateConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MaxDegreeOfParallelism = 1;
        return configuration;
    }

    /// <summary>Reads only the header of an image file and returns its size, refusing unsupported
    /// extensions, unrecognised content and images over <see cref="ImageLoadOptions.MaxImagePixels"/>.
    /// Throws <see cref="DataException"/> naming the file.</summary>
    public static (int Width, int Height) ReadSize(string path, ImageLoadOptions options)
    {
        if (IsNetpbm(path))
        {
            var (width, height, _) = NetpbmFile.ReadHeader(path, ReadAll(path));
            return CheckSize(path, width, height, options);
        }
        using var stream = OpenImage(path);
        return Identify(path, stream, options);
    }

    /// <summary>Decodes an image file and applies the load-time transforms (see the class summary).
    /// Throws <see cref="DataException"/> naming the file when it is unsupported, corrupt or too large.</summary>
    public static DecodedImage DecodeFile(string path, ImageLoadOptions options)
    {
        if (IsNetpbm(path)) return DecodeNetpbm(path, options);
        var bytes = ReadAll(path);
        using var stream = new MemoryStream(bytes, writable: false);
        Identify(path, stream, options);
        ImageIntegrity.Verify(path, bytes);
        stream.Position = 0;
        Image<Rgb24> image;
        try { image = Image.Load<Rgb24>(SingleThreaded, stream); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataException(path, $"could not decode the image ({e.GetType().Name}: {e.Message}). The file is corrupt or truncated: " +
                "replace or delete it, or load with SkipBad to skip such files.", e);
        }
        using (image) return Transform(image, options);
    }

    /// <summary>Applies the load-time transforms to pixels already in memory, channel-major (C, H, W)
    /// with C = 1 or 3 (used for IDX, NPY and CIFAR arrays). Returns the input unchanged in layout
    /// when neither the size nor the channel count changes.</summary>
    public static DecodedImage TransformChw(ReadOnlySpan<byte> chw, int channels, int height, int width, ImageLoadOptions options)
    {
        if (channels is not (1 or 3)) throw new ArgumentException($"channels={channels}: expected 1 or 3.");
        if (chw.Length != channels * height * width) throw new ArgumentException($"{chw.Length} bytes for a {channels}×{height}×{width} image.");
        if (options.ImageSize is null && options.Channels == channels) return new DecodedImage(channels, height, width, chw.ToArray());
        var rgb = new Rgb24[height * width];
        int plane = height * width;
        for (int p = 0; p < plane; p++)
            rgb[p] = channels == 1 ? new Rgb24(chw[p], chw[p], chw[p]) : new Rgb24(chw[p], chw[plane + p], chw[2 * plane + p]);
        using var image = Image.LoadPixelData<Rgb24>(SingleThreaded, rgb, width, height);
        return Transform(image, options);
    }

    /// <summary>Luminance of an RGB pixel, ITU-R BT.601: Y = 0.299 R + 0.587 G + 0.114 B, rounded
    /// half up in integer arithmetic, so a grey pixel (R = G = B = v) gives exactly v.</summary>
    public static byte Luminance(byte r, byte g, byte b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);

    static bool IsNetpbm(string path) => NetpbmFile.Extensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    static DecodedImage DecodeNetpbm(string path, ImageLoadOptions options)
    {
        var bytes = ReadAll(path);
        var (width, height, _) = NetpbmFile.ReadHeader(path, bytes);
        CheckSize(path, width, height, options);
        var raster = NetpbmFile.Read(path, bytes);
        var chw = new byte[raster.Pixels.Length];
        int plane = raster.Width * raster.Height;
        for (int p = 0; p < plane; p++)
            for (int c = 0; c < raster.Channels; c++)
                chw[c * plane + p] = raster.Pixels[p * raster.Channels + c];
        return TransformChw(chw, raster.Channels, raster.Height, raster.Width, options);
    }

    static byte[] ReadAll(string path)
    {
        using var stream = OpenImage(path);
        if (stream.Length > Array.MaxLength)
            throw new DataException(path, $"file of {stream.Length:N0} bytes is far too large for an image; replace or delete it, or load with SkipBad to skip it.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    static FileStream OpenImage(string path)
    {
        if (!IsSupported(path))
            throw new DataException(path, $"unsupported file type '{Path.GetExtension(path)}'; supported: {string.Join(", ", SupportedExtensions)}. " +
                "Convert or remove the file, or load with SkipBad to skip it.");
        try { return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException(path, $"cannot open the file ({e.Message}).", e);
        }
    }

    static (int Width, int Height) Identify(string path, Stream stream, ImageLoadOptions options)
    {
        IImageInfo? info;
        try { info = Image.Identify(SingleThreaded, stream); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataException(path, $"could not read the image header ({e.GetType().Name}: {e.Message}). The file is corrupt: " +
                "replace or delete it, or load with SkipBad to skip such files.", e);
        }
        if (info is null)
            throw new DataException(path, "the content is not a recognised image (JPEG, PNG, BMP or Netpbm), whatever its extension says. " +
                "Replace or delete the file, or load with SkipBad to skip such files.");
        return CheckSize(path, info.Width, info.Height, options);
    }

    static (int Width, int Height) CheckSize(string path, int width, int height, ImageLoadOptions options)
    {
        if (width <= 0 || height <= 0 || (long)width * height > options.MaxImagePixels)
            throw new DataException(path, $"image of {width}×{height} pixels refused before decoding: the limit is " +
                $"{options.MaxImagePixels:N0} pixels (MaxImagePixels). Shrink the file, remove it, or raise the limit if it is genuine.");
        return (width, height);
    }

    /// <summary>Centre crop + resize (when ImageSize is set), then channel selection and (H, W, C) → (C, H, W).</summary>
    static DecodedImage Transform(Image<Rgb24> image, ImageLoadOptions options)
    {
        if (options.ImageSize is int size && (image.Width != size || image.Height != size))
        {
            int side = Math.Min(image.Width, image.Height);
            var square = new Rectangle((image.Width - side) / 2, (image.Height - side) / 2, side, side);
            image.Mutate(ctx =>
            {
                if (side != image.Width || side != image.Height) ctx.Crop(square);
                if (side != size) ctx.Resize(size, size, KnownResamplers.Bicubic);
            });
        }
        return ToChannelMajor(image, options.Channels);
    }

    static DecodedImage ToChannelMajor(Image<Rgb24> image, int channels)
    {
        int h = image.Height, w = image.Width, plane = h * w;
        var hwc = new Rgb24[plane];
        image.CopyPixelDataTo(hwc);
        var chw = new byte[channels * plane];
        for (int p = 0; p < plane; p++)
        {
            var px = hwc[p];
            if (channels == 1)
                chw[p] = Luminance(px.R, px.G, px.B);
            else
            {
                chw[p] = px.R;
                chw[plane + p] = px.G;
                chw[2 * plane + p] = px.B;
            }
        }
        return new DecodedImage(channels, h, w, chw);
    }
}
