namespace FaceGen.Tests;

/// <summary>Notebook 10 (GAN vs VAE, and ablations), executed headless with the quick profile: both families trained
/// on the same faces and scored by one function, then a 2×2 ablation grid run inline, resumed and tabulated.</summary>
public class Notebook10Tests
{
    [Fact]
    public void Notebook10ComparesTheFamiliesAndRunsAnAblationInline()
    {
        var run = NotebookHarness.Execute("10-gan-vs-vae-and-ablations.ipynb");
        var outputs = run.OutputsJson;

        foreach (var check in new[]
        {
            "the recogniser beats chance several times over: True",
            "GAN and VAE train on the same faces: True",
            "held-out photos beat noise on pixel FD, embedding FD and KID: True",
            "the typo is refused with a suggestion: True",
            "WGAN-GP with batch norm is refused: True",
            "a second call re-runs nothing: True",
        })
            Assert.Contains(check, outputs);
        Assert.DoesNotContain(": False", outputs);

        // The side-by-side table, the picture, the three claims, the ablation table with one row per setting.
        Assert.Contains("FD (recogniser embedding) ↓", outputs);
        Assert.Contains("sharpness: Laplacian variance ↑", outputs);
        Assert.Equal(3, NotebookHarness.Count(outputs, "in this run"));
        // The gate: a verdict is read off the table only when both models' samples lie nearer faces than noise.
        Assert.Contains("samples from held-out photos (0) to noise (1), pixel / embedding FD: GAN ", outputs);
        int notJudged = NotebookHarness.Count(outputs, "not judged in this run: ");
        Assert.True(notJudged is 0 or 3, $"{notJudged} of the 3 claims not judged: the gate is all or nothing");
        Assert.Equal(notJudged == 3, outputs.Contains("nearer noise: claims not judged"));
        foreach (var setting in new[] { "loss=non-saturating, norm=batch", "loss=non-saturating, norm=spectral", "loss=hinge, norm=batch", "loss=hinge, norm=spectral" })
            Assert.Contains(setting, outputs);
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 1, "held-out photos, GAN and VAE samples");
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 4, "live charts of both models, the ablation's bars and curves");
        Assert.Contains("ablation: lowest pixel FD", outputs);   // the closing table
    }
}
