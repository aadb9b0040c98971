using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The library members the notebooks call instead of writing plumbing themselves: each must do exactly what
/// the notebook code it replaced did.</summary>
public class NotebookHelperTests
{
    public NotebookHelperTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void SummaryKeepsTheRowsInOrderAndEndsWithTheProfileAndTime()
    {
        var summary = new NotebookSummary();
        summary.Add("first", "1");
        summary.Add("second <i>x</i>", "2");
        var html = summary.Table().Html;
        int first = html.IndexOf(">first<"), second = html.IndexOf(">second <i>x</i><"), closing = html.IndexOf(">profile; whole notebook<");
        Assert.True(first > 0 && second > first && closing > second, html);
        Assert.Matches($@"<td>{Profile.Current}; [0-9]+\.[0-9] s since the first cell</td></tr></table>$", html);
        Assert.Equal(2, summary.Rows.Count);   // Table() adds the closing row without storing it
    }

    // Public, as the kernel's DisplayedValue is: the runtime binder only calls members it may see.
    public sealed class FakeView
    {
        public List<object> Updates { get; } = new();
        public void Update(object value) => Updates.Add(value);
    }

    [Fact]
    public void LiveDisplayRedrawsTheViewItWasGiven()
    {
        var view = new FakeView();
        var live = LiveTrainingDisplay.In(view, every: 2, "loss");
        for (int step = 1; step <= 4; step++)
            live.OnStep(new StepRecord(step, new Dictionary<string, double> { ["loss"] = 1.0 / step }, 0.01), totalSteps: 4);
        Assert.Equal(2, view.Updates.Count);   // steps 2 and 4
        Assert.All(view.Updates, u => Assert.Contains("Plotly", Assert.IsType<ChartHtml>(u).Html));
    }

    [Fact]
    public void HistoryLinesPlotEachMetricAgainstTheStepsThatReportIt()
    {
        var history = new TrainingHistory();
        history.Add(new StepRecord(1, new Dictionary<string, double> { ["a"] = 0.5 }, 0));
        history.Add(new StepRecord(2, new Dictionary<string, double> { ["a"] = 0.25, ["b"] = 7 }, 0));
        var chart = history.Lines("title", "y", ("a", "metric a"), ("b", "metric b"));
        Assert.Equal(("title", "step", "y"), (chart.Title, chart.XTitle, chart.YTitle));
        Assert.Equal(new[] { "metric a", "metric b" }, chart.Series.Select(s => s.Name));
        Assert.Equal(new[] { 1.0, 2.0 }, chart.Series[0].X);
        Assert.Equal(new[] { 0.5, 0.25 }, chart.Series[0].Y);
        Assert.Equal(new[] { 2.0 }, chart.Series[1].X);
        Assert.Equal(new[] { 7.0 }, chart.Series[1].Y);
    }

    [Fact]
    public void ChartSeriesFromTensorsKeepsEveryFloatExactly()
    {
        var x = tensor(new float[] { 0.1f, -2.5f, 3e-8f });
        var series = ChartSeries.Of("s", x, x * 2);
        Assert.Equal(new[] { (double)0.1f, -2.5, (double)3e-8f }, series.X);
        Assert.Equal(new[] { (double)(0.1f * 2), -5.0, (double)(3e-8f * 2) }, series.Y);
        var points = ChartSeries.Of("p", tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(3, 2));
        Assert.Equal(new[] { 1.0, 3, 5 }, points.X);
        Assert.Equal(new[] { 2.0, 4, 6 }, points.Y);
    }

    [Fact]
    public void GeneratorSampleIsTheEvalModeForwardOfItsOwnNoiseMappedToUnitRange()
    {
        manual_seed(3);
        using var g = new DcganGenerator(imageSize: 32, channels: 1, latentSize: 16, width: 8);
        g.train();
        Tensor expected;
        g.eval();
        using (no_grad()) expected = ((g.forward(g.SampleLatent(5, Seeding.Generator(11))) + 1) / 2).clamp(0, 1);
        g.train();

        manual_seed(42);
        var globalBefore = randn(3);
        manual_seed(42);
        var samples = g.Sample(5, seed: 11);
        Assert.True(samples.eq(expected).all().item<bool>(), "eval-mode G(z) for the seed's noise, (x + 1) / 2");
        Assert.True(g.training, "put back in training mode");
        Assert.True(randn(3).eq(globalBefore).all().item<bool>(), "the global random stream is untouched");
        Assert.Equal(new long[] { 5, 1, 32, 32 }, samples.shape);
    }

    [Fact]
    public void SnapshotNowShowsTheEvalModeModelAndLeavesItTraining()
    {
        manual_seed(5);
        using var gan = new GanTrainable(() => new DcganGenerator(32, 1, 16, 8), () => new DcganDiscriminator(32, 1, 8),
            GanTrainingOptions.For(GanLoss.NonSaturating) with { SnapshotCount = 4 });
        var grid = gan.SnapshotNow();
        Assert.NotNull(grid);
        Assert.All(gan.Modules.Values, m => Assert.True(m.training));
        gan.Generator.eval();
        ImageGrid byHand;
        using (no_grad()) byHand = gan.Snapshot()!;
        Assert.Equal(byHand.Png, grid!.Png);
    }

    [Fact]
    public void ExactForMatchesTheModelBuiltByHandAndItsElboIsTheLogLikelihood()
    {
        var w = tensor(new double[,] { { 1, 1 }, { 2, 0.5 }, { 2, -1 } }, dtype: ScalarType.Float64);
        var b = tensor(new double[] { 0.5, -0.3, 0.2 }, dtype: ScalarType.Float64);
        var zero = zeros(2, dtype: ScalarType.Float64);
        var byHand = new LinearGaussianVae(w, b, 0.5, zeros(2, 3, dtype: ScalarType.Float64), zero, zero).WithExactPosterior();
        var exact = LinearGaussianVae.ExactFor(w, b, sigma: 0.5);
        Assert.True(exact.Encoder.Matrix.eq(byHand.Encoder.Matrix).all().item<bool>());
        Assert.True(exact.Encoder.Offset.eq(byHand.Encoder.Offset).all().item<bool>());
        Assert.True(exact.Encoder.LogVar.eq(byHand.Encoder.LogVar).all().item<bool>());
        var x = exact.SampleData(6, Seeding.Generator(1));
        Assert.True((exact.ClosedFormElbo(x) - exact.LogMarginal(x)).abs().max().item<double>() < 1e-10);
    }

    [Fact]
    public void LayerWalkEndsWhereTheModelsForwardDoesAndNamesMissingChildren()
    {
        manual_seed(2);
        using var g = new DcganGenerator(imageSize: 32, channels: 3, latentSize: 16, width: 8);
        g.eval();
        var z = g.SampleLatent(2);
        var walk = LayerWalk.Through(LayerWalk.Child<Sequential>(g, "body"), z.view(2, 16, 1, 1));
        using (no_grad()) Assert.True(walk[^1].Output.allclose(g.forward(z)));
        Assert.Equal(new[] { "4×4", "8×8", "16×16", "32×32" }, walk.Where(s => s.Layer is ConvTranspose2d).Select(s => s.SpatialSize));
        Assert.Equal("2×3×32×32", walk[^1].Shape);
        var error = Assert.Throws<ArgumentException>(() => LayerWalk.Child<Sequential>(g, "bodyy"));
        Assert.Contains("'bodyy'", error.Message);
        Assert.Contains("body", error.Message.Split(':')[^1]);
    }

    [Fact]
    public void InterpolationFramesRunFromTheFirstCodeToTheSecond()
    {
        manual_seed(4);
        using var vae = new ConvVae(imageSize: 32, channels: 1, latentSize: 4, width: 8);
        vae.eval();
        var (a, b) = (rand(1, 32, 32), rand(1, 32, 32));
        var frames = LatentGrids.InterpolationFrames(vae, ReconstructionLikelihood.Bernoulli, a, b, steps: 5);
        Assert.Equal(new long[] { 5, 1, 32, 32 }, frames.shape);
        using var noGrad = no_grad();
        Tensor Decoded(Tensor x) => ReconstructionLikelihood.Bernoulli.Mean(vae.Decode(vae.Encode(x.unsqueeze(0)).Mu)).view(1, 1, 32, 32);
        Assert.True(frames[0].unsqueeze(0).allclose(Decoded(a), atol: 1e-6));
        Assert.True(frames[4].unsqueeze(0).allclose(Decoded(b), atol: 1e-6));
    }

    [Fact]
    public void CoverageChangesCountModesEnteringAndLeaving()
    {
        // {0,1} → {1,2}: 2 enters, 0 leaves; → {2}: 1 leaves; → {0,1,2}: 0 and 1 enter.
        var covered = new IReadOnlyCollection<int>[] { new[] { 0, 1 }, new[] { 1, 2 }, new[] { 2 }, new[] { 0, 1, 2 } };
        Assert.Equal((3, 2), ModeCoverageTracker.CoverageChanges(covered));
        Assert.Equal((0, 0), ModeCoverageTracker.CoverageChanges(new IReadOnlyCollection<int>[] { new[] { 4 } }));
    }
}
