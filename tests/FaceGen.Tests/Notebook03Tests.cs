using System.Globalization;
using System.Text.RegularExpressions;

namespace FaceGen.Tests;

/// <summary>notebooks/03-gan-training-and-losses, executed headless with the quick profile: it must run without
/// a cell error and print what it promises — the losses and gradients equal three ways, the optimal discriminator
/// reached, the saturating gradient vanishing where the non-saturating one does not, its charts, sample grids
/// and closing table.</summary>
public class Notebook03Tests
{
    static double Number(string outputs, string pattern)
    {
        var match = Regex.Match(outputs, pattern);
        Assert.True(match.Success, $"the notebook's outputs lack /{pattern}/");
        return double.Parse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Notebook03ChecksTheLossesTheOptimalDiscriminatorAndTrainsADcgan()
    {
        const string name = "03-gan-training-and-losses.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // Loss values by hand = library (logits and probabilities); autograd = analytic gradients.
        Assert.True(Number(outputs, @"max \|difference\| over all checks: ([0-9.Ee+-]+)") < 1e-6);
        Assert.True(Number(outputs, @"max \|difference\| of the loss values: ([0-9.Ee+-]+)") < 1e-6);
        Assert.True(Number(outputs, @"max \|difference\| of the gradients: ([0-9.Ee+-]+)") < 1e-6);
        // The erratum: minimising the printed L_G makes the fakes more fake.
        Assert.Contains("fakes look MORE fake", outputs);
        // The optimal discriminator on N(−1, 1) vs N(1, 1) (the library test reaches < 0.06 with the same settings).
        Assert.True(Number(outputs, @"optimal discriminator: max \|D - D\*\| on \[-2, 2\] = ([0-9.]+)") < 0.06);
        // Saturation at logit −6: −σ(−6) ≈ −0.0025 against σ(−6) − 1 ≈ −0.9975.
        Assert.True(Math.Abs(Number(outputs, @"minimax gradient (-?[0-9.]+)")) < 0.01);
        Assert.True(Math.Abs(Number(outputs, @"non-saturating gradient (-?[0-9.]+)")) > 0.99);
        Assert.True(Number(outputs, @"max \|autograd - formula\| over the grid: ([0-9.Ee+-]+)") < 1e-6);

        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 2, "the D* and gradient charts (and the D(x)/D(G(z)) chart)");
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 2, "sample grids before and after training");
        Assert.Matches(@"600 steps in [0-9.]+ s", outputs);
        // The quick run is long enough for samples that pass the face test: pixel FD below half the untrained generator's.
        Assert.True(Number(outputs, @"after 600 steps ([0-9.]+)") < 0.5 * Number(outputs, @"untrained generator ([0-9.]+), after"));
        Assert.Matches(@"\(final gap below half the widest\): (holds|does not hold)", outputs);
        Assert.Contains("DCGAN last step: D(x) / D(G(z))", outputs);   // the closing table
        Assert.Contains("whole notebook", outputs);
    }
}
