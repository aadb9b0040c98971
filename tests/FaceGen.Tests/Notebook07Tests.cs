namespace FaceGen.Tests;

/// <summary>Notebook 07 (the code example of source §4, reproduced and fixed), executed headless with the quick
/// profile: it must run without a cell error, print each erratum's check as True, show the live training views, the
/// charts and sample grids, and end with its closing table.</summary>
public class Notebook07Tests
{
    [Fact]
    public void Notebook07ReproducesEveryDefectOfTheKerasProgramAndTrainsTheCorrectedOne()
    {
        const string name = "07-code-example-reproduced-and-fixed.ipynb";
        var run = NotebookHarness.Execute(name);
        var outputs = run.OutputsJson;

        // The faithful program: each erratum's check.
        Assert.Contains("used but never imported: Dropout, np, np_utils", outputs);
        Assert.Contains("three names are missing, the ones the library documents: True", outputs);
        Assert.Contains("the generator's images are 4×4, 1/64 of the 32×32 the program expects: True", outputs);
        Assert.Contains("no batch normalisation in the discriminator: True", outputs);
        Assert.Contains("over 90% of pixels in class 0: True", outputs);
        Assert.Contains("real batches drawn from the data: 0 (0 images)", outputs);
        Assert.Contains("the discriminator saw no real image and was updated twice per generator update: True", outputs);
        // Not "D(fake) is ½" alone (an untrained D answers ½): the weights moved and the answer still stayed at ½.
        Assert.Contains("D's weights moved, yet D(fake) stayed at ½ (±0.1) at every step and the loss at log 2: True", outputs);
        Assert.Contains("different scales: True", outputs);
        Assert.Contains("the printed −d_loss sends exactly zero gradient to the generator: True", outputs);
        Assert.Contains("the saturating minimax loss: True", outputs);
        Assert.Contains("the generator is being fitted to a flat image of value −d_loss (distance down over 10×, spread down over 5×): True", outputs);

        // The corrected program learns.
        Assert.Contains("and below the faithful program's: True", outputs);
        Assert.Contains("rated real faces above fakes on average: True", outputs);
        Assert.DoesNotContain(": False", outputs);

        // Charts: the faithful regression chart, the FD curve, D's beliefs (live views add more).
        Assert.True(NotebookHarness.Count(outputs, "Plotly chart will be drawn inside this DIV") >= 3, "the regression, FD and D charts");
        // Pictures: Keras 4×4 samples (before and after), faces, to_categorical, corrected samples, real faces.
        Assert.True(NotebookHarness.Count(outputs, "data:image/png;base64,") >= 6, "the sample grids");
        Assert.Contains("pixel FD: faithful / corrected before / corrected after (best)", outputs);   // the closing table
        Assert.Contains("names used but never imported", outputs);
    }
}
