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
}
