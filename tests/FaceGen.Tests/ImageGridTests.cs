using FaceGen.Runtime;
using FaceGen.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class ImageGridTests
{
    public ImageGridTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void TilePlacesEveryImageInsideItsBorderAndBlanksTheLastCell()
    {
        // Three 1×2×2 images with constant values 0.1, 0.2, 0.3 in rows of 2, padding 1, border 1.0.
        var images = stack(new[] { full(1, 2, 2, 0.1f), full(1, 2, 2, 0.2f), full(1, 2, 2, 0.3f) });
        var grid = ImageGrid.Tile(images, columns: 2, padding: 1, padValue: 1f);
        Assert.Equal(new long[] { 1, 7, 7 }, grid.shape); // 2 cells of 2 px + 3 borders = 7

        float[,] expected = new float[7, 7];
        for (int y = 0; y < 7; y++) for (int x = 0; x < 7; x++) expected[y, x] = 1f;
        void Put(int row, int col, float v) { for (int dy = 0; dy < 2; dy++) for (int dx = 0; dx < 2; dx++) expected[1 + 3 * row + dy, 1 + 3 * col + dx] = v; }
        Put(0, 0, 0.1f); Put(0, 1, 0.2f); Put(1, 0, 0.3f); // cell (1, 1) stays blank
        var actual = grid[0].data<float>().ToArray();
        for (int y = 0; y < 7; y++)
            for (int x = 0; x < 7; x++)
                Assert.Equal(expected[y, x], actual[y * 7 + x], 6);
    }

    [Fact]
    public void TorchVisionMakeGridStillFailsOnAPartialLastRow()
    {
        // Why ImageGrid.Tile exists: TorchVision 0.107.0 indexes past the batch. If this test starts
        // failing, TorchVision was fixed and ImageGrid.Tile can call make_grid instead.
        var ex = Record.Exception(() => torchvision.utils.make_grid(ones(3, 3, 4, 4), nrow: 2, padding: 1));
        Assert.NotNull(ex);
        Assert.Contains("out of range", ex!.Message);
    }

    [Fact]
    public void PngRoundTripKeepsPixelsForGreyAndRgb()
    {
        var grey = tensor(new byte[] { 0, 64, 128, 255 }).reshape(1, 1, 2, 2);
        var g = ImageGrid.FromBytes(grey, padding: 0);
        using (var decoded = Image.Load<L8>(g.Png))
        {
            Assert.Equal((2, 2), (decoded.Width, decoded.Height));
            Assert.Equal(new byte[] { 0, 64, 128, 255 }, new[] { decoded[0, 0].PackedValue, decoded[1, 0].PackedValue, decoded[0, 1].PackedValue, decoded[1, 1].PackedValue });
        }
        // [−1, 1] input, x ↦ round(255·(x + 1)/2): −1 → 0, 0 → 128 (127.5 rounds to even), 1 → 255.
        // Channels: R = [−1, 0], G = [1, −1], B = [0, 1] for the two pixels.
        var signed = tensor(new float[] { -1, 0, 1, -1, 0, 1 }).reshape(1, 3, 1, 2);
        using var rgb = Image.Load<Rgb24>(ImageGrid.FromSigned(signed, padding: 0).Png);
        Assert.Equal(new Rgb24(0, 255, 128), rgb[0, 0]);
        Assert.Equal(new Rgb24(128, 0, 255), rgb[1, 0]);
    }

    [Fact]
    public void SaveIsAtomicAndHtmlEmbedsThePng()
    {
        var folder = TestPaths.NewTempFolder();
        var path = Path.Combine(folder, "sub", "grid.png");
        var grid = ImageGrid.FromUnit(rand(4, 3, 8, 8));
        grid.Save(path);
        Assert.Equal(grid.Png, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left
        Assert.Contains("data:image/png;base64," + Convert.ToBase64String(grid.Png), grid.ToHtml());
    }
}
