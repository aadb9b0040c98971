using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace FaceGen.Visualization;

/// <summary>One line of a chart: y against x.</summary>
public sealed record ChartSeries(string Name, double[] X, double[] Y)
{
    /// <summary>A series from two tensors of the same length (any device and float type): x against y.</summary>
    public static ChartSeries Of(string name, Tensor x, Tensor y) => new(name, Values(x), Values(y));

    /// <summary>A series of 2-D points from an (N, 2) tensor: column 0 against column 1.</summary>
    public static ChartSeries Of(string name, Tensor points) => Of(name, points.select(1, 0), points.select(1, 1));

    static double[] Values(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64).flatten().data<double>().ToArray();
}

/// <summary>A line chart described with plain data.</summary>
public sealed record ChartSpec(string Title, string XTitle, string YTitle, IReadOnlyList<ChartSeries> Series, bool LogY = false);

/// <summary>A scatter chart described with plain data: each series is drawn as markers only.
/// <paramref name="Range"/>: [min, max] for both axes (a square view, e.g. of 2-D toy data), or null for automatic.</summary>
public sealed record ScatterSpec(string Title, string XTitle, string YTitle, IReadOnlyList<ChartSeries> Series, double[]? Range = null);

/// <summary>A bar chart described with plain data: one bar per category, with optional symmetric error bars
/// (e.g. ± one standard deviation over seeds; NaN errors are drawn as none).</summary>
public sealed record BarChartSpec(string Title, string XTitle, string YTitle, IReadOnlyList<string> Categories, double[] Values, double[]? Errors = null);

/// <summary>Plotly HTML for a notebook cell or a report; displayed inline by the registered formatter.</summary>
[TypeFormatterSource(typeof(ChartHtmlFormatterSource))]
public sealed record ChartHtml(string Html);

/// <summary>
/// Plotly.NET charts that work in a console app, a test host and a notebook kernel alike.
/// Plotly.NET 6 needs FSharp.Core 10.1, the notebook kernels ship FSharp.Core 10.0, and every direct
/// way of loading Plotly.NET into a kernel failed (README, "Charts in notebooks"). So the charting code (FaceGen.Charts)
/// and its dependencies are embedded in FaceGen.dll and loaded into their own
/// <see cref="AssemblyLoadContext"/>; only a JSON string goes in and an HTML string comes out.
/// </summary>
public static class Charts
{
    static readonly Lazy<Type> Renderer = new(LoadRenderer);
    // NaN/±∞ (a diverged run's losses) cross as the strings "NaN"/"Infinity"; the renderer reads them back as numbers.
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Line chart as HTML. <paramref name="fullDocument"/>: a whole page with plotly.js embedded
    /// (opens offline, ~4 MB); otherwise a fragment for a notebook or a page, which carries no plotly.js: it draws with
    /// the copy that <see cref="PlotlyLoaderHtml"/> put on the page (the notebook's first cell,
    /// <see cref="NotebookSession.Start"/>), waits up to 5 s for it, and otherwise says in one visible line why
    /// nothing is drawn. Nothing is ever fetched from a CDN.</summary>
    public static string LinesHtml(ChartSpec spec, bool fullDocument) =>
        WaitingForPlotly(Call("Lines", JsonSerializer.Serialize(spec, Json), fullDocument), fullDocument);

    /// <summary>One <c>&lt;script&gt;</c> with the kit's plotly.js (Plotly.NET's embedded copy, ~3.5 MB), loaded once
    /// per notebook or page; it skips itself when <c>window.Plotly</c> already exists. plotly.js is a UMD bundle: in a
    /// host with an AMD loader (requirejs' <c>define</c>, as Jupyter front ends have) it would register a module and
    /// leave <c>window.Plotly</c> unset, so <c>define</c>, <c>module</c> and <c>exports</c> are hidden from it here
    /// and it always sets <c>window.Plotly</c>, which the chart fragments use.</summary>
    public static string PlotlyLoaderHtml => PlotlyLoader.Value;

    static readonly Lazy<string> PlotlyLoader = new(() =>
        "<script type=\"text/javascript\">/* FaceGen: plotly.js for this notebook's charts (MIT licence: its header follows) */\n"
        + "if (!window.Plotly) (function (define, module, exports) {\n" + Call("PlotlyJs") + "\n}).call(window);\n</script>");

    /// <summary>The render call at the end of a Plotly.NET fragment, and the id of the div it draws into.</summary>
    static readonly Regex RenderCall = new(@"^(renderPlotly_\w+)\(\);[ \t]*$", RegexOptions.Multiline);
    static readonly Regex PlotTarget = new(@"Plotly\.newPlot\('([^']+)'");

    /// <summary>A fragment (<paramref name="fullDocument"/> false) with its immediate render call replaced by one
    /// that waits for plotly.js: drawn at once when <c>window.Plotly</c> exists, otherwise retried every 0.1 s for
    /// 5 s, then a visible one-line message in the chart's place instead of an empty div.</summary>
    static string WaitingForPlotly(string html, bool fullDocument) => fullDocument ? html : DrawWhenPlotlyIsLoaded(html);

    static string DrawWhenPlotlyIsLoaded(string fragment)
    {
        var call = RenderCall.Match(fragment);
        var target = PlotTarget.Match(fragment);
        if (!call.Success || !target.Success)
            throw new InvalidOperationException("Plotly.NET's chart fragment has no 'renderPlotly_…();' line or no Plotly.newPlot target: its shape changed, so Charts cannot make it wait for plotly.js.");
        var wait = "(function wait(triesLeft) {\n"
            + $"    if (window.Plotly) {call.Groups[1].Value}();\n"
            + "    else if (triesLeft > 0) setTimeout(function () { wait(triesLeft - 1); }, 100);\n"
            + $"    else {{ var div = document.getElementById('{target.Groups[1].Value}'); div.style.cssText = 'color:#b00020;font-weight:bold;padding:4px 0';\n"
            + "        div.textContent = 'Chart not drawn: plotly.js is not loaded. Run the notebook\\'s first cell (it loads plotly.js), then this cell again.'; }\n"
            + "})(50);";
        return fragment.Remove(call.Index, call.Length).Insert(call.Index, wait);
    }

    /// <summary>A self-contained HTML page (plotly.js inline, opens offline): <paramref name="beforeHtml"/>,
    /// then the charts, then <paramref name="afterHtml"/>.</summary>
    public static string PageHtml(string title, string beforeHtml, IEnumerable<ChartSpec> charts, string afterHtml) =>
        Call("Page", title, beforeHtml, JsonSerializer.Serialize(charts.ToArray(), Json), afterHtml);

    /// <summary>Bar chart as HTML (<paramref name="fullDocument"/> as in <see cref="LinesHtml"/>).</summary>
    public static string BarsHtml(BarChartSpec spec, bool fullDocument) =>
        WaitingForPlotly(Call("Bars", JsonSerializer.Serialize(BarJson(spec), Json), fullDocument), fullDocument);

    /// <summary>A bar chart for notebook display.</summary>
    public static ChartHtml Bars(BarChartSpec spec) => new(BarsHtml(spec, fullDocument: false));

    /// <summary>A self-contained HTML page (as <see cref="PageHtml(string, string, IEnumerable{ChartSpec}, string)"/>) with
    /// the bar charts first, then the line charts.</summary>
    public static string PageHtml(string title, string beforeHtml, IEnumerable<BarChartSpec> bars, IEnumerable<ChartSpec> lines, string afterHtml)
    {
        var charts = new System.Text.Json.Nodes.JsonArray();
        foreach (var bar in bars) charts.Add(BarJson(bar));
        foreach (var line in lines) charts.Add(JsonSerializer.SerializeToNode(line, Json));
        return Call("Page", title, beforeHtml, charts.ToJsonString(), afterHtml);
    }

    /// <summary>The renderer's bar spec: kind "bars"; NaN errors (a single seed) become 0 because JSON has no NaN.</summary>
    static System.Text.Json.Nodes.JsonNode BarJson(BarChartSpec spec)
    {
        var node = JsonSerializer.SerializeToNode(spec with { Errors = spec.Errors?.Select(e => double.IsFinite(e) ? e : 0).ToArray() }, Json)!;
        node["kind"] = "bars";
        return node;
    }

    static string Call(string method, params object[] arguments)
    {
        try { return (string)Renderer.Value.GetMethod(method)!.Invoke(null, arguments)!; }
        catch (TargetInvocationException e) when (e.InnerException is not null) { throw e.InnerException; }
    }

    /// <summary>A chart for notebook display.</summary>
    public static ChartHtml Lines(ChartSpec spec) => new(LinesHtml(spec, fullDocument: false));

    /// <summary>Scatter chart as HTML (<paramref name="fullDocument"/> as in <see cref="LinesHtml"/>).</summary>
    public static string ScatterHtml(ScatterSpec spec, bool fullDocument) =>
        WaitingForPlotly(Call("Scatter", JsonSerializer.Serialize(spec, Json), fullDocument), fullDocument);

    /// <summary>A scatter chart for notebook display.</summary>
    public static ChartHtml Scatter(ScatterSpec spec) => new(ScatterHtml(spec, fullDocument: false));

    /// <summary>Several scatter charts side by side in one figure (a grid of <paramref name="columns"/> columns,
    /// each panel titled with its spec's title), for notebook display: e.g. snapshots of a toy GAN's samples.</summary>
    public static ChartHtml ScatterPanels(string title, IReadOnlyList<ScatterSpec> panels, int columns)
    {
        if (panels.Count == 0 || columns < 1) throw new ArgumentException($"{panels.Count} panels in {columns} columns: need at least one of each.");
        return new(DrawWhenPlotlyIsLoaded(Call("ScatterPanels", title, JsonSerializer.Serialize(panels.ToArray(), Json), columns)));
    }

    static Type LoadRenderer()
    {
        var context = new EmbeddedChartsContext();
        var assembly = context.LoadFromAssemblyName(new AssemblyName("FaceGen.Charts"));
        return assembly.GetType("FaceGen.Charts.ChartRenderer", throwOnError: true)!;
    }

    /// <summary>Resolves FaceGen.Charts, Plotly.NET, FSharp.Core … from FaceGen.dll's resources
    /// (<c>charts/&lt;name&gt;.dll</c>); everything else (System.*) comes from the default context.</summary>
    sealed class EmbeddedChartsContext() : AssemblyLoadContext("FaceGen.Charts", isCollectible: false)
    {
        static readonly Assembly Host = typeof(Charts).Assembly;

        protected override Assembly? Load(AssemblyName name)
        {
            using var stream = Host.GetManifestResourceStream($"charts/{name.Name}.dll");
            return stream is null ? null : LoadFromStream(stream);
        }
    }
}

/// <summary>Notebook formatter for <see cref="ChartHtml"/>.</summary>
internal sealed class ChartHtmlFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new ChartHtmlFormatter();
    }
}

internal sealed class ChartHtmlFormatter
{
    public string MimeType => "text/html";

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not ChartHtml chart) return false;
        writer.Write(chart.Html);
        return true;
    }
}
