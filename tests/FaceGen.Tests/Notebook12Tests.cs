namespace FaceGen.Tests;

/// <summary>Notebook 12 (FAQ), executed headless with the quick profile: every answer's evidence cell runs and
/// its checks come out true.</summary>
public class Notebook12Tests
{
    [Fact]
    public void Notebook12FaqChecksEachAnswersEvidence()
    {
        var run = NotebookHarness.Execute("12-faq.ipynb");
        var outputs = run.OutputsJson;

        Assert.Contains("forward GFLOP per image", outputs);                        // Q1: the cost table
        Assert.Matches(@"measured: \d+\.\d{3} s per training step of \d+ images", outputs);   // Q1: timed, not asserted in prose
        Assert.Contains("harmonic fill beats mean fill on the mouth hole: True", outputs);   // Q2
        Assert.Contains("the median filter improves on the noisy faces: True", outputs);
        Assert.Contains("V(D*, G) = −log 4 + 2·JSD for every μ: True", outputs);     // Q3, GAN
        Assert.Contains("the value is −log 4 at p_g = p_data and above it elsewhere: True", outputs);
        Assert.Contains("ELBO below log p(x) for the poor encoder: True", outputs);  // Q3, VAE
        Assert.Contains("ELBO equals log p(x) for the exact posterior: True", outputs);
        Assert.Contains("the convolutional generator is smaller: True", outputs);    // Q5
        Assert.DoesNotContain(": False", outputs);
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 1, "the restoration picture");
        Assert.Contains("parameters, MLP vs DCGAN generator", outputs);             // the closing table
    }
}
