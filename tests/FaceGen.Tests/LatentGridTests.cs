using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class LatentGridTests
{
    public LatentGridTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void InterpolationEndsDecodeTheTwoEncodingsAndTraversalHasOneRowPerDimension()
    {
        manual_seed(3);
        using var vae = new ConvVae(imageSize: 16, channels: 1, latentSize: 4, width: 4);
        vae.eval();
        var a = rand(1, 16, 16); var b = rand(1, 16, 16);
        var grid = LatentGrids.Interpolation(vae, ReconstructionLikelihood.Bernoulli, a, b, steps: 5);
        Assert.Equal(7 * 18 + 2, grid.Width); // x_a, 5 decodings, x_b
        // Column 1 (t = 0) is the decoding of μ_a: compare with a direct decode.
        using var png = Image.Load<L8>(grid.Png);
        var (muA, _) = vae.Encode(a.unsqueeze(0));
        var expected = sigmoid(vae.Decode(muA).Location).view(16, 16);
        int x0 = 18 + 2, y0 = 2; // cell 1 starts after one 16-px cell and two 2-px borders
        for (int y = 0; y < 16; y += 5)
            for (int x = 0; x < 16; x += 5)
                Assert.InRange(png[x0 + x, y0 + y].PackedValue - expected[y, x].item<float>() * 255, -1, 1);

        var traversal = LatentGrids.Traversal(vae, ReconstructionLikelihood.Bernoulli, a, dimensions: 3, values: new[] { -2.0, 0, 2 });
        Assert.Equal((3 * 18 + 2, 3 * 18 + 2), (traversal.Width, traversal.Height));
    }
}
