using System.Text.RegularExpressions;
using FaceGen.Visualization;

namespace FaceGen.Tests;

public class BarChartTests
{
    static double[] Attribute(string svg, string element, string name) =>
        Regex.Matches(svg, $"<{element} class=\"[a-z]+\"[^>]*? {name}=\"([0-9.]+)\"").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    [Fact]
    public void BarHeightsAreProportionalToTheValuesOnAZeroBasedAxis()
    {
        var svg = BarChart.Svg("accuracy", "fraction", new[] { new Bar("a", 0.2, 0.05), new Bar("b", 0.4), new Bar("c", 0.6, double.NaN) }, yMax: 0.8);
        Assert.Equal(3, Regex.Matches(svg, "<rect class=\"bar\"").Count);
        Assert.Single(Regex.Matches(svg, "<line class=\"error\""));            // no whisker for 0 or NaN errors
        var heights = Attribute(svg, "rect", "height");
        // plot height 320 − 40 − 70 = 210 px for 0.8: 52.5, 105, 157.5
        Assert.Equal(new[] { 52.5, 105.0, 157.5 }, heights);
        Assert.Contains(">0.400<", svg);
        Assert.Contains(">b<", svg);
    }

    [Fact]
    public void TheAxisTopIsRoundedUpAboveTheHighestWhisker()
    {
        var svg = BarChart.Svg("t", "y", new[] { new Bar("x", 0.7, 0.034) });   // 0.734 → 0.75
        Assert.Contains(">0.75<", svg);
        Assert.Throws<ArgumentException>(() => BarChart.Svg("t", "y", Array.Empty<Bar>()));
        Assert.Throws<ArgumentException>(() => BarChart.Svg("t", "y", new[] { new Bar("x", double.NaN) }));
    }
}
