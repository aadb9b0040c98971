using FaceGen.Data;
using FaceGen.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceGen.Visualization;

/// <summary>
/// A batch of images tiled into one picture and encoded as PNG: what training writes as
/// <c>samples_&lt;step&gt;.png</c>, what <c>facegen data preview</c> writes as a contact sheet, and what a
/// notebook shows inline (a registered HTML formatter, or <see cref="ToHtml"/>).
/// The input range is always stated by the factory used: <see cref="FromBytes"/> (uint8 0..255),
/// <see cref="FromUnit"/> ([0, 1]) or <see cref="FromSigned"/> ([−1, 1], a tanh generator's output).
/// </summary>
[TypeFormatterSource(typeof(ImageGridFormatterSource))]
public sealed class ImageGrid
{
    /// <summary>The encoded PNG.</summary>
    public byte[] Png { get; }
    public int Width { get; }
    public int Height { get; }
    /// <summary>Shown under the picture in a notebook; may be empty.</summary>
    public string Caption { get; init; } = "";

    ImageGrid(byte[] png, int width, int height)
    {
        Png = png;
        Width = width;
        Height = height;
    }

    /// <summary>Grid of uint8 images (N, C, H, W) or (C, H, W), C = 1 or 3.</summary>
    public static ImageGrid FromBytes(Tensor images, int? columns = null, int padding = 2, float padValue = 1f)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        return FromUnit(images.to_type(ScalarType.Float32) / 255f, columns, padding, padValue);
    }

    /// <summary>Grid of images in [−1, 1]: x ↦ (x + 1) / 2 first.</summary>
    public static ImageGrid FromSigned(Tensor images, int? columns = null, int padding = 2, float padValue = 1f)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        return FromUnit(ImageAdapter.SignedToUnit(images.detach()), columns, padding, padValue);
    }

    /// <summary>Grid of images in [0, 1] (values outside are clamped). <paramref name="columns"/>
    /// defaults to ⌈√N⌉; <paramref name="padValue"/> is the border brightness in [0, 1].</summary>
    public static ImageGrid FromUnit(Tensor images, int? columns = null, int padding = 2, float padValue = 1f)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var grid = Tile(images.detach().cpu().to_type(ScalarType.Float32), columns, padding, padValue);
        var bytes = grid.mul(255f).round_().clamp_(0, 255).to_type(ScalarType.Byte).permute(1, 2, 0).contiguous();
        int height = (int)bytes.shape[0], width = (int)bytes.shape[1];
        var pixels = bytes.data<byte>().ToArray();
        using var stream = new MemoryStream();
        if (bytes.shape[2] == 1)
        {
            using var image = Image.LoadPixelData<L8>(pixels, width, height);
            image.SaveAsPng(stream);
        }
        else
        {
            using var image = Image.LoadPixelData<Rgb24>(pixels, width, height);
            image.SaveAsPng(stream);
        }
        return new ImageGrid(stream.ToArray(), width, height);
    }

    /// <summary>
    /// Tiles (N, C, H, W) into (C, rows·(H+p)+p, cols·(W+p)+p) with a border of p pixels around
    /// every image, row-major, the last row padded with blank cells.
    /// Written here rather than calling torchvision.utils.make_grid because TorchVision 0.107.0's
    /// version indexes past the batch whenever N is not a multiple of the row length (3 images in
    /// rows of 2 throw "index 3 out of range") and omits the top border; a test pins this one.
    /// </summary>
    public static Tensor Tile(Tensor images, int? columns = null, int padding = 2, float padValue = 1f)
    {
        if (images.dim() == 3) images = images.unsqueeze(0);
        if (images.dim() != 4 || images.shape[1] is not (1 or 3))
            throw new ArgumentException($"Expected images of shape (N, 1|3, H, W), got [{string.Join(", ", images.shape)}].");
        if (padding < 0) throw new ArgumentException($"padding={padding}: must be ≥ 0.");
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (n == 0) throw new ArgumentException("Cannot tile an empty batch.");
        long cols = Math.Min(columns ?? (long)Math.Ceiling(Math.Sqrt(n)), n);
        if (cols <= 0) throw new ArgumentException($"columns={columns}: must be ≥ 1.");
        long rows = (n + cols - 1) / cols;
        var cells = full(new[] { rows * cols, c, h + padding, w + padding }, padValue, images.dtype);
        // Each image sits at the bottom-right of its cell; the grid's top and left border is added below.
        cells.narrow(0, 0, n).narrow(2, padding, h).narrow(3, padding, w).copy_(images);
        var grid = cells.reshape(rows, cols, c, h + padding, w + padding)
            .permute(2, 0, 3, 1, 4)
            .reshape(c, rows * (h + padding), cols * (w + padding));
        return nn.functional.pad(grid, new long[] { 0, padding, 0, padding }, value: padValue);
    }

    /// <summary>The same picture with a caption.</summary>
    public ImageGrid WithCaption(string caption) => new(Png, Width, Height) { Caption = caption };

    /// <summary>An existing PNG (e.g. a saved sample grid) for display.</summary>
    public static ImageGrid FromPng(byte[] png)
    {
        var info = Image.Identify(png) ?? throw new InvalidDataException("not a PNG image");
        return new ImageGrid(png, info.Width, info.Height);
    }

    /// <summary>Writes the PNG atomically (temporary file, then rename), creating the folder.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, Png);

    /// <summary>An HTML &lt;img&gt; with the PNG as a data URI, scaled by <paramref name="zoom"/> with
    /// crisp (nearest-neighbour) pixels, and the caption below.</summary>
    public string ToHtml(double zoom = 2)
    {
        var caption = Caption.Length == 0 ? "" : $"<div style=\"font-size:smaller\">{System.Net.WebUtility.HtmlEncode(Caption)}</div>";
        return $"<div><img style=\"image-rendering:pixelated;width:{(int)(Width * zoom)}px\" " +
               $"src=\"data:image/png;base64,{Convert.ToBase64String(Png)}\"/>{caption}</div>";
    }
}
