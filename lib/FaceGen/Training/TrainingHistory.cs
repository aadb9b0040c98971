using System.Globalization;
using System.Text;
using FaceGen.Visualization;

namespace FaceGen.Training;

/// <summary>What one training step measured: named scalars (losses, D(x), gradient norms …) and its wall time.</summary>
public sealed record StepRecord(long Step, IReadOnlyDictionary<string, double> Metrics, double Seconds);

/// <summary>The record of a run, step by step; written as <c>history.csv</c>.</summary>
public sealed class TrainingHistory
{
    readonly List<StepRecord> records = new();

    public IReadOnlyList<StepRecord> Records => records;

    public void Add(StepRecord record) => records.Add(record);

    /// <summary>Keeps only the steps up to <paramref name="step"/> (used when resuming from a checkpoint).</summary>
    public void TruncateAfter(long step) => records.RemoveAll(r => r.Step > step);

    /// <summary>The values of one metric over the steps that report it.</summary>
    public (long[] Steps, double[] Values) Series(string metric)
    {
        var hits = records.Where(r => r.Metrics.ContainsKey(metric)).ToList();
        return (hits.Select(r => r.Step).ToArray(), hits.Select(r => r.Metrics[metric]).ToArray());
    }

    /// <summary>The mean of a metric over the last tenth of the steps that report it (at least the last one): where a
    /// run ended, less noisy than its last step alone.</summary>
    public double EndMean(string metric)
    {
        var (_, values) = Series(metric);
        return values.Skip(values.Length - Math.Max(1, values.Length / 10)).Average();
    }

    /// <summary>A line chart of metrics against the step: one <c>(metric, legend)</c> pair per line.</summary>
    public ChartSpec Lines(string title, string yTitle, params (string Metric, string Legend)[] lines) =>
        new(title, "step", yTitle, lines.Select(l =>
        {
            var (steps, values) = Series(l.Metric);
            return new ChartSeries(l.Legend, steps.Select(s => (double)s).ToArray(), values);
        }).ToList());

    /// <summary>The step with the best value of <paramref name="metric"/> (highest or lowest; the first on a tie),
    /// or null when no step reported it.</summary>
    public (long Step, double Value)? Best(string metric, bool higherIsBetter)
    {
        var (steps, values) = Series(metric);
        if (values.Length == 0) return null;
        int best = Array.IndexOf(values, higherIsBetter ? values.Max() : values.Min());
        return (steps[best], values[best]);
    }

    /// <summary>Metric names in first-seen order.</summary>
    public IReadOnlyList<string> MetricNames() => records.SelectMany(r => r.Metrics.Keys).Distinct().ToList();

    /// <summary>CSV with columns step, seconds, then every metric (empty where a step did not report it);
    /// numbers in invariant culture, full round-trip precision.</summary>
    public string ToCsv()
    {
        var names = MetricNames();
        var sb = new StringBuilder("step,seconds");
        foreach (var n in names) sb.Append(',').Append(n);
        sb.Append('\n');
        foreach (var r in records)
        {
            sb.Append(r.Step.ToString(CultureInfo.InvariantCulture)).Append(',').Append(r.Seconds.ToString("R", CultureInfo.InvariantCulture));
            foreach (var n in names)
                sb.Append(',').Append(r.Metrics.TryGetValue(n, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Reads what <see cref="ToCsv"/> wrote.</summary>
    public static TrainingHistory FromCsv(string csv, string source = "history.csv")
    {
        var history = new TrainingHistory();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("step,seconds", StringComparison.Ordinal))
            throw new InvalidDataException($"{source}: not a training history (expected a header starting with 'step,seconds').");
        var names = lines[0].Split(',').Skip(2).ToArray();
        for (int i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length != names.Length + 2) throw new InvalidDataException($"{source}, line {i + 1}: {cells.Length} cells, expected {names.Length + 2}.");
            var metrics = new Dictionary<string, double>();
            for (int k = 0; k < names.Length; k++)
                if (cells[k + 2].Length > 0) metrics[names[k]] = double.Parse(cells[k + 2], CultureInfo.InvariantCulture);
            history.Add(new StepRecord(long.Parse(cells[0], CultureInfo.InvariantCulture), metrics, double.Parse(cells[1], CultureInfo.InvariantCulture)));
        }
        return history;
    }
}
