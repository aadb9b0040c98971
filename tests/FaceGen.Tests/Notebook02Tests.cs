
namespace FaceGen.Tests;

/// <summary>Notebook 02 (GAN generator and discriminator, source §3.1.1–3.1.2), executed headless with the quick
/// profile: it must run without a cell error and show the parameter counts checked by hand, the softmax erratum's
/// evidence, the Keras generator's 4×4 output, the generated image grids and the closing table.</summary>
public class Notebook02Tests
{
    [Fact]
    public void Notebook02BuildsBothNetworksAndProvesBothErrata()
    {
        var name = "02-gan-generator-and-discriminator.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // DCGAN-64 parameter counts: the hand sum over the layer shapes equals the library's count.
        Assert.Contains("hand sum: 3,576,704   library: 3,576,704   equal: True", outputs);
        Assert.Contains("hand sum: 2,765,568   library: 2,765,568   equal: True", outputs);
        Assert.Contains("conditional G: library 4,396,704", outputs);
        Assert.Contains("4×4 → 8×8 → 16×16 → 32×32 → 64×64", outputs);

        // Erratum 1: softmax over D's single output is exactly 1, its gradient 0; sigmoid varies.
        Assert.Contains("softmax(N×1, dim 1) is exactly 1 for all 32 images: True", outputs);
        Assert.Contains("max |∂/∂ℓ| = 0 ", outputs);
        Assert.Contains("exactly 1 for every image", outputs);

        // Erratum 2: the tutorial's Keras generator outputs 4×4×3 images, and its discriminator rejects them.
        Assert.Contains("Keras generator output per image: 4×4×3 (H×W×C)", outputs);
        Assert.Contains("fails — mat1 and mat2 shapes cannot be multiplied", outputs);

        int images = (outputs.Length - outputs.Replace("data:image/png;base64,", "").Length) / "data:image/png;base64,".Length;
        Assert.True(images >= 4, $"expected the DCGAN, conditional, real-face and Keras grids; found {images} images");
        Assert.Contains("4×4×3 (not 32×32×3)", outputs);   // the closing table
    }
}
