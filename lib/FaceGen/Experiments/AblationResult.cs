using System.Globalization;
using System.Text;
using System.Text.Json;
using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Training;
using FaceGen.Visualization;

namespace FaceGen.Experiments;

/// <summary>Markdown or HTML, for <see cref="AblationResult.SummaryTable"/>.</summary>
public enum TableFormat { Markdown, Html }

/// <summary>The runs of one setting over its seeds: mean ± sample standard deviation of every metric.</summary>
public sealed record SettingSummary(string Setting, int Runs, IReadOnlyList<int> Seeds, IReadOnlyDictionary<string, MeanStd> Metrics);

/// <summary>
/// The finished runs of an experiment folder and their summary. Built by <see cref="Ablation.Run(ExperimentSpec, string, AblationOptions, IProgress{Runtime.ProgressReport})"/>
/// or, from the run folders alone, by <see cref="Load"/> (<c>facegen report DIR</c>). In a notebook:
/// <c>result.SummaryTable(TableFormat.Html)</c>, <c>result.Chart("fd_pixels8_best")</c>, <c>result.Curves("loss_d")</c>.
/// </summary>
public sealed record AblationResult(string Folder, string Name, ExperimentModel Model, string? Description, string Profile, int PlannedRuns,
    IReadOnlyList<string> SettingOrder, IReadOnlyList<string> Columns, IReadOnlyList<RunRecord> Runs)
{
    /// <summary>Runs this call executed (0 for a rebuilt report).</summary>
    public int RanNow { get; init; }
    /// <summary>Runs found finished and kept.</summary>
    public int Resumed { get; init; }
    /// <summary>Cells this call skipped because another live worker holds their claim.</summary>
    public int HeldElsewhere { get; init; }
    /// <summary>Cells this call was given (its shard or cell; every cell without one).</summary>
    public int Selected { get; init; }
    /// <summary>The planned cells without a result (empty for a folder written before cell ids were recorded).</summary>
    public IReadOnlyList<string> MissingCells { get; init; } = [];
    /// <summary>True when the time budget stopped the call before every run was done.</summary>
    public bool BudgetSpent { get; init; }
    /// <summary>Planned runs without a result.</summary>
    public int Remaining => Math.Max(0, PlannedRuns - Runs.Count);

    /// <summary>The table's metrics, in order: the spec's <c>metrics</c> list, else every metric of the model
    /// (<see cref="AblationMetrics.For"/>) that some run reported.</summary>
    public IReadOnlyList<MetricInfo> Metrics =>
        (Columns.Count > 0 ? Columns.Select(AblationMetrics.Info)
            : AblationMetrics.For(Model).Where(m => Runs.Any(r => r.Metrics.ContainsKey(m.Name)))).ToList();

    /// <summary>Mean ± std over seeds per setting, settings in the experiment's order. A metric a run did not report
    /// (or reported as NaN) is left out of that setting's mean.</summary>
    public IReadOnlyList<SettingSummary> Summary() =>
        Runs.GroupBy(r => r.Setting)
            .OrderBy(g => SettingOrder.Contains(g.Key) ? SettingOrder.ToList().IndexOf(g.Key) : int.MaxValue).ThenBy(g => g.Min(r => r.Index))
            .Select(g => new SettingSummary(g.Key, g.Count(), g.Select(r => r.Seed).ToList(),
                Metrics.Select(m => (m.Name, Values: g.Select(r => r.Metrics.GetValueOrDefault(m.Name, double.NaN)).Where(double.IsFinite).ToArray()))
                    .Where(x => x.Values.Length > 0).ToDictionary(x => x.Name, x => MeanStd.Of(x.Values))))
            .ToList();

    /// <summary>The settings whose mean of <paramref name="metric"/> is best (all of them on a tie); empty when the
    /// metric has no direction, fewer than two settings report it, or every setting ties (nothing stands out).</summary>
    public IReadOnlySet<string> Best(MetricInfo metric)
    {
        var means = Summary().Where(s => s.Metrics.ContainsKey(metric.Name)).ToDictionary(s => s.Setting, s => s.Metrics[metric.Name].Mean);
        if (metric.HigherIsBetter is not bool higher || means.Count < 2) return new HashSet<string>();
        double best = higher ? means.Values.Max() : means.Values.Min();
        var winners = means.Where(kv => kv.Value == best).Select(kv => kv.Key).ToHashSet();
        return winners.Count == means.Count ? new HashSet<string>() : winners;
    }

    /// <summary>One row per setting: runs, then "mean ± std" per metric with four significant digits of the column's
    /// largest mean; the header shows ↑/↓ (which way is better) and the best setting per metric is bold.</summary>
    public string SummaryTable(TableFormat format = TableFormat.Markdown)
    {
        var summary = Summary();
        var metrics = Metrics;
        var best = metrics.ToDictionary(m => m.Name, Best);
        var decimals = metrics.ToDictionary(m => m.Name, m => MeanStd.SignificantDecimals(
            summary.Select(s => s.Metrics.TryGetValue(m.Name, out var v) ? Math.Abs(v.Mean) : 0).DefaultIfEmpty(0).Max()));
        var header = new[] { "setting", "runs" }.Concat(metrics.Select(m => $"{m.Name} {m.Arrow}".Trim())).ToList();
        var rows = summary.Select(s => new[] { s.Setting, s.Runs.ToString(CultureInfo.InvariantCulture) }.Concat(metrics.Select(m =>
            !s.Metrics.TryGetValue(m.Name, out var v) ? "—"
            : best[m.Name].Contains(s.Setting) ? Bold(v.Format(decimals[m.Name]), format)
            : v.Format(decimals[m.Name]))).ToList()).ToList();
        return format == TableFormat.Markdown ? MarkdownTable(header, rows) : HtmlTable(header, rows);
    }

    /// <summary>A bar chart of one metric: mean per setting with ± one standard deviation over seeds.</summary>
    public ChartHtml Chart(string metric) => Charts.Bars(BarChart(metric));

    /// <summary>The training curve <paramref name="column"/> of history.csv (e.g. loss_d, elbo) for every run.</summary>
    public ChartHtml Curves(string column) => Charts.Lines(CurveChart(column));

    internal BarChartSpec BarChart(string metric)
    {
        var info = Metrics.FirstOrDefault(m => m.Name == metric) ?? AblationMetrics.Info(metric);
        var rows = Summary().Where(s => s.Metrics.ContainsKey(metric)).ToList();
        if (rows.Count == 0) throw new ArgumentException($"metric '{metric}': no run reported it; known here: {string.Join(", ", Metrics.Select(m => m.Name))}.");
        var direction = info.HigherIsBetter switch { true => " (higher is better)", false => " (lower is better)", null => "" };
        return new BarChartSpec($"{Name}: {metric}{direction}, mean ± std over seeds", "setting", metric,
            rows.Select(r => r.Setting).ToList(), rows.Select(r => r.Metrics[metric].Mean).ToArray(), rows.Select(r => r.Metrics[metric].Std).ToArray());
    }

    internal ChartSpec CurveChart(string column)
    {
        var series = new List<ChartSeries>();
        foreach (var run in Runs)
        {
            var path = Path.Combine(Folder, "runs", run.Folder, "history.csv");
            if (!File.Exists(path)) continue;
            var (steps, values) = TrainingHistory.FromCsv(File.ReadAllText(path), path).Series(column);
            if (values.Length == 0) continue;
            var (x, y) = Downsample(steps.Select(s => (double)s).ToArray(), values, 200);
            series.Add(new ChartSeries($"{run.Setting} s{run.Seed}", x, y));
        }
        return new ChartSpec($"{Name}: {column} during training (bin means, at most 200 points per run)", "step", column, series);
    }

    /// <summary>At most <paramref name="points"/> points: the mean step and value of consecutive equal-size bins.</summary>
    static (double[] X, double[] Y) Downsample(double[] x, double[] y, int points)
    {
        if (x.Length <= points) return (x, y);
        var bins = Enumerable.Range(0, points).Select(b => (From: (int)((long)b * x.Length / points), To: (int)((long)(b + 1) * x.Length / points))).ToArray();
        return (bins.Select(b => x[b.From..b.To].Average()).ToArray(), bins.Select(b => y[b.From..b.To].Average()).ToArray());
    }

    /// <summary>results.csv: run, setting, seed, then one column per metric (the model's in catalogue order, then
    /// any other), one row per run in running order; invariant culture, round-trip precision; empty where a run did
    /// not report a metric.</summary>
    public string ToCsv()
    {
        var known = AblationMetrics.For(Model).Select(m => m.Name).ToList();
        var names = known.Where(n => Runs.Any(r => r.Metrics.ContainsKey(n)))
            .Concat(Runs.SelectMany(r => r.Metrics.Keys).Where(n => !known.Contains(n)).Distinct()).ToList();
        var csv = new StringBuilder("run,setting,seed");
        foreach (var n in names) csv.Append(',').Append(n);
        csv.Append('\n');
        foreach (var r in Runs)
        {
            csv.Append(Csv(r.Folder)).Append(',').Append(Csv(r.Setting)).Append(',').Append(r.Seed.ToString(CultureInfo.InvariantCulture));
            foreach (var n in names)
                csv.Append(',').Append(r.Metrics.TryGetValue(n, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            csv.Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>The finished runs of an experiment folder (its <c>runs/*/result.json</c>, in running order), with the
    /// experiment's name, profile and planned count from <c>experiment.json</c> when present.</summary>
    public static AblationResult Load(string folder)
    {
        folder = Path.GetFullPath(folder);
        var runsFolder = Path.Combine(folder, "runs");
        var runs = Directory.Exists(runsFolder)
            ? Directory.EnumerateFiles(runsFolder, "result.json", SearchOption.AllDirectories).Select(Ablation.ReadRecord).OrderBy(r => r.Index).ToList()
            : [];
        var experimentPath = Path.Combine(folder, "experiment.json");
        if (File.Exists(experimentPath))
        {
            var e = JsonSerializer.Deserialize<Ablation.ExperimentRecord>(File.ReadAllText(experimentPath), Ablation.Json)
                ?? throw new DataException(experimentPath, "empty; is this a folder written by facegen ablate?");
            return new AblationResult(folder, e.Name, e.Model, e.Description, e.Profile, e.PlannedRuns, e.Settings, e.Columns, runs)
            {
                MissingCells = (e.Cells ?? []).Except(runs.Select(r => r.Folder)).ToList(),
            };
        }
        if (runs.Count == 0)
            throw new DataException(folder, "no experiment.json and no runs/*/result.json: not a folder written by facegen ablate.");
        var first = runs[0];
        return new AblationResult(folder, first.Experiment, first.Model, null, first.Profile, runs.Count,
            runs.Select(r => r.Setting).Distinct().ToList(), [], runs);
    }

    static string Bold(string text, TableFormat format) => format == TableFormat.Markdown ? $"**{text}**" : $"<b>{text}</b>";

    static string MarkdownTable(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        var md = new StringBuilder();
        md.Append("| ").Append(string.Join(" | ", header)).Append(" |\n");
        md.Append('|').Append(string.Concat(header.Select(_ => "---|"))).Append('\n');
        foreach (var row in rows) md.Append("| ").Append(string.Join(" | ", row.Select(c => c.Replace("|", "\\|")))).Append(" |\n");
        return md.ToString();
    }

    static string HtmlTable(IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        static string Cell(string c) => c.StartsWith("<b>", StringComparison.Ordinal) ? $"<b>{Html(c[3..^4])}</b>" : Html(c);
        var html = new StringBuilder("<table>\n<tr>");
        foreach (var h in header) html.Append("<th>").Append(Html(h)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var row in rows) html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{Cell(c)}</td>"))).Append("</tr>\n");
        return html.Append("</table>\n").ToString();
    }

    /// <summary>Escapes &amp;, &lt;, &gt; and ": unlike WebUtility.HtmlEncode it keeps ± and other text readable.</summary>
    internal static string Html(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");

    static string Csv(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
