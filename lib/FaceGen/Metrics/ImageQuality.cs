using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>
/// Full-reference image quality of processed faces against their originals, per image, for float images
/// (N, C, H, W) with C = 1 (grey) or 3 (RGB) in [0, 1]: PSNR and SSIM. Used to score enhancement and
/// restoration (super-resolution, denoising, inpainting) against bicubic and filtering baselines (notebooks 09 and 12).
/// </summary>
public static class ImageQuality
{
    /// <summary>Window of SSIM: an 11×11 Gaussian with σ = 1.5 (Wang et al. 2004, §III-C).</summary>
    public const int SsimWindow = 11;
    const double SsimSigma = 1.5;

    /// <summary>Peak signal-to-noise ratio per image: PSNR = 10·log₁₀(MAX² / MSE) dB, with MSE the mean of
    /// (a − b)² over all channels and pixels (only where <paramref name="mask"/> is 1, if given — e.g. the hole of
    /// an inpainting mask; shape (N or 1, 1 or C, H, W)). Identical images give +∞. Returns (N) float64 on the CPU.</summary>
    public static Tensor Psnr(Tensor a, Tensor b, double maxValue = 1, Tensor? mask = null)
    {
        TorchRuntime.EnsureInitialized();
        CheckPair(a, b);
        using var scope = NewDisposeScope();
        var squared = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).square();
        Tensor mse;
        if (mask is null) mse = squared.flatten(1).mean(new long[] { 1 });
        else
        {
            var weights = mask.to_type(ScalarType.Float64).to(squared.device).expand_as(squared);
            mse = (squared * weights).flatten(1).sum(new long[] { 1 }) / weights.flatten(1).sum(new long[] { 1 });
        }
        // 10·log₁₀(MAX² / MSE)
        return (10 * (maxValue * maxValue / mse).log10()).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// SSIM per image (Wang, Bovik, Sheikh &amp; Simoncelli 2004, eq. 13), the mean of <see cref="SsimMap"/> over
    /// its pixels and channels. 1 for identical images; images must be at least 11×11. Returns (N) float64 on the CPU.
    /// </summary>
    public static Tensor Ssim(Tensor a, Tensor b, double maxValue = 1)
    {
        using var scope = NewDisposeScope();
        return SsimMap(a, b, maxValue).flatten(1).mean(new long[] { 1 }).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The local SSIM map (N, C, H − 10, W − 10), each channel on its own, over the positions where the whole
    /// window fits (as in the authors' reference code, 'valid' filtering):
    /// SSIM = ((2μ_aμ_b + C₁)(2σ_ab + C₂)) / ((μ_a² + μ_b² + C₁)(σ_a² + σ_b² + C₂)),
    /// with μ, σ², σ_ab the Gaussian-weighted local means, variances and covariance, C₁ = (0.01·L)², C₂ = (0.03·L)², L = <paramref name="maxValue"/>.
    /// </summary>
    public static Tensor SsimMap(Tensor a, Tensor b, double maxValue = 1)
    {
        TorchRuntime.EnsureInitialized();
        CheckPair(a, b);
        if (a.shape[2] < SsimWindow || a.shape[3] < SsimWindow)
            throw new ArgumentException($"SSIM needs images of at least {SsimWindow}×{SsimWindow} pixels, got {a.shape[2]}×{a.shape[3]}.");
        using var scope = NewDisposeScope();
        var x = a.to_type(ScalarType.Float64);
        var y = b.to_type(ScalarType.Float64);
        long channels = x.shape[1];
        var window = GaussianWindow(x.device).expand(channels, 1, SsimWindow, SsimWindow);
        // Each channel filtered with the same window (a depthwise convolution: groups = channels).
        Tensor Filter(Tensor t) => nn.functional.conv2d(t, window, groups: channels);
        var muX = Filter(x);
        var muY = Filter(y);
        var varX = Filter(x * x) - muX.square();
        var varY = Filter(y * y) - muY.square();
        var covariance = Filter(x * y) - muX * muY;
        double c1 = Math.Pow(0.01 * maxValue, 2), c2 = Math.Pow(0.03 * maxValue, 2);
        var map = (2 * muX * muY + c1) * (2 * covariance + c2) / ((muX.square() + muY.square() + c1) * (varX + varY + c2));
        return map.MoveToOuterDisposeScope();
    }

    /// <summary>w(u, v) ∝ exp(−(u² + v²) / 2σ²), u, v ∈ −5 … 5, normalised to sum 1: (1, 1, 11, 11).</summary>
    static Tensor GaussianWindow(Device device)
    {
        var offsets = arange(SsimWindow, dtype: ScalarType.Float64, device: device) - SsimWindow / 2;
        var g = (-offsets.square() / (2 * SsimSigma * SsimSigma)).exp();
        g /= g.sum();
        return g.outer(g).view(1, 1, SsimWindow, SsimWindow);
    }

    static void CheckPair(Tensor a, Tensor b)
    {
        if (a.dim() != 4 || !a.shape.SequenceEqual(b.shape) || a.shape[1] is not (1 or 3))
            throw new ArgumentException($"Expected two image batches (N, 1 or 3, H, W) of the same shape, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
    }
}
