using System.Globalization;
using FaceGen.Runtime;

namespace FaceGen.Visualization;

/// <summary>
/// The presentation every notebook of the series shares, so that a notebook's cells hold teaching code only:
/// numbers in invariant culture, an HTML table of results, the closing "What this notebook measured" table, and the
/// LibTorch thread set-up. Notebooks import it with <c>using static FaceGen.Visualization.NotebookTables;</c>.
/// </summary>
public static class NotebookTables
{
    /// <summary>A number as text in invariant culture (a decimal point whatever the machine's locale); "—" for a number
    /// that was not measured (null).</summary>
    public static string F(double? value, string format = "G4") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>An HTML table: a header row, then one row per array (cells are HTML, left-aligned; right-aligned with
    /// <paramref name="alignRight"/>, for columns of numbers).</summary>
    public static ChartHtml Table(string[] header, IEnumerable<string[]> rows, bool alignRight = false)
    {
        string align = alignRight ? "right" : "left";
        return new ChartHtml("<table><tr>" + string.Concat(header.Select(h => $"<th style=\"text-align:left\">{h}</th>")) + "</tr>" +
            string.Concat(rows.Select(r => "<tr>" + string.Concat(r.Select(c => $"<td style=\"text-align:{align}\">{c}</td>")) + "</tr>")) + "</table>");
    }

    /// <summary>LibTorch's threads for a notebook: <see cref="Devices.ThreadsVariable"/> when set; otherwise one in the
    /// quick profile (the tests run notebooks side by side on two shared cores, where LibTorch's busy-waiting worker
    /// threads slow each other down ten-fold and more), else LibTorch's default. Returns the number in force.</summary>
    public static int ConfigureThreads()
    {
        int? threads = Environment.GetEnvironmentVariable(Devices.ThreadsVariable) is null ? Profile.Pick<int?>(1, null, null) : null;
        return Devices.ConfigureThreads(threads);
    }
}
