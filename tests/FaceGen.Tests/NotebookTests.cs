using FaceGen.Runtime;

namespace FaceGen.Tests;

/// <summary>One test per notebook: executed headless exactly as a user would (same first cell, quick profile);
/// any cell error fails it, and the outputs the notebook promises must be there.</summary>
public class NotebookTests
{
    [Fact]
    public void Notebook00SetupShowsDoctorFacesAndItsTable()
    {
        var run = NotebookHarness.Execute("00-setup.ipynb");
        Assert.Contains("Tensor proof", run.OutputsJson);
        Assert.Contains("healthy", run.OutputsJson);
        Assert.True(NotebookHarness.Count(run.OutputsJson, "data:image/png;base64,") >= 2, "the synthetic contact sheets");
        if (Directory.Exists(TestPaths.AttFaces)) Assert.Contains("att: 400 images, 40 classes", run.OutputsJson);
        Assert.Contains("same folder: True", run.OutputsJson);   // the doctor's data root is the notebook's
        Assert.Contains("rendered in", run.OutputsJson);   // the closing table
        // The arithmetic self-check: the path in force, one probe recomputed in the notebook, every probe within tolerance.
        Assert.Contains("convolution path in force: " + NumericsReport.PathName(TorchRuntime.Numerics.InForce), run.OutputsJson);
        Assert.Contains("both below the tolerance 1e-3: True", run.OutputsJson);
        Assert.Contains("every probe of the path in force within tolerance: True", run.OutputsJson);
    }

    [Fact]
    public void Notebook01RunsThePipelineWithEigenfacesAndPreviewsTheFourUses()
    {
        var run = NotebookHarness.Execute("01-background-and-concepts.ipynb");
        Assert.Contains("gallery 200 images, probes 200 images", run.OutputsJson);
        Assert.Contains("k = 50:", run.OutputsJson);
        Assert.Contains("1 gallery image per person", run.OutputsJson);
        Assert.True(NotebookHarness.Count(run.OutputsJson, "data:image/png;base64,") >= 4, "faces, eigenfaces, reconstructions, preview");
        Assert.Equal(2, NotebookHarness.Count(run.OutputsJson, "Plotly chart will be drawn inside this DIV"));
        if (Directory.Exists(TestPaths.AttFaces)) Assert.Contains("eigenfaces (k = 50) + 1-NN, 5 per person", run.OutputsJson);
        // The explained-variance fraction is of the total variance: the sum over every component equals the pixel
        // variance, and 50 of 199 components keep strictly less than all of it.
        Assert.Matches(@"sum over all 199 components [0-9.]+; equal: True", run.OutputsJson);
        var kept = System.Text.RegularExpressions.Regex.Match(run.OutputsJson, @"variance kept by 5 / 20 / 50 components: ([0-9.]+) ?% / ([0-9.]+) ?% / ([0-9.]+) ?%");
        Assert.True(kept.Success, "the explained-variance line");
        var fractions = Enumerable.Range(1, 3).Select(i => double.Parse(kept.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.True(fractions[0] < fractions[1] && fractions[1] < fractions[2] && fractions[2] < 100, string.Join(", ", fractions));
        Assert.Contains("full rank (k = 199) gives the pixel accuracy, as it must: True", run.OutputsJson);
    }
}
