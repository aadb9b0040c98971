namespace FaceGen.Tests;

/// <summary>Notebook 11 (future directions and challenges), executed headless with the quick profile: the class-imbalance
/// experiment, memorisation against data size, seen against unseen identities, and the live cost table.</summary>
public class Notebook11Tests
{
    [Fact]
    public void Notebook11MeasuresImbalanceMemorisationGeneralisationAndCost()
    {
        var run = NotebookHarness.Execute("11-future-directions-and-challenges.ipynb");
        var outputs = run.OutputsJson;

        foreach (var check in new[]
        {
            "the training set is imbalanced (largest class ≥ 3× the smallest): True",
            "predicted shares of held-out real faces sum to 1: True",
            "balanced resample: every class within 1/K ± 5 points of the images: True",
            "every distribution in the table sums to 1: True",
            "held-out distances grow as N shrinks (fewer training images to be near): True",
            "no unseen identity was in the recogniser's training set: True",
            "both evaluations beat chance verification (AUC > 0.5): True",
            "DCGAN-64 needs more training FLOPs per image than DCGAN-32: True",
            "a VAE's training step costs 3× its forward pass: True",
        })
            Assert.Contains(check, outputs);
        Assert.DoesNotContain(": False", outputs);

        // The gates: a verdict on the class shares only when the samples lie nearer faces than noise and the classifier reads
        // real faces at least twice as well as chance; a memorisation verdict only when every N's samples lie nearer faces.
        Assert.Contains("samples from held-out real faces (0) to noise (1), pixel FD: raw GAN ", outputs);
        bool imbalanceJudged = outputs.Contains("the run supports a verdict: samples nearer faces than noise");
        Assert.NotEqual(imbalanceJudged, outputs.Contains("not judged in this run: the"));
        Assert.Equal(imbalanceJudged, new[] { " — it amplified the majority", " — it under-represented the majority", " — it kept the majority" }.Any(outputs.Contains));
        Assert.Equal(3, NotebookHarness.Count(outputs, "; median distance samples "));   // both medians, every N
        Assert.Equal(outputs.Contains("samples nearer noise than faces: nothing here to copy"), outputs.Contains("not judged in this run: at some N"));
        // Section 1: the distribution table (with its four columns) and the bar chart of shares.
        Assert.Contains("GAN, balanced data (classified)", outputs);
        Assert.Contains("class shares: held-out real faces, GAN on raw data, GAN on balanced data", outputs);
        // Section 2: one row per training-set size and the chart against N.
        foreach (var n in new[] { "N = 50: copy rate", "N = 200: copy rate" })
            Assert.Contains(n, outputs);
        Assert.Contains("memorisation against training-set size", outputs);
        // Section 3: seen and unseen rows.
        Assert.Contains("unseen identities (20 people)", outputs);
        // Section 4: the five models, measured.
        foreach (var model in new[] { "DCGAN-64 (width 64)", "DCGAN-32 (width 64)", "conv VAE-64", "MLP VAE-28", "recogniser-64" })
            Assert.Contains(model, outputs);
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 6, "training faces, two sample grids, three nearest-neighbour grids");
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 10,
            "live charts of the classifier, five GANs and the recogniser, the memorisation chart and the two bar charts");
        Assert.Contains("3. verification AUC / EER: seen vs unseen identities", outputs);   // the closing table
    }
}
