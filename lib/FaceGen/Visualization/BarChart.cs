using System.Globalization;
using System.Net;
using System.Text;

namespace FaceGen.Visualization;

/// <summary>One bar: its label, its height (e.g. a mean over seeds) and the half-length of its error bar (e.g. a
/// standard deviation; 0 or NaN draws none).</summary>
public sealed record Bar(string Label, double Value, double Error = 0);

/// <summary>
/// A bar chart with error bars as inline SVG (no script, so it shows in a notebook, a report and a test's saved output
/// alike): bars from 0 to their value on a linear axis from 0 to <c>yMax</c> (default: the largest value + error,
/// rounded up to a multiple of half its power of ten), each with a whisker value ± error and its value written above it.
/// For results such as "accuracy, mean ± std over seeds, per condition".
/// </summary>
public static class BarChart
{
    const int Width = 640, Height = 320, Left = 60, Right = 20, Top = 40, Bottom = 70;

    /// <summary>The chart for notebook display.</summary>
    public static ChartHtml Of(string title, string yTitle, IReadOnlyList<Bar> bars, double? yMax = null, string valueFormat = "F3") =>
        new(Svg(title, yTitle, bars, yMax, valueFormat));

    /// <summary>The SVG text: one &lt;rect class="bar"&gt; per bar, one &lt;line class="error"&gt; per bar with an error.</summary>
    public static string Svg(string title, string yTitle, IReadOnlyList<Bar> bars, double? yMax = null, string valueFormat = "F3")
    {
        if (bars.Count == 0) throw new ArgumentException("a bar chart needs at least one bar.");
        if (bars.Any(b => !double.IsFinite(b.Value) || b.Value < 0))
            throw new ArgumentException($"bar values {string.Join(", ", bars.Select(b => b.Value))}: expected finite values ≥ 0.");
        double top = yMax ?? NiceCeiling(bars.Max(b => b.Value + ErrorOf(b)));
        double plotWidth = Width - Left - Right, plotHeight = Height - Top - Bottom, slot = plotWidth / bars.Count;
        double Y(double v) => Top + plotHeight * (1 - Math.Min(v, top) / top);
        var svg = new StringBuilder($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.Append($"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        svg.Append($"<text transform=\"translate(14,{Top + plotHeight / 2:F0}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yTitle)}</text>");
        for (int i = 0; i <= 4; i++)
        {
            double v = top * i / 4;
            svg.Append(I($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Y(v):F1}\" y2=\"{Y(v):F1}\" stroke=\"#ddd\"/>"));
            svg.Append(I($"<text x=\"{Left - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v.ToString("G4", CultureInfo.InvariantCulture)}</text>"));
        }
        for (int i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            double x = Left + slot * i + slot * 0.15, w = slot * 0.7, centre = x + w / 2;
            svg.Append(I($"<rect class=\"bar\" x=\"{x:F1}\" y=\"{Y(b.Value):F1}\" width=\"{w:F1}\" height=\"{Y(0) - Y(b.Value):F1}\" fill=\"#4c78a8\"/>"));
            double e = ErrorOf(b);
            if (e > 0)
                svg.Append(I($"<line class=\"error\" x1=\"{centre:F1}\" x2=\"{centre:F1}\" y1=\"{Y(Math.Max(0, b.Value - e)):F1}\" y2=\"{Y(b.Value + e):F1}\" stroke=\"black\" stroke-width=\"1.5\"/>"));
            svg.Append(I($"<text x=\"{centre:F1}\" y=\"{Y(b.Value + e) - 4:F1}\" text-anchor=\"middle\">{b.Value.ToString(valueFormat, CultureInfo.InvariantCulture)}</text>"));
            svg.Append(I($"<text x=\"{centre:F1}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(b.Label)}</text>"));
        }
        return svg.Append("</svg>").ToString();
    }

    static double ErrorOf(Bar b) => double.IsFinite(b.Error) && b.Error > 0 ? b.Error : 0;

    /// <summary>The smallest multiple of half of v's power of ten that is ≥ v (0.734 → 0.75, 1.2 → 1.5; 0 → 1).</summary>
    static double NiceCeiling(double v)
    {
        if (v <= 0) return 1;
        double step = Math.Pow(10, Math.Floor(Math.Log10(v))) / 2;
        return Math.Ceiling(v / step - 1e-9) * step;
    }

    static string I(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
