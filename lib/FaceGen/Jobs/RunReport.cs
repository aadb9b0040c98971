using System.Net;
using System.Text;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;

namespace FaceGen.Jobs;

/// <summary>
/// The self-contained HTML report of a run (<c>report.html</c>): its settings and final metrics, one
/// chart per metric family (loss_*, d_*, grad_norm_*, eval_*, …, and step time), and the sample
/// grids in step order. plotly.js and the PNGs are embedded, so the file opens offline.
/// </summary>
public static class RunReport
{
    public static string Html(string title, IReadOnlyDictionary<string, string> settings, TrainingHistory history,
        IEnumerable<(long Step, ImageGrid Grid)> samples, IEnumerable<(string Name, ImageGrid Grid)>? pictures = null)
    {
        var before = new StringBuilder($"<h1>{WebUtility.HtmlEncode(title)}</h1>\n<table>");
        foreach (var (key, value) in settings)
            before.Append($"<tr><th>{WebUtility.HtmlEncode(key)}</th><td>{WebUtility.HtmlEncode(value)}</td></tr>");
        before.Append("</table>\n");
        if (history.Records.Count > 0)
        {
            var last = history.Records[^1];
            before.Append($"<h2>Last step ({last.Step})</h2>\n<table>");
            foreach (var (name, value) in last.Metrics) before.Append($"<tr><th>{name}</th><td>{value:G5}</td></tr>");
            before.Append("</table>\n<h2>Curves</h2>\n");
        }
        var after = new StringBuilder("<h2>Samples</h2>\n");
        foreach (var (step, grid) in samples)
            after.Append($"<h3>step {step}</h3>{grid.ToHtml(zoom: 2)}\n");
        foreach (var (name, grid) in pictures ?? [])
            after.Append($"<h2>{WebUtility.HtmlEncode(name)}</h2>{grid.ToHtml(zoom: 2)}\n");
        return Charts.PageHtml(title, before.ToString(), ChartsOf(history), after.ToString());
    }

    /// <summary>Writes <c>report.html</c> into <paramref name="folder"/> from its <c>samples_*.png</c> files,
    /// followed by any other PNG there (interpolations, traversals).</summary>
    public static string Write(string folder, string title, IReadOnlyDictionary<string, string> settings, TrainingHistory history)
    {
        var pngs = Directory.GetFiles(folder, "*.png").Order(StringComparer.Ordinal).ToList();
        bool IsSample(string f) => Path.GetFileName(f).StartsWith("samples_", StringComparison.Ordinal);
        var samples = pngs.Where(IsSample)
            .Select(f => (long.Parse(Path.GetFileNameWithoutExtension(f)["samples_".Length..]), ImageGrid.FromPng(File.ReadAllBytes(f))));
        var pictures = pngs.Where(f => !IsSample(f)).Select(f => (Path.GetFileNameWithoutExtension(f), ImageGrid.FromPng(File.ReadAllBytes(f))));
        var path = Path.Combine(folder, "report.html");
        AtomicFile.WriteAllText(path, Html(title, settings, history, samples, pictures));
        return path;
    }

    /// <summary>One chart per family of metrics sharing a prefix (loss_d and loss_g together), plus step time.</summary>
    public static IReadOnlyList<ChartSpec> ChartsOf(TrainingHistory history)
    {
        static string Family(string metric) => metric.StartsWith("grad_norm", StringComparison.Ordinal) ? "grad_norm"
            : metric.Contains('_') ? metric[..metric.IndexOf('_')] : metric;
        var charts = history.MetricNames().GroupBy(Family).Select(family => new ChartSpec(
            family.Key, "step", family.Key,
            family.Select(m => { var (x, y) = history.Series(m); return new ChartSeries(m, x.Select(v => (double)v).ToArray(), y); }).ToList()))
            .ToList();
        charts.Add(new ChartSpec("step time", "step", "seconds", new[]
        {
            new ChartSeries("seconds", history.Records.Select(r => (double)r.Step).ToArray(), history.Records.Select(r => r.Seconds).ToArray()),
        }));
        return charts;
    }
}
