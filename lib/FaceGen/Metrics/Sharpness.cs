using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>Per-image sharpness statistics of a batch (see <see cref="Sharpness"/>), with their mean and
/// sample standard deviation.</summary>
/// <param name="LaplacianVariance">Var(∇²g) per image (grey levels in [0, 1]).</param>
/// <param name="HighFrequencyFraction">Fraction of the non-DC spectral energy above <paramref name="Cutoff"/>, per image.</param>
/// <param name="Cutoff">The radial frequency cut-off in cycles per pixel.</param>
public sealed record SharpnessStatistics(double[] LaplacianVariance, double[] HighFrequencyFraction, double Cutoff)
{
    /// <summary>Mean and sample standard deviation (divisor n − 1) of <see cref="LaplacianVariance"/>.</summary>
    public (double Mean, double Std) Laplacian => Sharpness.MeanAndStd(LaplacianVariance);

    /// <summary>Mean and sample standard deviation (divisor n − 1) of <see cref="HighFrequencyFraction"/>.</summary>
    public (double Mean, double Std) HighFrequency => Sharpness.MeanAndStd(HighFrequencyFraction);
}

/// <summary>
/// Two model-free measures of how sharp images are, both computed on grey images g with values in [0, 1]
/// (one channel as is; RGB converted with the BT.601 luminance g = 0.299 R + 0.587 G + 0.114 B), in float64:
/// <list type="bullet">
/// <item><b>Variance of the Laplacian</b> (Pech-Pacheco et al., 2000): L = g ∗ [[0, 1, 0], [1, −4, 1], [0, 1, 0]]
/// over the interior pixels (no padding, so the border adds nothing), then Var(L) = mean((L − mean L)²).
/// Edges and fine texture give large |L|; smooth or blurred images give small values; a constant or linear
/// ramp gives 0; a one-pixel checkerboard of 0 and 1 gives L = ±4 everywhere, so 16.</item>
/// <item><b>High-frequency energy fraction</b>: with G = FFT2(g − mean g) and radial frequency
/// r(u, v) = √(f_u² + f_v²) in cycles per pixel (f from fftfreq, Nyquist 0.5),
/// fraction = Σ_{r &gt; cutoff} |G|² / Σ |G|² ∈ [0, 1] (0 for a constant image). Blurring removes high
/// frequencies and lowers it; noise and jagged, checkerboard-like artefacts raise it.</item>
/// </list>
/// Used by notebook 06 to measure the claim that VAE samples are blurry.
/// </summary>
public static class Sharpness
{
    /// <summary>The default radial cut-off: a quarter cycle per pixel, half of the Nyquist frequency.</summary>
    public const double DefaultCutoff = 0.25;

    /// <summary>Both statistics for each image of (N, C, H, W) images in [0, 1] (C = 1 or 3).</summary>
    public static SharpnessStatistics Measure(Tensor images, double cutoff = DefaultCutoff)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        return new SharpnessStatistics(Values(LaplacianVariance(images)), Values(HighFrequencyFraction(images, cutoff)), cutoff);
    }

    /// <summary>Var(∇²g) per image, shape (N), float64: the 4-neighbour Laplacian over the interior
    /// (H − 2)×(W − 2) pixels, variance with divisor (H − 2)(W − 2).</summary>
    public static Tensor LaplacianVariance(Tensor images)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var grey = Grey(images);
        if (grey.shape[2] < 3 || grey.shape[3] < 3)
            throw new ArgumentException($"images of {grey.shape[2]}×{grey.shape[3]} pixels: the Laplacian needs at least 3×3.");
        var kernel = tensor(new double[] { 0, 1, 0, 1, -4, 1, 0, 1, 0 }, dtype: ScalarType.Float64, device: grey.device).view(1, 1, 3, 3);
        var laplacian = nn.functional.conv2d(grey, kernel).flatten(1);
        var centred = laplacian - laplacian.mean(new long[] { 1 }, keepdim: true);
        return centred.square().mean(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>Fraction of each image's spectral energy (DC removed) at radial frequencies above
    /// <paramref name="cutoff"/> cycles per pixel, shape (N), float64; 0 for a constant image.</summary>
    public static Tensor HighFrequencyFraction(Tensor images, double cutoff = DefaultCutoff)
    {
        TorchRuntime.EnsureInitialized();
        if (!(cutoff > 0 && cutoff < Math.Sqrt(0.5)))
            throw new ArgumentException($"cutoff {cutoff}: must lie between 0 and √½ ≈ 0.707 cycles per pixel (the corner of the spectrum).");
        using var scope = NewDisposeScope();
        var grey = Grey(images).squeeze(1);
        var centred = grey - grey.mean(new long[] { 1, 2 }, keepdim: true);
        var power = fft.fft2(centred).abs().square();
        var fu = fft.fftfreq(grey.shape[1], dtype: ScalarType.Float64, device: grey.device).unsqueeze(1);
        var fv = fft.fftfreq(grey.shape[2], dtype: ScalarType.Float64, device: grey.device).unsqueeze(0);
        var high = ((fu.square() + fv.square()).sqrt() > cutoff).to_type(ScalarType.Float64);
        var total = power.sum(new long[] { 1, 2 });
        var above = (power * high).sum(new long[] { 1, 2 });
        // A constant image has no energy left after removing its mean: call it 0, not 0/0.
        return where(total > 0, above / total.clamp_min(double.Epsilon), zeros_like(total)).MoveToOuterDisposeScope();
    }

    /// <summary>Mean and sample standard deviation (divisor n − 1; 0 for a single value).</summary>
    public static (double Mean, double Std) MeanAndStd(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values to summarise.");
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return (mean, std);
    }

    /// <summary>(N, 1, H, W) float64 grey levels of (N, 1 or 3, H, W) images in [0, 1].</summary>
    static Tensor Grey(Tensor images)
    {
        if (images.dim() != 4 || (images.shape[1] != 1 && images.shape[1] != 3))
            throw new ArgumentException($"images of shape [{string.Join(", ", images.shape)}]: expected (N, 1 or 3, H, W) with values in [0, 1].");
        var x = images.to_type(ScalarType.Float64);
        // Signed [−1, 1] images (a GAN's tanh output) would silently give 4× the variance: refuse them.
        double min = x.min().item<double>(), max = x.max().item<double>();
        if (min < -1e-3 || max > 1 + 1e-3)
            throw new ArgumentException($"image values span [{min:G4}, {max:G4}]: expected [0, 1]; map a tanh output with (x + 1) / 2 and clamp decoder means to [0, 1].");
        return images.shape[1] == 1 ? x : x.narrow(1, 0, 1) * 0.299 + x.narrow(1, 1, 1) * 0.587 + x.narrow(1, 2, 1) * 0.114;
    }

    static double[] Values(Tensor t) => t.cpu().data<double>().ToArray();
}
