using FaceGen.Metrics;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class ImageQualityTests
{
    public ImageQualityTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void PsnrOfAKnownMeanSquaredError()
    {
        var a = zeros(2, 3, 8, 8);
        var b = zeros(2, 3, 8, 8);
        b[0].fill_(0.1);                                   // MSE 0.01: 10·log10(1 / 0.01) = 20 dB
        b[1, TensorIndex.Colon, TensorIndex.Slice(0, 4)].fill_(0.2); // half the pixels off by 0.2: MSE 0.02
        var psnr = ImageQuality.Psnr(a, b).data<double>().ToArray();
        Assert.Equal(20, psnr[0], 5);
        Assert.Equal(10 * Math.Log10(50), psnr[1], 5);
        // Only inside a mask that covers the changed half: MSE 0.04.
        var mask = zeros(1, 1, 8, 8);
        mask[0, 0, TensorIndex.Slice(0, 4)].fill_(1);
        Assert.Equal(10 * Math.Log10(25), ImageQuality.Psnr(a, b, mask: mask).data<double>()[1], 5);
        // Another peak value: MAX = 255 on the same MSE scaled by 255².
        Assert.Equal(20, ImageQuality.Psnr(a * 255, b * 255, maxValue: 255).data<double>()[0], 4);
        Assert.True(double.IsPositiveInfinity(ImageQuality.Psnr(a, a).data<double>()[0]));
    }

    [Fact]
    public void SsimOfIdenticalImagesIsOneGreyAndRgb()
    {
        using var generator = new Generator(3);
        foreach (int channels in new[] { 1, 3 })
        {
            var x = rand(new long[] { 2, channels, 32, 32 }, generator: generator);
            var ssim = ImageQuality.Ssim(x, x.clone()).data<double>().ToArray();
            Assert.All(ssim, s => Assert.Equal(1, s, 10));
            Assert.Equal(new long[] { 2, channels, 22, 22 }, ImageQuality.SsimMap(x, x).shape); // 'valid' 11×11 window
        }
    }

    [Fact]
    public void SsimOfTwoFlatImagesIsTheLuminanceTerm()
    {
        // No variance: the structure term is C₂/C₂ = 1 and SSIM = (2ab + C₁) / (a² + b² + C₁), C₁ = 0.01².
        var a = full(new long[] { 1, 1, 16, 16 }, 0.5f);
        var b = full(new long[] { 1, 1, 16, 16 }, 0.25f);
        Assert.Equal((2 * 0.5 * 0.25 + 1e-4) / (0.25 + 0.0625 + 1e-4), ImageQuality.Ssim(a, b).data<double>()[0], 6);
        // Noise lowers SSIM below 1, more noise lowers it further.
        using var generator = new Generator(5);
        var x = rand(new long[] { 1, 3, 24, 24 }, generator: generator);
        var noise = randn(new long[] { 1, 3, 24, 24 }, generator: generator);
        double little = ImageQuality.Ssim(x, x + 0.05 * noise).data<double>()[0], more = ImageQuality.Ssim(x, x + 0.2 * noise).data<double>()[0];
        Assert.True(1 > little && little > more, $"{little} {more}");
    }

    [Fact]
    public void MismatchedOrTooSmallImagesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => ImageQuality.Psnr(zeros(1, 1, 8, 8), zeros(1, 1, 8, 9)));
        var error = Assert.Throws<ArgumentException>(() => ImageQuality.Ssim(zeros(1, 1, 8, 8), zeros(1, 1, 8, 8)));
        Assert.Contains("11×11", error.Message);
    }
}
