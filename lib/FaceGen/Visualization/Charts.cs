using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace FaceGen.Visualization;

/// <summary>One line of a chart: y against x.</summary>
public sealed record ChartSeries(string Name, double[] X, double[] Y);

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
    /// (opens offline, ~4 MB); otherwise a fragment for a notebook, which loads plotly.js from its CDN.</summary>
    public static string LinesHtml(ChartSpec spec, bool fullDocument) =>
        Call("Lines", JsonSerializer.Serialize(spec, Json), fullDocument);

    /// <summary>A self-contained HTML page (plotly.js inline, opens offline): <paramref name="beforeHtml"/>,
    /// then the charts, then <paramref name="afterHtml"/>.</summary>
    public static string PageHtml(string title, string beforeHtml, IEnumerable<ChartSpec> charts, string afterHtml) =>
        Call("Page", title, beforeHtml, JsonSerializer.Serialize(charts.ToArray(), Json), afterHtml);

    /// <summary>Bar chart as HTML (<paramref name="fullDocument"/> as in <see cref="LinesHtml"/>).</summary>
    public static string BarsHtml(BarChartSpec spec, bool fullDocument) =>
        Call("Bars", JsonSerializer.Serialize(BarJson(spec), Json), fullDocument);

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
        Call("Scatter", JsonSerializer.Serialize(spec, Json), fullDocument);

    /// <summary>A scatter chart for notebook display.</summary>
    public static ChartHtml Scatter(ScatterSpec spec) => new(ScatterHtml(spec, fullDocument: false));

    /// <summary>Several scatter charts side by side in one figure (a grid of <paramref name="columns"/> columns,
    /// each panel titled with its spec's title), for notebook display: e.g. snapshots of a toy GAN's samples.</summary>
    public static ChartHtml ScatterPanels(string title, IReadOnlyList<ScatterSpec> panels, int columns)
    {
        if (panels.Count == 0 || columns < 1) throw new ArgumentException($"{panels.Count} panels in {columns} columns: need at least one of each.");
        return new(Call("ScatterPanels", title, JsonSerializer.Serialize(panels.ToArray(), Json), columns));
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
