using System.Runtime.Loader;
using FaceGen.Visualization;

namespace FaceGen.Tests;

public class ChartTests
{
    static readonly ChartSpec Spec = new("Losses", "step", "loss", new[]
    {
        new ChartSeries("loss_d", new double[] { 1, 2, 3 }, new[] { 1.25, 0.75, 0.5 }),
        new ChartSeries("loss_g", new double[] { 1, 2, 3 }, new[] { 2.5, 3.0, 3.5 }),
    });

    [Fact]
    public void FragmentCarriesTheDataAndFullDocumentEmbedsPlotlyJs()
    {
        var fragment = Charts.LinesHtml(Spec, fullDocument: false);
        Assert.Contains("Plotly.newPlot", fragment);
        Assert.Contains("loss_d", fragment);
        Assert.Contains("1.25", fragment);
        Assert.Contains("3.5", fragment);
        // A fragment loads nothing: it draws with the page's plotly.js, waits for it, and otherwise says why it is empty.
        Assert.DoesNotMatch("<script[^>]*src=", fragment);
        foreach (var other in new[] { fragment, Charts.Bars(new BarChartSpec("b", "x", "y", new[] { "a" }, new[] { 1.0 })).Html,
                     Charts.Scatter(new ScatterSpec("s", "x", "y", Spec.Series)).Html, Charts.ScatterPanels("p", new[] { new ScatterSpec("s", "x", "y", Spec.Series) }, 1).Html })
        {
            Assert.Matches(@"if \(window\.Plotly\) renderPlotly_\w+\(\);", other);
            Assert.Contains("Chart not drawn: plotly.js is not loaded", other);
            Assert.DoesNotMatch(@"(?m)^renderPlotly_\w+\(\);", other.Replace("\r", ""));   // no immediate call left
        }

        var page = Charts.LinesHtml(Spec, fullDocument: true);
        Assert.StartsWith("<!DOCTYPE html>", page.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.True(page.Length > 1_000_000, $"a self-contained page embeds plotly.js; got {page.Length} characters");
        Assert.DoesNotMatch("<script[^>]*src=[\"']https?://cdn\\.plot\\.ly", page); // opens without network
    }

    [Fact]
    public void PlotlyAndItsFSharpCoreStayOutOfTheDefaultLoadContext()
    {
        Charts.LinesHtml(Spec, fullDocument: false);
        var defaultNames = AssemblyLoadContext.Default.Assemblies.Select(a => a.GetName().Name).ToHashSet();
        Assert.DoesNotContain("Plotly.NET", defaultNames);
        Assert.DoesNotContain("FSharp.Core", defaultNames);
        var isolated = AssemblyLoadContext.All.Single(c => c.Name == "FaceGen.Charts");
        Assert.Contains(isolated.Assemblies, a => a.GetName().Name == "Plotly.NET");
        Assert.Contains(isolated.Assemblies, a => a.GetName().Name == "FSharp.Core" && a.GetName().Version >= new Version(10, 1));
    }

    [Fact]
    public void RunReportGroupsMetricFamiliesAndEmbedsSamples()
    {
        var history = new FaceGen.Training.TrainingHistory();
        for (int step = 1; step <= 3; step++)
            history.Add(new FaceGen.Training.StepRecord(step, new Dictionary<string, double>
                { ["loss_d"] = step, ["loss_g"] = -step, ["d_real"] = 0.5, ["grad_norm_d"] = 2 }, 0.01 * step));
        Assert.Equal((3L, 3.0), history.Best("loss_d", higherIsBetter: true));
        Assert.Equal((3L, -3.0), history.Best("loss_g", higherIsBetter: false));
        Assert.Null(history.Best("eval_fd", higherIsBetter: false));
        var charts = FaceGen.Jobs.RunReport.ChartsOf(history);
        Assert.Equal(new[] { "loss", "d", "grad_norm", "step time" }, charts.Select(c => c.Title));
        Assert.Equal(new[] { "loss_d", "loss_g" }, charts[0].Series.Select(s => s.Name));
        Assert.Equal(new[] { 1.0, 2, 3 }, charts[0].Series[0].Y);

        var grid = ImageGrid.FromUnit(TorchSharp.torch.zeros(1, 1, 4, 4));
        var html = FaceGen.Jobs.RunReport.Html("run", new Dictionary<string, string> { ["data"] = "x" }, history, new[] { (3L, grid) });
        Assert.Contains("<h3>step 3</h3>", html);
        Assert.Contains(System.Convert.ToBase64String(grid.Png), html);
        Assert.Equal(4, System.Text.RegularExpressions.Regex.Matches(html, "Plotly chart will be drawn inside this DIV").Count); // one per chart
    }
}
