using System.Text.Json;
using FaceGen.Runtime;
using FaceGen.Visualization;

namespace FaceGen.Tests;

/// <summary>A diverged run's NaN/∞ metrics never stop a writer (issue 13, item 4).</summary>
public class NanWriterTests
{
    sealed record Metrics(double Fd, double Kid, double Loss, string Model);

    [Fact]
    public void JsonFilesWriteNaNAndInfinityAsStringsAndReadThemBack()
    {
        var folder = Directory.CreateTempSubdirectory("facegen-nan-").FullName;
        try
        {
            var path = Path.Combine(folder, "metrics.json");
            JsonFiles.Write(path, new Metrics(double.NaN, double.PositiveInfinity, double.NegativeInfinity, "gan"));
            var text = File.ReadAllText(path);
            Assert.Contains("\"Fd\": \"NaN\"", text);
            Assert.Contains("\"Kid\": \"Infinity\"", text);
            Assert.Contains("\"Loss\": \"-Infinity\"", text);
            var back = JsonSerializer.Deserialize<Metrics>(text, JsonFiles.Options)!;
            Assert.True(double.IsNaN(back.Fd));
            Assert.Equal(double.PositiveInfinity, back.Kid);
            Assert.Equal("gan", back.Model);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void ALossCurveWithNaNStillDraws()
    {
        var spec = new ChartSpec("losses", "step", "loss", [new ChartSeries("loss_g", [1, 2, 3], [0.7, double.NaN, double.PositiveInfinity])]);
        var html = Charts.LinesHtml(spec, fullDocument: false);
        Assert.Contains("loss_g", html);
    }
}
