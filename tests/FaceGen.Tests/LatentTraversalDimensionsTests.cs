using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Visualization;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The traversal overload that takes the latent dimensions to vary (notebook 06 traverses the most active ones).</summary>
public class LatentTraversalDimensionsTests
{
    public LatentTraversalDimensionsTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ChosenDimensionsGiveOneRowEachAndTheFirstKAgreeWithTheCountForm()
    {
        manual_seed(4);
        using var vae = new ConvVae(imageSize: 16, channels: 1, latentSize: 6, width: 4);
        vae.eval();
        var face = rand(1, 16, 16);
        var values = new[] { -2.0, 0, 2 };
        var firstThree = LatentGrids.Traversal(vae, ReconstructionLikelihood.Bernoulli, face, new[] { 0, 1, 2 }, values);
        var byCount = LatentGrids.Traversal(vae, ReconstructionLikelihood.Bernoulli, face, dimensions: 3, values: values);
        Assert.Equal(byCount.Png, firstThree.Png);

        var chosen = LatentGrids.Traversal(vae, ReconstructionLikelihood.Bernoulli, face, new[] { 5, 2 }, values);
        Assert.Equal((3 * 18 + 2, 2 * 18 + 2), (chosen.Width, chosen.Height));
        Assert.Contains("latent dimensions 5, 2", chosen.Caption);
        Assert.NotEqual(firstThree.Png, chosen.Png);

        var error = Assert.Throws<ArgumentException>(() => LatentGrids.Traversal(vae, ReconstructionLikelihood.Bernoulli, face, new[] { 6 }));
        Assert.Contains("0 … 5", error.Message);
    }
}
