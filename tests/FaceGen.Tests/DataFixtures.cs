using FaceGen.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceGen.Tests;

/// <summary>Small image and array files written by hand into temp folders for the data loader tests.</summary>
public static class DataFixtures
{
    /// <summary>Options for fixtures: native size unless given, no cache unless asked, and then a private
    /// cache folder (tests never touch the user's cache).</summary>
    public static ImageLoadOptions Options(int? size = null, int channels = 3, bool skipBad = false, bool useCache = false) =>
        new(ImageSize: size, Channels: channels, SkipBad: skipBad, UseCache: useCache,
            CacheFolder: useCache ? TestPaths.NewTempFolder("facegen-cache") : null);

    /// <summary>Writes an RGB image whose pixel (x, y) is <paramref name="pixel"/>(x, y); the format follows the extension.</summary>
    public static string WriteRgb(string path, int width, int height, Func<int, int, Rgb24> pixel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                image[x, y] = pixel(x, y);
        image.Save(path);
        return path;
    }

    /// <summary>A solid-colour RGB image.</summary>
    public static string WriteSolid(string path, int width, int height, byte r, byte g, byte b) =>
        WriteRgb(path, width, height, (_, _) => new Rgb24(r, g, b));

    /// <summary>A binary PGM (P5, maxval 255) written byte by byte: the header, then row-major pixels.</summary>
    public static string WritePgm(string path, int width, int height, Func<int, int, byte> pixel)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var header = System.Text.Encoding.ASCII.GetBytes($"P5\n{width} {height}\n255\n");
        var data = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                data[y * width + x] = pixel(x, y);
        File.WriteAllBytes(path, [.. header, .. data]);
        return path;
    }

    /// <summary>Same shape and the same elements.</summary>
    public static bool Same(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    /// <summary>The (C, H, W) bytes of image <paramref name="index"/> of a data set.</summary>
    public static byte[] ImageBytes(FaceDataset data, int index)
    {
        using var row = data.Images[index];
        return row.data<byte>().ToArray();
    }
}
