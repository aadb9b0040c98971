namespace FaceGen.Tests;

/// <summary>Notebook 09 (enhancement and restoration), executed headless with the quick profile: it trains a
/// recogniser and four restorers and shows each one's score table against the baselines.</summary>
public class Notebook09Tests
{
    [Fact]
    public void Notebook09ScoresEveryRestorerAgainstTheBaselinesAndTheRecogniser()
    {
        var run = NotebookHarness.Execute("09-applications-enhancement-and-restoration.ipynb");
        var outputs = run.OutputsJson;

        Assert.Contains("every restored face keeps its known pixels (composited), so hole PSNR is where methods differ: True", outputs);
        // One score table per restorer (sr4, denoise, inpaint with U-Net+GAN, inpaint with the VAE), each with the originals' row.
        Assert.Equal(4, NotebookHarness.Count(outputs, "<th>verification AUC</th>"));
        foreach (var method in new[] { "bicubic (the degraded input)", "Gaussian blur σ = 1 px", "median 3", "harmonic fill", "mean fill", ">unet-gan<", ">unet<", ">vae<" })
            Assert.Contains(method, outputs);
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 5, "the degradations grid and the four live snapshot grids");
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 4, "a live loss chart per restorer");
        Assert.Contains("eye band, hole PSNR: VAE vs U-Net+GAN", outputs);    // the closing table
    }
}
