using FaceGen.Data;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary><see cref="ImageAdapter"/>: the range, channel and size conversions every recogniser input goes through, and
/// <see cref="ClassBalance.CyclicLabels"/>.</summary>
public class ImageAdapterTests
{
    public ImageAdapterTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void SignedAndUnitRangesMapEndpointsAndRoundTrip()
    {
        var signed = tensor(new float[] { -1, 0, 1 });
        Assert.Equal(new float[] { 0, 0.5f, 1 }, ImageAdapter.SignedToUnit(signed).data<float>().ToArray());
        Assert.Equal(new float[] { -1, 0, 1 }, ImageAdapter.UnitToSigned(ImageAdapter.SignedToUnit(signed)).data<float>().ToArray());
    }

    [Fact]
    public void LumaUsesTheBt601WeightsAndKeepsGreyPixels()
    {
        var rgb = tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }).view(3, 3, 1, 1).permute(1, 0, 2, 3).contiguous();   // red, green, blue
        var y = ImageAdapter.Luma(rgb).view(-1).data<float>().ToArray();
        Assert.Equal(new[] { 0.299f, 0.587f, 0.114f }, y, (a, b) => Math.Abs(a - b) < 1e-6);
        var grey = full(new long[] { 1, 3, 2, 2 }, 0.4f);
        Assert.Equal(0.4f, ImageAdapter.Luma(grey).max().item<float>(), 5);
    }

    [Fact]
    public void ForRecognizerConvertsChannelsBothWaysAndResizesByAreaDownAndBilinearUp()
    {
        // A 4×4 checkerboard shrunk to 2×2 by area averaging is flat 0.5; bilinear sampling would pick single pixels.
        var board = (arange(4).view(-1, 1) + arange(4).view(1, -1)).remainder(2).to_type(ScalarType.Float32).view(1, 1, 4, 4);
        var shrunk = ImageAdapter.ForRecognizer(board, channels: 1, size: 2);
        Assert.Equal(new long[] { 1, 1, 2, 2 }, shrunk.shape);
        Assert.True((shrunk - 0.5f).abs().max().item<float>() < 1e-6);
        // Grey → RGB repeats the channel; enlarging a constant image keeps it constant.
        var rgb = ImageAdapter.ForRecognizer(full(new long[] { 2, 1, 8, 8 }, 0.25f), channels: 3, size: 16);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, rgb.shape);
        Assert.True((rgb - 0.25f).abs().max().item<float>() < 1e-6);
        // RGB → grey is the luma; the same size is left alone.
        var red = ones(1, 3, 8, 8) * tensor(new float[] { 1, 0, 0 }).view(1, 3, 1, 1);
        Assert.Equal(0.299f, ImageAdapter.ForRecognizer(red, channels: 1, size: 8).mean().item<float>(), 5);
        Assert.Throws<ArgumentException>(() => ImageAdapter.ForRecognizer(ones(1, 2, 8, 8), channels: 3, size: 8));
    }

    [Fact]
    public void CyclicLabelsVisitEveryClassInTurnAndNoneForAnUnconditionalModel()
    {
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2, 0 }, ClassBalance.CyclicLabels(7, 3)!.data<long>().ToArray());
        Assert.Null(ClassBalance.CyclicLabels(7, 0));
    }
}
