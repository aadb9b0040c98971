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

        // Known pixels unchanged and holes repainted: a check the unrepaired input would fail.
        Assert.Contains("known pixels kept exactly and the holes repainted (the holed input itself would fail the second half): True", outputs);
        Assert.Contains("largest change of a known pixel 0;", outputs);
        // The judge's overlap with the test faces is counted, not claimed away; each restorer's wins are counted.
        Assert.Matches(@"test faces: \d+ belong to people the judge trained on, \d+ are among its training images", outputs);
        Assert.Equal(4, NotebookHarness.Count(outputs, "higher PSNR than every classical method (and the input) on "));
        // One score table per restorer (sr4, denoise, inpaint with U-Net+GAN, inpaint with the VAE), each with the originals' row.
        Assert.Equal(4, NotebookHarness.Count(outputs, "<th>verification AUC</th>"));
        foreach (var method in new[] { "bicubic (the degraded input)", "Gaussian blur σ = 1 px", "median 3", "harmonic fill", "mean fill", ">unet-gan<", ">unet<", ">vae<" })
            Assert.Contains(method, outputs);
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 5, "the degradations grid and the four live snapshot grids");
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 4, "a live loss chart per restorer");
        Assert.Contains("eye band, hole PSNR: VAE vs U-Net+GAN", outputs);    // the closing table
    }
}
