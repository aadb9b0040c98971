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
/// (div + script) for a notebook cell.
/// </summary>
public static class ChartRenderer
{
    sealed record Series(string Name, double[] X, double[] Y);
    sealed record Spec(string Title, string XTitle, string YTitle, bool LogY, Series[] Series);

    static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static string Lines(string specJson, bool fullDocument)
    {
        var spec = JsonSerializer.Deserialize<Spec>(specJson, Json) ?? throw new ArgumentException("empty chart spec");
        var chart = CSharpChart.Combine(spec.Series.Select(s =>
            CSharpChart.Line<double, double, string>(x: s.X, y: s.Y, Name: s.Name, ShowMarkers: false)));
        chart = Plotly.NET.Chart.withTitle(spec.Title, FSharpOption<Font>.None).Invoke(chart);
        chart = chart.WithXAxisStyle<double, double, string>(TitleText: spec.XTitle);
        chart = chart.WithYAxisStyle<double, double, string>(TitleText: spec.YTitle,
            AxisType: spec.LogY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        chart = chart.WithSize(760, 420);
        if (!fullDocument) return GenericChart.toChartHTML(chart);
        // Embed plotly.js itself so that a report opens without internet access.
        chart = Plotly.NET.Chart.withDisplayOptionsStyle(FSharpOption<string>.Some(spec.Title), null, null, null, null, null,
            FSharpOption<PlotlyJSReference>.Some(PlotlyJSReference.Full)).Invoke(chart);
        return GenericChart.toEmbeddedHTML(chart);
    }
}
