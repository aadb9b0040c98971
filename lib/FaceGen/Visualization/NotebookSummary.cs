using System.Diagnostics;
using FaceGen.Runtime;

namespace FaceGen.Visualization;

/// <summary>
/// The closing table of a notebook. Made in its first cell (the clock starts then), it collects one row per measured
/// quantity as the cells run (<see cref="Add"/>); <see cref="Table"/> shows them, then the profile in force and the
/// notebook's own time, so that every notebook ends with the same two facts.
/// </summary>
public sealed class NotebookSummary
{
    readonly Stopwatch clock = Stopwatch.StartNew();
    readonly List<(string Quantity, string Value)> rows = new();

    /// <summary>The rows added so far, in order.</summary>
    public IReadOnlyList<(string Quantity, string Value)> Rows => rows;

    /// <summary>One row: the quantity (shown as the row header) and its value, both HTML.</summary>
    public void Add(string quantity, string value) => rows.Add((quantity, value));

    /// <summary>The rows, then "profile; whole notebook": the profile and the seconds since this summary was made (in the first cell).</summary>
    public ChartHtml Table() => new("<table>" + string.Concat(rows
        .Append((Quantity: "profile; whole notebook", Value: $"{Profile.Current}; {NotebookTables.F(clock.Elapsed.TotalSeconds, "F1")} s since the first cell"))
        .Select(r => $"<tr><th style=\"text-align:left\">{r.Quantity}</th><td>{r.Value}</td></tr>")) + "</table>");
}
