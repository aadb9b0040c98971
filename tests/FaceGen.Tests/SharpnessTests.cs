using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class SharpnessTests
{
    public SharpnessTests() => TorchRuntime.EnsureInitialized();

    /// <summary>An (1, 1, h, w) image with g[i, j] = f(i, j).</summary>
    static Tensor Image(int h, int w, Func<int, int, double> f)
    {
        var values = new float[h * w];
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) values[i * w + j] = (float)f(i, j);
        return tensor(values).view(1, 1, h, w);
    }

    static Tensor Checkerboard(int size) => Image(size, size, (i, j) => (i + j) % 2);

    [Fact]
    public void FlatImagesAndLinearRampsHaveNoLaplacianAndAConstantHasNoHighFrequencyEnergy()
    {
        var constant = full(1, 1, 16, 16, 0.3f);
        var ramp = Image(16, 16, (i, j) => 0.02 * i + 0.03 * j);   // ∇² of a linear function is 0
        Assert.Equal(0, Sharpness.LaplacianVariance(constant).item<double>(), 12);
        Assert.Equal(0, Sharpness.LaplacianVariance(ramp).item<double>(), 12);
        Assert.Equal(0, Sharpness.HighFrequencyFraction(constant).item<double>());
    }

    [Fact]
    public void CheckerboardAndSinglePixelMatchTheirHandComputedValues()
    {
        // Checkerboard: every interior pixel has four neighbours of the other colour, so L = ±4, mean 0, variance 16;
        // all its energy sits at (½, ½) cycles per pixel, radius 0.707 > 0.25.
        Assert.Equal(16, Sharpness.LaplacianVariance(Checkerboard(8)).item<double>(), 10);
        Assert.Equal(1, Sharpness.HighFrequencyFraction(Checkerboard(8)).item<double>(), 10);
        // One bright pixel in the middle of a 5×5 black image: the interior 3×3 Laplacian is −4 at the centre, +1 at its
        // four neighbours, 0 at the corners: mean 0, variance (16 + 4·1) / 9 = 20/9.
        var dot = Image(5, 5, (i, j) => i == 2 && j == 2 ? 1 : 0);
        Assert.Equal(20.0 / 9, Sharpness.LaplacianVariance(dot).item<double>(), 10);
    }

    [Fact]
    public void HighFrequencyFractionIsTheShareOfTheHighCosinesEnergy()
    {
        // g = ½ + a·cos(2π·2j/32) + b·cos(2π·12j/32): frequencies 1/16 (below ¼) and 3/8 (above);
        // energies ∝ a² and b², so the fraction is b² / (a² + b²) = 0.01 / 0.1 = 0.1.
        var mixed = Image(32, 32, (i, j) => 0.5 + 0.3 * Math.Cos(2 * Math.PI * 2 * j / 32) + 0.1 * Math.Cos(2 * Math.PI * 12 * j / 32));
        Assert.Equal(0.1, Sharpness.HighFrequencyFraction(mixed).item<double>(), 5);
        // The same cosines along the other axis give the same answer; a cut-off above 3/8 leaves nothing.
        var transposed = mixed.transpose(2, 3);
        Assert.Equal(0.1, Sharpness.HighFrequencyFraction(transposed).item<double>(), 5);
        Assert.Equal(0, Sharpness.HighFrequencyFraction(mixed, cutoff: 0.4).item<double>(), 8);
    }

    [Fact]
    public void BlurredFacesAreLessSharpThanTheOriginalsOnBothMeasures()
    {
        var faces = FaceDataset.ToUnitRange(SyntheticFaces.Generate(new SyntheticFaceOptions(4, 2, 32, 3, Seed: 5)).Images);
        var original = Sharpness.Measure(faces);
        var blurred = Sharpness.Measure(FaceGen.Restoration.Baselines.GaussianBlur(faces, 1.0));
        for (int i = 0; i < faces.shape[0]; i++)
        {
            Assert.True(blurred.LaplacianVariance[i] < 0.5 * original.LaplacianVariance[i], $"face {i}: Laplacian variance {blurred.LaplacianVariance[i]} vs {original.LaplacianVariance[i]}");
            Assert.True(blurred.HighFrequencyFraction[i] < original.HighFrequencyFraction[i], $"face {i}: high-frequency fraction");
        }
        // The blur keeps shape and leaves a constant image unchanged (weights sum to 1, edges replicated).
        Assert.Equal(faces.shape, FaceGen.Restoration.Baselines.GaussianBlur(faces, 1.0).shape);
        var flat = full(1, 3, 9, 9, 0.4f);
        Assert.Equal(0, (FaceGen.Restoration.Baselines.GaussianBlur(flat, 2.0) - flat).abs().max().item<float>(), 6);
    }

    [Fact]
    public void ColourImagesAreMeasuredOnTheirLuminance()
    {
        // Checkerboard in the red channel only: grey = 0.299 · checkerboard, so the variance scales by 0.299².
        var red = cat(new[] { Checkerboard(8), zeros(1, 2, 8, 8) }, 1);
        Assert.Equal(16 * 0.299 * 0.299, Sharpness.LaplacianVariance(red).item<double>(), 8);
    }

    [Fact]
    public void SummariesAndBadInput()
    {
        var (mean, std) = Sharpness.MeanAndStd(new double[] { 1, 2, 3, 4 });
        Assert.Equal(2.5, mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3), std, 12);
        var stats = Sharpness.Measure(cat(new[] { Checkerboard(8), zeros(1, 1, 8, 8) }, 0));
        Assert.Equal(8, stats.Laplacian.Mean, 10);
        Assert.Equal(Math.Sqrt(128), stats.Laplacian.Std, 10);

        var signed = Checkerboard(8) * 2 - 1;
        var error = Assert.Throws<ArgumentException>(() => Sharpness.LaplacianVariance(signed));
        Assert.Contains("(x + 1) / 2", error.Message);
        Assert.Throws<ArgumentException>(() => Sharpness.LaplacianVariance(zeros(2, 8, 8)));
        Assert.Throws<ArgumentException>(() => Sharpness.HighFrequencyFraction(zeros(1, 1, 8, 8), cutoff: 0.8));
        Assert.Throws<ArgumentException>(() => FaceGen.Restoration.Baselines.GaussianBlur(zeros(1, 1, 8, 8), 0));
    }
}
