using System.Text.Json.Nodes;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;

namespace FaceGen.Tests;

/// <summary>The published notebook pages (<see cref="NotebookPages"/>) on a small hand-made executed notebook, the first
/// cell's output, and the notebook runner's time limits. The series' own pages are opened in chromium by every notebook
/// test (<see cref="NotebookHarness"/>).</summary>
public class NotebookPageTests
{
    static readonly ChartSpec Losses = new("Losses", "step", "loss", new[] { new ChartSeries("loss_d", new double[] { 1, 2, 3 }, new[] { 1.25, 0.75, 0.5 }) });

    const string Markdown = "# Title 标题\n\nInline $p_\\theta(x\\mid z)$ with *emphasis* and $a_b * c_d * e$ (underscores and stars stay TeX),\nand one wrapped $\\log p(x \\mid z) - \\beta\\,\nD_{KL}(q \\,\\|\\, p)$ over a line break.\n\n"
        + "$$\n\\log p(x) \\geq \\mathbb{E}_{z\\sim q}[\\log p(x|z)] - D_{KL}(q(z|x)||p(z))\n$$\n\n| quantity | value |\n|---|---|\n| FD | 12.5 |\n";

    static JsonObject Display(string mime, string data) => new() { ["output_type"] = "display_data", ["data"] = new JsonObject { [mime] = data }, ["metadata"] = new JsonObject() };

    /// <summary>An executed notebook as dotnet-repl writes one: the first cell's output, a markdown cell, and a code cell
    /// with a chart, an image, a stream, plain text and an error.</summary>
    static string FixtureNotebook(string folder)
    {
        var png = Convert.ToBase64String(ImageGrid.FromUnit(TorchSharp.torch.rand(2, 1, 8, 8)).Png);
        JsonObject Code(string source, params JsonObject[] outputs) => new()
        {
            ["cell_type"] = "code", ["source"] = source, ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray(outputs.Cast<JsonNode>().ToArray()),
        };
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(
                Code("NotebookSession.Start()", Display("text/html", NotebookSession.Start().Html)),
                new JsonObject { ["cell_type"] = "markdown", ["source"] = new JsonArray(Markdown.Split('\n').Select(l => (JsonNode)(l + "\n")).ToArray()), ["metadata"] = new JsonObject() },
                Code("Charts.Lines(spec)",
                    Display("text/html", Charts.Lines(Losses).Html),
                    Display("image/png", png),
                    new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "x < y & z\n" },
                    Display("text/plain", "plain <b>text</b>"),
                    new JsonObject { ["output_type"] = "error", ["ename"] = "Error", ["evalue"] = "CS0103: boom", ["traceback"] = new JsonArray("\u001b[31mat line 1\u001b[0m") })),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        var path = Path.Combine(folder, "99-fixture.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    [Fact]
    public void PageRendersMarkdownKeepsTexVerbatimAndShowsEveryOutputInOrder()
    {
        var folder = TestPaths.NewTempFolder();
        FixtureNotebook(folder);
        var notebooks = NotebookPages.FromFolder(folder);
        var fixture = Assert.Single(notebooks);
        Assert.False(fixture.Succeeded);                          // its error output counts
        Assert.Contains("CS0103: boom", fixture.Errors[0]);
        Assert.False(fixture.Errors[0].Contains('\u001b'), "terminal colour codes dropped");

        var page = File.ReadAllText(Assert.Single(NotebookPages.Publish(folder, "quick", notebooks)));
        Assert.Contains("<h1>Title 标题</h1>", page);
        Assert.Contains("<span class=\"math\">\\(a_b * c_d * e\\)</span>", page);   // Markdig left the TeX alone
        Assert.Contains("<div class=\"math\">\n\\[\n\\log p(x)", page);
        Assert.Contains("<span class=\"math\">\\(\\log p(x \\mid z) - \\beta\\, D_{KL}(q \\,\\|\\, p)\\)</span>", page);   // one formula
        Assert.Contains("<table>", page);
        Assert.Contains("<td>12.5</td>", page);
        Assert.Contains("x &lt; y &amp; z", page);                 // streams and plain text escaped
        Assert.Contains("plain &lt;b&gt;text&lt;/b&gt;", page);
        Assert.Contains("class=\"error\"", page);
        Assert.Contains("data:image/png;base64,", page);
        // In order: the chart, the image, the stream, the text, the error.
        int cell = page.IndexOf("Charts.Lines(spec)</code>", StringComparison.Ordinal);
        var order = new[] { "Plotly chart will be drawn inside this DIV", "data:image/png", "x &lt; y", "plain &lt;b&gt;", "CS0103" }.Select(s => page.IndexOf(s, cell, StringComparison.Ordinal)).ToList();
        Assert.True(cell > 0 && order.All(i => i > cell), "every output after its cell's code");
        Assert.Equal(order.Order(), order);
        // plotly.js once (in the head; the first cell's copy is dropped), KaTeX's fonts inlined, nothing to fetch.
        Assert.Equal(1, NotebookHarness.Count(page, Charts.PlotlyLoaderHtml));
        Assert.Contains("url(data:font/woff2;base64,", page);
        Assert.DoesNotMatch("<(script|link|img)\\b[^>]*\\b(src|href)=\"https?://", page);
        Assert.DoesNotContain("url(fonts/", page);

        var index = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.Contains("<a href=\"99-fixture.html\">99-fixture</a>", index);
        Assert.Contains("<a href=\"99-fixture.ipynb\">.ipynb</a>", index);
        Assert.Contains("failed: Error: CS0103: boom", index);
        Assert.Contains("0 of 1 ran without an error", index);
    }

    [Fact]
    public void PageShowsALiveViewAsVsCodeDoesItsLastRedrawOnly()
    {
        // dotnet-repl appends every update of a display as a new output; VS Code replaces the display in place.
        var redraws = new List<ChartHtml>();
        var live = new LiveTrainingDisplay(redraws.Add, every: 1);
        for (int step = 1; step <= 2; step++)
            live.OnStep(new StepRecord(step, new Dictionary<string, double> { ["loss_d"] = 1.0 / step }, 0.01), totalSteps: 2);
        Assert.Equal(2, redraws.Count);
        var other = new List<ChartHtml>();
        new LiveTrainingDisplay(other.Add, every: 1).OnStep(new StepRecord(1, new Dictionary<string, double> { ["loss_d"] = 3 }, 0.01), totalSteps: 7);
        var outputs = new[] { LiveTrainingDisplay.Status("starting…"), redraws[0], redraws[1], LiveTrainingDisplay.Status("1 of 2 settings done"),
            LiveTrainingDisplay.Status("2 of 2 settings done"), NotebookTables.Table(new[] { "setting" }, new[] { new[] { "final table" } }), other[0] };
        var folder = TestPaths.NewTempFolder();
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(new JsonObject { ["cell_type"] = "code", ["source"] = "train()", ["metadata"] = new JsonObject(),
                ["outputs"] = new JsonArray(outputs.Select(o => (JsonNode)Display("text/html", o.Html)).ToArray()) }),
            ["metadata"] = new JsonObject(), ["nbformat"] = 4, ["nbformat_minor"] = 5,
        };
        File.WriteAllText(Path.Combine(folder, "98-live.ipynb"), notebook.ToJsonString());
        var page = File.ReadAllText(Assert.Single(NotebookPages.Publish(folder, "quick", NotebookPages.FromFolder(folder))));
        Assert.DoesNotContain("starting…", page);
        Assert.DoesNotContain("step 1 of 2", page);
        Assert.Contains("step 2 of 2", page);
        Assert.DoesNotContain("1 of 2 settings done", page);
        Assert.Contains("2 of 2 settings done", page);
        Assert.Contains("final table", page);
        Assert.Contains("step 1 of 7", page);     // another view's redraw stays

        // The executed notebook itself now holds what VS Code shows: the last redraw of each view, the last status line.
        var kept = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "98-live.ipynb")))!["cells"]![0]!["outputs"]!.AsArray()
            .Select(o => o!["data"]!["text/html"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { redraws[1].Html, outputs[4].Html, outputs[5].Html, other[0].Html }, kept);
        Assert.Equal(page, File.ReadAllText(Assert.Single(NotebookPages.Publish(folder, "quick", NotebookPages.FromFolder(folder)))));   // publishing again changes nothing
    }

    [Fact]
    public void PublishingAFolderWithoutNotebooksSaysSo()
    {
        var empty = TestPaths.NewTempFolder();
        Assert.Contains("no executed notebooks", Assert.Throws<IOException>(() => NotebookPages.FromFolder(empty)).Message);
        File.WriteAllText(Path.Combine(empty, "bad.ipynb"), "{ not json");
        Assert.Contains("bad.ipynb: not a notebook", Assert.Throws<InvalidDataException>(() => NotebookPages.Page(NotebookPages.FromFolder(empty)[0])).Message);
    }

    [Fact]
    public void PublishCommandRebuildsTheRunFoldersPagesAndTheRunCommandRefusesABadTimeout()
    {
        var folder = TestPaths.NewTempFolder();
        FixtureNotebook(folder);
        var publish = CliProcess.Run(new[] { "notebooks", "publish", folder });
        Assert.True(publish.ExitCode == 0, publish.All);
        var said = System.Text.RegularExpressions.Regex.Replace(publish.All, @"\s+", " ");   // the console wraps long lines
        Assert.Contains("index.html and 1 notebook pages written (0 of 1 notebooks without an error)", said);
        Assert.Contains("Plotly chart will be drawn inside this DIV", File.ReadAllText(Path.Combine(folder, "99-fixture.html")));
        // The profile, read back from the first cell's output (written by this process's NotebookSession.Start()).
        Assert.Contains($"FaceGen notebooks, profile {Profile.Current}", File.ReadAllText(Path.Combine(folder, "index.html")));

        var missing = CliProcess.Run(new[] { "notebooks", "publish", Path.Combine(folder, "absent") });
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no such folder", missing.All);

        var timeout = CliProcess.Run(new[] { "notebooks", "run", "--profile", "quick", "--timeout-minutes", "0" });
        Assert.NotEqual(0, timeout.ExitCode);
        Assert.Contains("--timeout-minutes 0: expected a number of minutes above 0", timeout.All);
    }

    [ChromiumFact]
    public void PublishedPageDrawsItsChartTypesetsItsFormulasAndShowsItsImageInChromium()
    {
        var folder = TestPaths.NewTempFolder();
        FixtureNotebook(folder);
        var page = Assert.Single(NotebookPages.Publish(folder, "quick", NotebookPages.FromFolder(folder)));
        var check = NotebookPageBrowser.Check(page, Path.ChangeExtension(page, ".png"));
        check.AssertRendered(page);
        Assert.Equal((1, 1, 4), (check.Charts, check.Images, check.Formulas));
        Assert.True(new FileInfo(check.Screenshot).Length > 10_000, "a full-page screenshot");
    }

    [ChromiumFact]
    public void BrowserCheckSeesAnUndrawnChartAndATextDump()
    {
        // What the notebooks showed before: a chart fragment on a page without plotly.js, and a live view's ChartHtml as text.
        var folder = TestPaths.NewTempFolder();
        var page = Path.Combine(folder, "broken.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><div class=\"outputs\">" + Charts.Lines(Losses).Html
            + "<pre>ChartHtml { Html = &lt;div&gt; }</pre></div></body></html>");
        var check = NotebookPageBrowser.Check(page, Path.ChangeExtension(page, ".png"));
        Assert.Equal((1, 0), (check.Charts, check.DrawnCharts));
        Assert.True(check.ChartHtmlTextDump);
        Assert.Throws<Xunit.Sdk.TrueException>(() => check.AssertRendered(page));
    }

    [ChromiumFact]
    public void ChartWaitsForPlotlyThatLoadsAfterItAndAnAmdLoaderDoesNotHideIt()
    {
        // A host with requirejs' define (as Jupyter front ends have), a chart that runs before plotly.js arrives, then
        // the first cell's loader: plotly.js must still set window.Plotly, and the chart must draw once it is there.
        var folder = TestPaths.NewTempFolder();
        var page = Path.Combine(folder, "amd.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><script>window.define = function () { window.amdDefineCalled = true; }; window.define.amd = {};</script>"
            + "<div class=\"outputs\">" + Charts.Lines(Losses).Html + "</div>" + Charts.PlotlyLoaderHtml + "</body></html>");
        var check = NotebookPageBrowser.Check(page, Path.ChangeExtension(page, ".png"));
        check.AssertRendered(page);
        Assert.Equal((1, 1), (check.Charts, check.DrawnCharts));
    }

    [Fact]
    public void FirstCellLoadsPlotlyOnceHiddenFromAmdAndSaysTheProfile()
    {
        var html = NotebookSession.Start().Html;
        Assert.Contains($"FaceGen loaded; profile: {Profile.Current}", html);
        Assert.Contains("FACEGEN_PROFILE=quick, standard or full", html);
        Assert.Contains($"uses <b>standard</b>: the whole series takes {NotebookSession.StandardSeriesTime}", html);
        Assert.Equal(1, NotebookHarness.Count(html, "plotly.js v2.28.0"));
        Assert.Contains("if (!window.Plotly) (function (define, module, exports) {", html);
        Assert.Contains("}).call(window);", html);
        Assert.True(html.Length > 3_000_000, $"plotly.js is inline: {html.Length} characters");
    }

    [Fact]
    public void LiveViewStatusIsHtmlWithItsMessageEscaped()
    {
        var status = LiveTrainingDisplay.Status("a < b: starting…");
        Assert.Contains("a &lt; b: starting…", status.Html);
        Assert.StartsWith("<p", status.Html);
    }

    [Fact]
    public void NotebookTimeLimitFollowsTheProfile()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), NotebookRunner.DefaultTimeout("quick"));
        Assert.True(NotebookRunner.DefaultTimeout("standard") > TimeSpan.FromSeconds(932 * 3), "standard's notebook 03 alone took 932 s");
        Assert.True(NotebookRunner.DefaultTimeout("full") > NotebookRunner.DefaultTimeout("standard"));
        Assert.Contains("expected quick, standard or full", Assert.Throws<ArgumentException>(() => NotebookRunner.DefaultTimeout("fast")).Message);
    }

    [Fact]
    public void NotebookPastItsTimeLimitIsKilledAndTheErrorSaysHowToRaiseIt()
    {
        // Under the repository (data/runs is git-ignored), so that the pinned dotnet-repl is found; 3 s is less than
        // the kernel needs to start, let alone to sleep for a minute.
        var folder = Path.Combine(TestPaths.RepoRoot, "data", "runs", $"test-timeout-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var notebook = Path.Combine(folder, "slow.ipynb");
        File.WriteAllText(notebook, new JsonObject
        {
            ["cells"] = new JsonArray(new JsonObject { ["cell_type"] = "code", ["source"] = "System.Threading.Thread.Sleep(60_000);", ["metadata"] = new JsonObject(), ["outputs"] = new JsonArray() }),
            ["metadata"] = new JsonObject { ["kernelspec"] = new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#", ["display_name"] = ".NET (C#)" } },
            ["nbformat"] = 4, ["nbformat_minor"] = 5,
        }.ToJsonString());
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var run = NotebookRunner.Run(notebook, Path.Combine(folder, "out", "slow.ipynb"), "quick", TimeSpan.FromSeconds(3));
            Assert.False(run.Succeeded);
            Assert.Contains("timed out after 0.05 min", run.Errors[0]);
            Assert.Contains("--timeout-minutes", run.Errors[0]);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"killed at its limit, not after the cell's minute: {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
