using FaceGen.Visualization;

namespace FaceGen.Training;

/// <summary>
/// A training callback that keeps one notebook output up to date: the loss curves so far and the latest
/// sample grid. The kit does not reference the notebook kernel; the notebook passes the kernel's update
/// function, or the displayed view itself (<see cref="In"/>).
/// The view must start as HTML (<see cref="Status"/>): the kernel formats every update for the MIME type of the
/// first value shown, so a view started with a plain string would show each chart as a text dump of its HTML.
/// The chart draws with the plotly.js the notebook's first cell loaded; none lives in the view itself, because an
/// updated output keeps only its last HTML.
/// Redraws every <paramref name="every"/> steps, at each snapshot and at the end.
/// </summary>
public sealed class LiveTrainingDisplay(Action<ChartHtml> update, int every = 25, params string[] metrics) : ITrainingCallback
{
    readonly TrainingHistory history = new();

    /// <summary>Marks every redraw of this view (<c>&lt;div class="facegen-live" data-view="…"&gt;</c>): a headless
    /// run appends each update as a new output, and the published page keeps only the view's last one, as VS Code shows it.</summary>
    readonly string viewId = Guid.NewGuid().ToString("N");

    /// <summary>A one-line status as HTML (the message HTML-encoded): what a live view shows before its first chart,
    /// or between stages of a long cell, so that the view is an HTML display from the start.</summary>
    public static ChartHtml Status(string message) =>
        new($"<p class=\"{NotebookPages.StatusClass}\" style=\"font-family:monospace\">{System.Net.WebUtility.HtmlEncode(message)}</p>");
    ImageGrid? latest;

    /// <summary>A live display that redraws <paramref name="view"/>, what the kernel's <c>display(…)</c> returned for
    /// a <see cref="Status"/> line: <c>LiveTrainingDisplay.In(display(LiveTrainingDisplay.Status("starting…")))</c>.
    /// The kit does not reference the kernel, so the view's <c>Update(object)</c> is called through <c>dynamic</c>.</summary>
    public static LiveTrainingDisplay In(object view, int every = 25, params string[] metrics)
    {
        dynamic displayed = view;
        return new LiveTrainingDisplay(html => displayed.Update(html), every, metrics);
    }

    public void OnStep(StepRecord record, long totalSteps)
    {
        history.Add(record);
        if (record.Step % every == 0 || record.Step == totalSteps) Redraw(record.Step, totalSteps);
    }

    public void OnSnapshot(long step, ImageGrid grid)
    {
        latest = grid;
        Redraw(step, null);
    }

    void Redraw(long step, long? total)
    {
        var names = metrics.Length > 0 ? metrics : history.MetricNames().Where(m => m.StartsWith("loss", StringComparison.Ordinal)).ToArray();
        var series = names.Select(m => { var (x, y) = history.Series(m); return new ChartSeries(m, x.Select(v => (double)v).ToArray(), y); }).ToList();
        var chart = Charts.LinesHtml(new ChartSpec($"step {step}{(total is null ? "" : $" of {total}")}", "step", "value", series), fullDocument: false);
        update(new ChartHtml($"<div class=\"{NotebookPages.LiveViewClass}\" data-view=\"{viewId}\" style=\"display:flex;gap:1em;align-items:flex-start\"><div>{chart}</div>{latest?.ToHtml(zoom: 1.5) ?? ""}</div>"));
    }
}
