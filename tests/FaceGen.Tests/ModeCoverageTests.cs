using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The tools of notebooks/04-gan-strengths-and-weaknesses: the 2-D toy mixtures, the mode-coverage metric
/// and its tracker, the sample-diversity measure, the spectrally normalised MLP discriminator and the scatter charts.</summary>
public class ModeCoverageTests
{
    public ModeCoverageTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void RingHasItsCentresOnTheCircleAndIsSeeded()
    {
        using var ring = ToyMixtures.Ring(4000, modes: 8, radius: 2, std: 0.05, seed: 3);
        Assert.Equal(new long[] { 4000, 2 }, ring.Points.shape);
        Assert.Equal(8, ring.ModeCount);
        var c = ring.Centres.data<float>().ToArray();
        Assert.Equal(2f, c[0], 5); Assert.Equal(0f, c[1], 5);                 // k = 0: (r, 0)
        Assert.Equal(0f, c[4], 5); Assert.Equal(2f, c[5], 5);                 // k = 2: (0, r)
        Assert.Equal(-Math.Sqrt(2), c[6], 5); Assert.Equal(Math.Sqrt(2), c[7], 5);   // k = 3: r(cos 135°, sin 135°)
        // Every point lies near the centre of its own label: 6σ covers all but ~1e-8 of a 2-D Gaussian.
        var offsets = (ring.Points - ring.Centres.index_select(0, ring.Labels)).norm(1);
        Assert.True(offsets.max().item<float>() < 6 * 0.05);
        // The per-coordinate spread is σ.
        Assert.Equal(0.05, (ring.Points - ring.Centres.index_select(0, ring.Labels)).std().item<float>(), 2);
        using var again = ToyMixtures.Ring(4000, modes: 8, radius: 2, std: 0.05, seed: 3);
        using var other = ToyMixtures.Ring(4000, modes: 8, radius: 2, std: 0.05, seed: 4);
        Assert.True(ring.Points.equal(again.Points).all().item<bool>());
        Assert.False(ring.Points.equal(other.Points).all().item<bool>());
        var error = Assert.Throws<ArgumentException>(() => ToyMixtures.Ring(10, std: 0));
        Assert.Contains("std 0", error.Message);
    }

    [Fact]
    public void GridHasSideSquaredCentresRowByRow()
    {
        using var grid = ToyMixtures.Grid(100, side: 5, spacing: 2, std: 0.05);
        Assert.Equal(25, grid.ModeCount);
        var c = grid.Centres.data<float>().ToArray();
        Assert.Equal(new[] { -4f, -4f }, c[0..2]);
        Assert.Equal(new[] { -2f, -4f }, c[2..4]);
        Assert.Equal(new[] { 0f, 0f }, c[24..26]);
        Assert.Equal(new[] { 4f, 4f }, c[48..50]);
    }

    [Fact]
    public void CoverageOfHandMadePointsMatchesTheHandCount()
    {
        var centres = tensor(new float[] { 0, 0, 10, 0, 0, 10 }).view(3, 2);
        // std 1, 3σ = 3: (0.5, 0) and (2.9, 0) are high quality at mode 0, (3.1, 0) is nearest to mode 0 but not;
        // (10, 1) and (9, 0.5) are high quality at mode 1; nothing is near mode 2.
        var samples = tensor(new float[] { 0.5f, 0, 2.9f, 0, 3.1f, 0, 10, 1, 9, 0.5f }).view(5, 2);
        var result = ModeCoverage.Measure(samples, centres, std: 1, sigmas: 3, minimumCount: 2);
        Assert.Equal(new[] { 3, 2, 0 }, result.NearestCounts);
        Assert.Equal(new[] { 2, 2, 0 }, result.HighQualityCounts);
        Assert.Equal(5, result.Total);
        Assert.Equal(2, result.ModesCovered);
        Assert.Equal(new[] { 0, 1 }, result.CoveredModes);
        Assert.Equal(0.8, result.HighQualityFraction, 12);
        // KL(p ‖ u) with p = (0.6, 0.4, 0), K = 3: 0.6 ln 1.8 + 0.4 ln 1.2.
        Assert.Equal(0.6 * Math.Log(1.8) + 0.4 * Math.Log(1.2), result.KlFromUniform, 12);
        // A stricter minimum leaves mode 1 out; a looser radius (4σ) makes (3.1, 0) high quality.
        Assert.Equal(0, ModeCoverage.Measure(samples, centres, 1, 3, minimumCount: 3).ModesCovered);
        Assert.Equal(new[] { 3, 2, 0 }, ModeCoverage.Measure(samples, centres, 1, sigmas: 4).HighQualityCounts);
        // Everything at one centre: KL = log K.
        Assert.Equal(Math.Log(3), ModeCoverage.Measure(zeros(7, 2), centres, 1).KlFromUniform, 12);
        var error = Assert.Throws<ArgumentException>(() => ModeCoverage.Measure(zeros(4, 3), centres, 1));
        Assert.Contains("[4, 3]", error.Message);
    }

    [Fact]
    public void SampleDiversityIsTheMeanPairwiseRmsDistance()
    {
        var three = tensor(new float[] { 0, 0, 0, 0, 1, 1, 1, 1, 0, 2, 0, 2 }).view(3, 1, 2, 2);
        // d(0,1) = 1, d(0,2) = √((0 + 4 + 0 + 4)/4) = √2, d(1,2) = √((1 + 1 + 1 + 1)/4) = 1.
        Assert.Equal((2 + Math.Sqrt(2)) / 3, SampleDiversity.MeanPairwiseDistance(three), 12);
        Assert.Equal(0, SampleDiversity.MeanPairwiseDistance(ones(5, 3, 4, 4)), 12);   // a fully collapsed set
        Assert.Throws<ArgumentException>(() => SampleDiversity.MeanPairwiseDistance(zeros(1, 3, 4, 4)));
    }

    [Fact]
    public void SpectralMlpDiscriminatorIsOneLipschitzAndTheDefaultIsUnchanged()
    {
        manual_seed(5);
        using var plain = new MlpDiscriminator(2, 128);
        Assert.Equal(2 * 128 + 128 + 128 * 128 + 128 + 128 + 1, GanArchitecture.ParameterCount(plain));
        Assert.DoesNotContain(plain.modules(), m => m is SpectralLinear);

        using var spectral = new MlpDiscriminator(2, 32, norm: DiscriminatorNorm.Spectral);
        Assert.Equal(3, spectral.modules().Count(m => m is SpectralLinear));
        // Let the power iteration converge (it advances once per training-mode forward pass).
        var x = randn(256, 2) * 3;
        for (int i = 0; i < 100; i++) using (no_grad()) spectral.forward(x);
        spectral.eval();
        var y = x + randn(256, 2) * 0.5;
        using (no_grad())
        {
            var ratio = (spectral.forward(x) - spectral.forward(y)).abs() / (x - y).norm(1);
            Assert.True(ratio.max().item<float>() <= 1.02, $"Lipschitz ratio {ratio.max().item<float>()}");
        }
        var error = Assert.Throws<ArgumentException>(() => new MlpDiscriminator(norm: DiscriminatorNorm.Batch));
        Assert.Contains("Spectral", error.Message);
    }

    [Fact]
    public void TrackerMeasuresOnScheduleWithAFixedNoiseBatch()
    {
        using var ring = ToyMixtures.Ring(512, seed: 1);
        Seeding.Seed(0);
        using var gan = new GanTrainable(() => new MlpGenerator(4, 16, 2), () => new MlpDiscriminator(2, 16), new GanTrainingOptions());
        using var batches = new TensorBatches(ring.Points, null, 64, seed: 0);
        using var tracker = new ModeCoverageTracker(gan.Generator, ring, every: 4, sampleCount: 100, minimumCount: 3);
        new Trainer(gan, batches, new TrainerOptions(10), tracker).Run();
        Assert.Equal(new long[] { 4, 8, 10 }, tracker.Snapshots.Select(s => s.Step));
        Assert.All(tracker.Snapshots, s => Assert.Equal(100, s.Coverage.Total));
        Assert.All(tracker.Snapshots, s => Assert.Equal(200, s.Points.Length));
        // Same noise, same weights: the same measurement.
        Assert.Equal(tracker.Snapshots[^1].Points, tracker.Measure(10).Points);
        Assert.Equal(tracker.Snapshots[^1].Coverage.NearestCounts, tracker.Measure(10).Coverage.NearestCounts);
    }

    [Fact]
    public void ScatterChartsCarryMarkersRangesAndPanelTitles()
    {
        var spec = new ScatterSpec("ring", "x", "y", new[] { new ChartSeries("G(z)", new[] { 0.25, 1.5 }, new[] { -0.75, 2.0 }) }, Range: new[] { -3.0, 3.0 });
        var html = Charts.ScatterHtml(spec, fullDocument: false);
        Assert.Contains("\"mode\":\"markers\"", html);
        Assert.Contains("-0.75", html);
        Assert.Contains("[-3.0,3.0]", html);
        Assert.Equal(1, NotebookHarness.Count(html, "Plotly chart will be drawn inside this DIV"));

        var panels = Charts.ScatterPanels("snapshots", new[] { spec with { Title = "step 10" }, spec with { Title = "step 20" }, spec with { Title = "step 30" } }, columns: 2).Html;
        Assert.Equal(1, NotebookHarness.Count(panels, "Plotly chart will be drawn inside this DIV"));
        Assert.Contains("step 10", panels);
        Assert.Contains("step 30", panels);
        Assert.Contains("\"rows\":2", panels);
        // One legend: only the first panel's series show in it.
        Assert.Equal(2, NotebookHarness.Count(panels, "\"showlegend\":false"));
    }
}
