namespace FaceGen.Tests;

/// <summary>Notebook 08 (generation and simulation), executed headless with the quick profile: a recogniser, a
/// conditional GAN with a held-out split scored through it, the memorisation check, and the few-shot augmentation
/// experiment with its table, bar chart and verdict.</summary>
public class Notebook08Tests
{
    [Fact]
    public void Notebook08ScoresTheSamplesChecksMemorisationAndRunsTheAugmentationExperiment()
    {
        var run = NotebookHarness.Execute("08-applications-generation-and-simulation.ipynb");
        var outputs = run.OutputsJson;

        foreach (var check in new[]
        {
            "the recogniser beats chance (1/40) by a wide margin: True",
            "held-out real faces score better than noise on every distance: True",
            "held-out real faces score better than the samples (FD, recogniser embedding): True",
            "equal: True",                                                        // KID by hand = library
            "a generator that returns training images has copy rate 1: True",
            "a generator that returns noise has copy rate 0: True",
            "(≈ 5 % by construction): True",
            "every condition beats chance (1/40): True",
        })
            Assert.Contains(check, outputs);
        Assert.DoesNotContain(": False", outputs);

        // The evaluation table (sets and memorisation), the augmentation table and its bar chart.
        Assert.Contains("<th>FD (recogniser embedding)</th>", outputs);
        Assert.Contains("<th>copy rate</th>", outputs);
        Assert.Contains(">condition (k = 1)</th>", outputs);   // a NotebookTables.Table header cell
        Assert.Contains("cGAN samples on top of classic augmentation", outputs);
        // The gates: two seeds (the quick profile) give no verdict; samples nearer noise than faces give no memorisation verdict.
        Assert.Contains("not judged: 2 seeds cannot tell an effect from seed-to-seed luck", outputs);
        Assert.DoesNotContain("than the seed-to-seed spread", outputs);
        Assert.Contains("where the samples lie from held-out real faces (0) to noise (1)", outputs);
        bool nearerNoise = outputs.Contains("the samples lie nearer noise than real faces");
        Assert.Equal(nearerNoise ? 2 : 0, NotebookHarness.Count(outputs, "this run cannot show memorisation either way"));
        Assert.Equal(!nearerNoise, outputs.Contains("the checks below can read them as faces"));
        // Pictures: the samples grid, nearest.png, closest.png (and the live snapshot grid of the GAN).
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 3, "samples grid and the two nearest-neighbour pictures");
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 3, "live loss charts of the recogniser and the cGAN, the accuracy bars");
        Assert.Contains("few-shot identification, k = 1 (mean ± std over seeds)", outputs);
        Assert.Contains("(d) k = 1 accuracy: real / classic / + cGAN / + pre-training", outputs);   // the closing table
    }
}
