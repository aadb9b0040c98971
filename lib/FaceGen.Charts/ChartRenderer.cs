using System.Text.Json;
using Microsoft.FSharp.Core;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;
using Plotly.NET.CSharp;

namespace FaceGen.Charts;

/// <summary>
/// Turns a chart description (plain JSON — the only thing that crosses the isolation boundary) into
/// Plotly HTML. Called by reflection from FaceGen.Visualization.Charts inside its own
/// AssemblyLoadContext. JSON in: {"title", "xTitle", "yTitle", "logY", "series": [{"name", "x": [..],
/// "y": [..]}]}. HTML out: a whole document with plotly.js embedded (opens offline), or a fragment
/// (div + script, no plotly.js: the page or notebook that shows it loads plotly.js once) for a notebook cell.
/// </summary>
public static class ChartRenderer
{
    sealed record Series(string Name, double[] X, double[] Y);
    /// <summary>A line chart, or with Kind "bars" a bar chart of Values per category with ± Errors bars.</summary>
    sealed record Spec(string Title, string XTitle, string YTitle, bool LogY, Series[]? Series, string? Kind = null,
        string[]? Categories = null, double[]? Values = null, double[]? Errors = null);

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static string Lines(string specJson, bool fullDocument)
    {
        var spec = JsonSerializer.Deserialize<Spec>(specJson, Json) ?? throw new ArgumentException("empty chart spec");
        var chart = Build(spec);
        if (!fullDocument) return GenericChart.toChartHTML(chart);
        // Embed plotly.js itself so that a report opens without internet access.
        chart = Plotly.NET.Chart.withDisplayOptionsStyle(FSharpOption<string>.Some(spec.Title), null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full)).Invoke(chart);
        return GenericChart.toEmbeddedHTML(chart);
    }

    /// <summary>A self-contained HTML page: plotly.js inline once, then <paramref name="beforeHtml"/>, the
    /// charts (a JSON array of line or bar specs), and <paramref name="afterHtml"/>. Used for training reports.</summary>
    public static string Page(string title, string beforeHtml, string chartsJson, string afterHtml)
    {
        var specs = JsonSerializer.Deserialize<Spec[]>(chartsJson, Json) ?? Array.Empty<Spec>();
        var charts = specs.Select(s => GenericChart.toChartHTML(Plotly.NET.Chart.withDisplayOptionsStyle(null, null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.NoReference)).Invoke(Build(s))));
        // plotly.js once for the whole page (PlotlyJSReference.Full would repeat its 3.5 MB in every chart).
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + System.Net.WebUtility.HtmlEncode(title) + "</title>\n"
            + "<script type=\"text/javascript\">" + PlotlyJs() + "</script>\n"
            + "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse} td,th{border:1px solid #ccc;padding:2px 8px}</style>\n"
            + "</head><body>\n" + beforeHtml + string.Concat(charts) + afterHtml + "\n</body></html>\n";
    }

    /// <summary>plotly.min.js as Plotly.NET embeds it (the copy its full documents inline; v2.28.0 in Plotly.NET 6.0.0):
    /// the one plotly.js of the kit, for report pages, notebook pages and the notebooks' first cell.</summary>
    public static string PlotlyJs()
    {
        var name = typeof(GenericChart).Assembly.GetManifestResourceNames().Single(n => n.EndsWith(".min.js", StringComparison.Ordinal));
        using var reader = new StreamReader(typeof(GenericChart).Assembly.GetManifestResourceStream(name)!);
        return reader.ReadToEnd();
    }

    sealed record ScatterSpec(string Title, string XTitle, string YTitle, Series[] Series, double[]? Range);

    /// <summary>A scatter chart (markers only). JSON in: as for <see cref="Lines"/>, plus an optional
    /// "range": [min, max] applied to both axes.</summary>
    public static string Scatter(string specJson, bool fullDocument)
    {
        var spec = JsonSerializer.Deserialize<ScatterSpec>(specJson, Json) ?? throw new ArgumentException("empty chart spec");
        var chart = BuildScatter(spec, showLegend: true).WithSize(560, 520);
        chart = Plotly.NET.Chart.withTitle(spec.Title, FSharpOption<Font>.None).Invoke(chart);
        if (!fullDocument) return GenericChart.toChartHTML(chart);
        chart = Plotly.NET.Chart.withDisplayOptionsStyle(FSharpOption<string>.Some(spec.Title), null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full)).Invoke(chart);
        return GenericChart.toEmbeddedHTML(chart);
    }

    /// <summary>Scatter panels in a grid of <paramref name="columns"/> columns (a JSON array of scatter specs),
    /// each titled with its spec's title; a notebook fragment.</summary>
    public static string ScatterPanels(string title, string panelsJson, int columns)
    {
        var specs = JsonSerializer.Deserialize<ScatterSpec[]>(panelsJson, Json) ?? Array.Empty<ScatterSpec>();
        int rows = (specs.Length + columns - 1) / columns;
        // One legend for the figure: series i has the same name and colour in every panel.
        var grid = CSharpChart.Grid(specs.Select((s, i) => BuildScatter(s, showLegend: i == 0)), rows, columns, SubPlotTitles: specs.Select(s => s.Title).ToArray());
        grid = Plotly.NET.Chart.withTitle(title, FSharpOption<Font>.None).Invoke(grid);
        return GenericChart.toChartHTML(grid.WithSize(260 * columns, 260 * rows + 80));
    }

    /// <summary>Plotly's default colour cycle, fixed per series index so that panels agree.</summary>
    static readonly string[] Palette = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf" };

    static GenericChart BuildScatter(ScatterSpec spec, bool showLegend)
    {
        var chart = CSharpChart.Combine(spec.Series.Select((s, i) =>
            CSharpChart.Point<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowLegend: showLegend,
                MarkerColor: Color.fromString(Palette[i % Palette.Length]), MarkerSymbol: StyleParam.MarkerSymbol.Circle)));
        var range = spec.Range is { Length: 2 } r ? new Optional<Tuple<double, double>>(Tuple.Create(r[0], r[1]), true) : default;
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: spec.XTitle, MinMax: range);
        return chart.WithYAxisStyle<double, double, string>(TitleText: spec.YTitle, MinMax: range);
    }

    /// <summary>A bar chart. JSON in: {"title", "xTitle", "yTitle", "categories": [..], "values": [..], "errors": [..]
    /// (optional, symmetric error bars, e.g. one standard deviation)}. HTML out as for <see cref="Lines"/>.</summary>
    public static string Bars(string specJson, bool fullDocument)
    {
        var spec = JsonSerializer.Deserialize<Spec>(specJson, Json) ?? throw new ArgumentException("empty chart spec");
        var chart = BuildBars(spec);
        if (!fullDocument) return GenericChart.toChartHTML(chart);
        chart = Plotly.NET.Chart.withDisplayOptionsStyle(FSharpOption<string>.Some(spec.Title), null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full)).Invoke(chart);
        return GenericChart.toEmbeddedHTML(chart);
    }

    static GenericChart BuildBars(Spec spec)
    {
        var categories = spec.Categories ?? Array.Empty<string>();
        var chart = CSharpChart.Column<double, string, string>(values: spec.Values ?? Array.Empty<double>(),
            Keys: new Optional<IEnumerable<string>>(categories, true), Name: spec.YTitle, MarkerColor: Color.fromString(Palette[0]));
        if (spec.Errors is not null)
            chart = Plotly.NET.Chart.withYErrorStyle<double, double>(Visible: FSharpOption<bool>.Some(true),
                Type: FSharpOption<StyleParam.ErrorType>.Some(StyleParam.ErrorType.Data), Symmetric: FSharpOption<bool>.Some(true),
                Array: FSharpOption<IEnumerable<double>>.Some(spec.Errors), Arrayminus: null, Value: null, Valueminus: null, Traceref: null,
                Tracerefminus: null, Copy_ystyle: null, Color: null, Thickness: null, Width: null).Invoke(chart);
        chart = Plotly.NET.Chart.withTitle(spec.Title, FSharpOption<Font>.None).Invoke(chart);
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: spec.XTitle);
        chart = chart.WithYAxisStyle<double, double, string>(TitleText: spec.YTitle);
        return chart.WithSize(Math.Max(480, 90 * categories.Length + 160), 420);
    }

    static GenericChart Build(Spec spec)
    {
        if (spec.Kind == "bars") return BuildBars(spec);
        var chart = CSharpChart.Combine((spec.Series ?? Array.Empty<Series>()).Select(s =>
            CSharpChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowMarkers: false)));
        chart = Plotly.NET.Chart.withTitle(spec.Title, FSharpOption<Font>.None).Invoke(chart);
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: spec.XTitle);
        chart = chart.WithYAxisStyle<double, double, string>(TitleText: spec.YTitle,
            AxisType: spec.LogY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        return chart.WithSize(760, 420);
    }
}
