namespace FaceGen.Tests;

/// <summary>Notebook 06 (VAE strengths and weaknesses), executed headless with the quick profile: it must run without
/// a cell error, print the outcome of each of its checks, and show its sharpness and nearest-neighbour tables, the
/// picture rows, the σ sweep, the training charts, the interpolation and traversal, the ELBO table and the closing table.</summary>
public class Notebook06Tests
{
    [Fact]
    public void Notebook06MeasuresVaeBlurAgainstAGanAndDemonstratesTheVaesStrengths()
    {
        const string name = "06-vae-strengths-and-weaknesses.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // Each check prints its verdict; all must be True.
        // The blur verdict on samples is withheld unless the samples are faces (pixel FD below half that of noise).
        Assert.Matches(@"pixel FD to the training faces: VAE samples [0-9.]+, GAN samples [0-9.]+, uniform noise [0-9.]+", outputs);
        Assert.Matches(@"VAE samples are blurrier than real faces \(lower mean Laplacian variance\): (holds|does not hold|not decided by this run — needs samples' distance)", outputs);
        Assert.Matches(@"σ acts as a blur knob: reconstructions blur at every step up in σ, by more than a factor 1.5 overall: (holds|does not hold|not decided by this run — needs every model)", outputs);
        Assert.Matches(@"on this run the KL term switched off (none|[0-9]+) of the 16 coordinates", outputs);
        Assert.Contains("VAE reconstructions have a lower mean Laplacian variance than the faces they reconstruct: True", outputs);
        Assert.Contains("calibration curve decreasing): True", outputs);
        Assert.Contains("no VAE or GAN sample is a pixel copy of a training face (every RMS distance > 0.01): True", outputs);
        Assert.Contains("the average has half the expected squared error of a sharp guess", outputs);
        Assert.Contains("the squared-error optimum is less sharp than either candidate: True", outputs);
        Assert.Contains("larger σ, smaller KL term: True", outputs);
        Assert.Contains("rose: True", outputs);
        Assert.Contains("held-out faces score far above noise: True", outputs);
        Assert.Contains("IWAE bound above the ELBO on the held-out faces: True", outputs);
        Assert.DoesNotContain(": False", outputs);

        // The numbers the section promises, whatever their values.
        Assert.Contains("VAE samples are about as sharp as real faces blurred with σ ≈", outputs);
        Assert.Contains("mean RMS distance to the nearest training face", outputs);
        Assert.Contains("nearest-neighbour identification of", outputs);
        Assert.Contains("active latent dimensions (Var_x μ_d > 0.01)", outputs);
        Assert.Contains("largest step / mean step", outputs);

        // Charts: the blur calibration, the VAE ELBO and the GAN losses (live-view redraws come on top).
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 3, "calibration, ELBO and GAN charts");
        // Pictures: contact sheet, the five-row comparison, nearest neighbours, the averaging demo, the σ sweep,
        // the latent and pixel interpolations and the traversal.
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 8, "the notebook's pictures");
        Assert.Contains("held-out ELBO / IWAE bound", outputs);   // the closing table
        Assert.Contains("σ sweep 0.03 / 0.1 / 0.3: held-out MSE", outputs);
        Assert.Contains("profile; whole notebook", outputs);
    }
}
