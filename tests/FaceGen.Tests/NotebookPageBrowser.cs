using Microsoft.Playwright;

namespace FaceGen.Tests;

/// <summary>What a published notebook page showed in a real browser (Debian's chromium, driven by Playwright).</summary>
public sealed record PageCheck(int Charts, int DrawnCharts, int Images, int LoadedImages, int Formulas, int TypesetFormulas, int FormulaErrors,
    int RawDollarSigns, bool ChartHtmlTextDump, IReadOnlyList<string> JavaScriptErrors, IReadOnlyList<string> NetworkRequests, string Screenshot)
{
    /// <summary>Fails the test, naming the page and what is wrong, unless every chart drew an SVG, every image loaded,
    /// every formula was typeset without a KaTeX error, no <c>$</c> or <c>$$</c> is left in the markdown's text (outside code), no output is a text dump of
    /// a <c>ChartHtml</c>, no script failed and nothing was fetched from a network.</summary>
    public void AssertRendered(string page)
    {
        var what = $"{page} (screenshot {Screenshot})";
        Assert.True(DrawnCharts == Charts, $"{what}: {DrawnCharts} of {Charts} charts drew an SVG");
        Assert.True(LoadedImages == Images, $"{what}: {LoadedImages} of {Images} images loaded");
        Assert.True(TypesetFormulas == Formulas && FormulaErrors == 0, $"{what}: {TypesetFormulas} of {Formulas} formulas typeset, {FormulaErrors} KaTeX errors");
        Assert.True(RawDollarSigns == 0, $"{what}: {RawDollarSigns} raw $ signs left in the markdown's rendered text (a formula not typeset)");
        Assert.False(ChartHtmlTextDump, $"{what}: an output is a text dump of a ChartHtml");
        Assert.True(JavaScriptErrors.Count == 0, $"{what}: JavaScript errors: {string.Join(" | ", JavaScriptErrors)}");
        Assert.True(NetworkRequests.Count == 0, $"{what}: fetched from a network: {string.Join(", ", NetworkRequests)}");
    }
}

/// <summary>Opens a page from disk in headless chromium (the system's, through ExecutablePath: Playwright downloads no
/// browser), lets its charts draw, and reports what it shows; saves a full-page screenshot.</summary>
public static class NotebookPageBrowser
{
    /// <summary>The system's chromium (Debian's package <c>chromium</c>), or null when it is not installed.</summary>
    public static string? Chromium { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(dir => Path.Combine(dir, "chromium")).FirstOrDefault(File.Exists);

    public const string MissingReason = "chromium is not installed (Debian: apt-get install chromium; .ci/run installs it), so no notebook page was opened in a browser";

    /// <summary>Every chart div of the page is the target of a <c>Plotly.newPlot('id', …)</c> call; a chart has
    /// settled when it has drawn (<c>.main-svg</c>) or shows its "not drawn" line (after 5 s without plotly.js).</summary>
    const string ChartIds = "Array.from(document.scripts).flatMap(s => Array.from(s.text.matchAll(/Plotly\\.newPlot\\('([^']+)'/g), m => m[1]))";
    const string Settled = "() => { const ids = " + ChartIds + "; return ids.every(id => { const d = document.getElementById(id); "
        + "return d && (d.querySelector('.main-svg') || d.textContent.startsWith('Chart not drawn')); }) "
        + "&& Array.from(document.images).every(i => i.complete); }";
    const string Survey = "() => { const ids = " + ChartIds + "; const markdown = Array.from(document.querySelectorAll('.markdown'));"
        + " const maths = Array.from(document.querySelectorAll('.markdown .math'));"
        + " return { Charts: ids.length, Drawn: ids.filter(id => document.getElementById(id)?.querySelector('.main-svg')).length,"
        + " Images: document.images.length, Loaded: Array.from(document.images).filter(i => i.complete && i.naturalWidth > 0).length,"
        + " Formulas: maths.length, Typeset: maths.filter(m => m.querySelector('.katex')).length,"
        + " Errors: document.querySelectorAll('.katex-error').length,"
        + " RawDollars: markdown.map(m => { const c = m.cloneNode(true); c.querySelectorAll('code, pre, .katex').forEach(e => e.remove());"
        + " return (c.textContent.match(/\\$/g) || []).length; }).reduce((a, b) => a + b, 0),"
        + " Dump: Array.from(document.querySelectorAll('.outputs')).some(o => o.innerText.includes('ChartHtml')) }; }";

    /// <summary>Opens <paramref name="page"/>, waits up to 20 s for its charts and images, surveys it, and saves a
    /// full-page screenshot to <paramref name="screenshot"/>. Runs on the thread pool so that a synchronous test can wait for it.</summary>
    public static PageCheck Check(string page, string screenshot) => Task.Run(() => CheckAsync(page, screenshot)).GetAwaiter().GetResult();

    static async Task<PageCheck> CheckAsync(string page, string screenshot)
    {
        var chromium = Chromium ?? throw new InvalidOperationException(MissingReason);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        var tab = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1200, Height = 900 } });
        var errors = new List<string>();
        var network = new List<string>();
        tab.PageError += (_, error) => errors.Add(error);
        tab.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        tab.Request += (_, request) => { if (!request.Url.StartsWith("file:", StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal)) network.Add(request.Url); };
        await tab.GotoAsync(new Uri(Path.GetFullPath(page)).AbsoluteUri, new() { WaitUntil = WaitUntilState.Load });
        await tab.WaitForFunctionAsync(Settled, null, new() { Timeout = 20_000, PollingInterval = 100 });
        var survey = await tab.EvaluateAsync<System.Text.Json.JsonElement>(Survey);
        int Count(string name) => survey.GetProperty(name).GetInt32();
        await tab.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        return new PageCheck(Count("Charts"), Count("Drawn"), Count("Images"), Count("Loaded"), Count("Formulas"), Count("Typeset"), Count("Errors"),
            Count("RawDollars"), survey.GetProperty("Dump").GetBoolean(), errors, network, screenshot);
    }
}

/// <summary>A fact that needs chromium; skipped, with the reason, when it is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (NotebookPageBrowser.Chromium is null) Skip = NotebookPageBrowser.MissingReason;
    }
}
