using System.Globalization;
using System.Text.RegularExpressions;

namespace FaceGen.Tests;

/// <summary>notebooks/04-gan-strengths-and-weaknesses, executed headless with the quick profile: it must run without a
/// cell error and print what it promises — the mode-coverage metric checked on real and collapsed samples, the
/// minimax run's oscillation and coverage over time with its charts and scatter snapshots, the remedies table, the
/// diversity and Fréchet measures on faces with sample grids, and the closing table.</summary>
public class Notebook04Tests
{
    static double Number(string outputs, string pattern)
    {
        var match = Regex.Match(outputs, pattern);
        Assert.True(match.Success, $"the notebook's outputs lack /{pattern}/");
        return double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Notebook04MeasuresOscillationModeCollapseAndTheRemedies()
    {
        const string name = "04-gan-strengths-and-weaknesses.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // The metric's checks: real samples, the hand-computed KL, a two-mode sampler; the diversity by hand.
        Assert.Contains("real data: all modes covered and > 98 % high quality: True", outputs);
        Assert.Contains("KL to uniform by hand = library: True", outputs);
        Assert.Contains("two-mode collapse: 2 modes covered and KL = log 4: True", outputs);
        Assert.Contains("sample diversity by hand = library: True", outputs);
        Assert.DoesNotContain(": False", outputs);

        // The minimax run: its oscillation statistic, coverage over 40 snapshots, the hopping counts.
        Assert.Matches(@"600 steps in [0-9.]+ s", outputs);
        Assert.Matches(@"second half: D\(x\) - D\(G\(z\)\) = -?[0-9.]+ ± [0-9.]+", outputs);
        Assert.Matches(@"modes covered over 40 snapshots:( [0-8]){40}", outputs);
        Assert.Matches(@"modes entering the covered set: [0-9]+; modes leaving it again: [0-9]+", outputs);
        // Oscillation and collapse are decided from measurements: the lag-1 autocorrelation is printed and each verdict is given.
        Assert.InRange(Number(outputs, @"lag-1 autocorrelation of the gap: (-?[0-9.]+)"), -1, 1);
        Assert.Matches(@"the gap oscillates: slow swings \(ρ₁ > 0.5\) of more than ±0.05: (holds|does not hold)", outputs);
        Assert.Matches(@"the run ended collapsed \(modes missing, or KL to uniform ≥ 0.1\): (holds|does not hold|not decided by this run — needs most generated points within 3σ of a mode \(high-quality fraction ≥ 0.5; this run: [0-9.]+\))", outputs);
        // The remedies: six settings × two seeds in the quick profile, too few for a verdict: the comparison is withheld.
        Assert.Contains("6 settings × 2 seeds × 200 generator steps", outputs);
        Assert.Contains("not decided by this run — needs at least 3 seeds (this run: 2)", outputs);
        Assert.DoesNotContain("vs minimax:", outputs);
        Assert.DoesNotContain("most modes with the best quality", outputs);
        // Faces: both settings measured; generated diversity is a positive fraction of the real images'.
        foreach (var setting in new[] { "batch norm in D", "spectral norm in D" })
        {
            double ratio = Number(outputs, setting + @": diversity ([0-9.]+) of the real images'");
            Assert.InRange(ratio, 0.001, 2);
            Assert.True(Number(outputs, setting + @": diversity [0-9.]+ of the real images', pixel FD ([0-9.]+)") > 0);
            // Quick-profile samples are not faces: the collapse verdict is withheld for want of face-like samples.
            Assert.Contains(setting + ": the generator collapsed (diversity below half the real images'): not decided by this run — needs samples' distance", outputs);
        }
        Assert.Contains("This quick run shows how the measures are computed, not faces", outputs);

        // Charts: the ring, D's beliefs, coverage over time, per-mode shares, the scatter panels (+ live training charts).
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 5, "the five charts of the toy sections");
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 3, "the real faces and one sample grid per setting");
        Assert.Contains("minimax run: modes entering / leaving the covered set", outputs);   // the closing table
        Assert.Contains("whole notebook", outputs);
    }
}
