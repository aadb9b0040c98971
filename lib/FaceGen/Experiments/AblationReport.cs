using System.Globalization;
using System.Text;
using FaceGen.Runtime;
using FaceGen.Visualization;

namespace FaceGen.Experiments;

/// <summary>
/// The files that summarise an experiment folder, all derived from its run folders (so <c>facegen report DIR</c>
/// rebuilds them exactly): <c>results.csv</c> (<see cref="AblationResult.ToCsv"/>), <c>summary.md</c>
/// (<see cref="Markdown"/>) and <c>charts.html</c> (self-contained: the table, a bar chart with ± std error bars per
/// metric, and the training curves of every run). Each is written atomically.
/// </summary>
public static class AblationReport
{
    /// <summary>Rebuilds results.csv, summary.md and charts.html of <paramref name="folder"/> from its run folders.</summary>
    public static AblationResult Rebuild(string folder)
    {
        var result = AblationResult.Load(folder);
        Write(result, charts: true);
        return result;
    }

    /// <summary>Writes results.csv and summary.md (and charts.html when <paramref name="charts"/>) into the result's folder.</summary>
    public static void Write(AblationResult result, bool charts)
    {
        AtomicFile.WriteAllText(Path.Combine(result.Folder, "results.csv"), result.ToCsv());
        AtomicFile.WriteAllText(Path.Combine(result.Folder, "summary.md"), Markdown(result));
        if (charts && result.Runs.Count > 0) AtomicFile.WriteAllText(Path.Combine(result.Folder, "charts.html"), ChartsPage(result));
    }

    /// <summary>summary.md: title, what was run, the table of <see cref="AblationResult.SummaryTable"/>, and what each
    /// metric measures.</summary>
    public static string Markdown(AblationResult result)
    {
        var md = new StringBuilder();
        md.Append($"# Ablation: {result.Name}\n\n");
        if (result.Description is { Length: > 0 } description) md.Append(description).Append("\n\n");
        md.Append(string.Create(CultureInfo.InvariantCulture,
            $"- model: {result.Model.ToString().ToLowerInvariant()}; profile: {result.Profile}; runs: {result.Runs.Count} of {result.PlannedRuns} finished"));
        md.Append(result.Remaining > 0 ? $" ({result.Remaining} remain: run the same command again to continue)\n" : "\n");
        md.Append("- each cell: mean ± sample standard deviation over the seeds of the setting (— where undefined); " +
                  "↑ higher is better, ↓ lower is better; the best mean per metric is in **bold**\n\n");
        md.Append(result.SummaryTable(TableFormat.Markdown)).Append('\n');
        md.Append("Metrics:\n\n");
        foreach (var m in result.Metrics) md.Append($"- `{m.Name}` {m.Arrow}: {m.Description}\n");
        return md.ToString();
    }

    static string ChartsPage(AblationResult result)
    {
        var before = new StringBuilder();
        before.Append($"<h1>Ablation: {AblationResult.Html(result.Name)}</h1>\n");
        if (result.Description is { Length: > 0 } description) before.Append($"<p>{AblationResult.Html(description)}</p>\n");
        before.Append($"<p>{result.Runs.Count} of {result.PlannedRuns} runs, profile {AblationResult.Html(result.Profile)}; " +
                      "mean ± standard deviation over seeds, best in bold.</p>\n");
        before.Append(result.SummaryTable(TableFormat.Html));
        var bars = result.Metrics.Where(m => result.Summary().Any(s => s.Metrics.ContainsKey(m.Name))).Select(m => result.BarChart(m.Name));
        var curves = AblationMetrics.Curves(result.Model).Select(result.CurveChart).Where(c => c.Series.Count > 0);
        return Charts.PageHtml($"Ablation: {result.Name}", before.ToString(), bars, curves, "");
    }
}
