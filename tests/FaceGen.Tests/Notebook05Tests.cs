
namespace FaceGen.Tests;

/// <summary>Notebook 05 (VAE structure and the ELBO), executed headless with the quick profile: it must run without
/// a cell error and print the outcome of each of its checks, its charts, its pictures and its closing table.</summary>
public class Notebook05Tests
{
    [Fact]
    public void Notebook05VaeStructureAndElboChecksEveryTermAndTrainsAConvVae()
    {
        const string name = "05-vae-structure-and-elbo.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // Each check prints its verdict; all must be True.
        Assert.Contains("reparameterisation checked: True", outputs);
        Assert.Contains("the KL term's gradient on the decoder is exactly 0", outputs);
        Assert.Contains("closed form within 4 standard errors of Monte Carlo for every row: True", outputs);
        Assert.Contains("ELBO terms by hand = library: True", outputs);
        Assert.Contains("ELBO below log p(x) for every x: True", outputs);
        Assert.Contains("library estimate within 4 SE of the closed-form ELBO: True", outputs);
        Assert.Contains("one-sample ELBO = log p(x): True", outputs);
        Assert.Contains("L_K rises with K and stays below log p(x): True", outputs);
        Assert.Matches(@"IWAE estimate minus ELBO estimate: [0-9.]+ nats per image \(≥ 0 in expectation\); above on this run: True", outputs);
        // The interpolation's verdict is computed, and withheld when the decoded ends hardly differ.
        Assert.Matches(@"decoded end faces [0-9.]+ apart \(RMS\); the two originals [0-9.]+", outputs);
        Assert.Matches(@"the interpolation is a smooth morph \(largest frame step below twice the mean step\): (holds|does not hold|not decided by this run — needs decoded end faces)", outputs);
        Assert.DoesNotContain(": False", outputs);

        // The IWAE curve and the training curves; the snapshot grid and the interpolation.
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 2, "the IWAE chart and the training chart");
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 2, "reconstructions/samples and the interpolation");
        Assert.Contains("held-out IWAE bound (K = 16)", outputs);   // the closing table
        Assert.Contains("linear-Gaussian: IWAE L_1 / L_10 / L_100 / L_1000", outputs);
    }
}
