using FaceGen.Benchmarks;
using FaceGen.Models;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The analytic FLOP counts against sums done by hand from each layer's shape.</summary>
public class FlopCountTests
{
    [Fact]
    public void DcganGenerator64CountsEveryTransposedConvolution()
    {
        using var g = new DcganGenerator(64, 3, 100, 64);
        // ConvT MACs = C_in·C_out·k²·H_in·W_in: 1×1→4×4, 4→8, 8→16, 16→32, 32→64.
        double macs = 100.0 * 512 * 16 * 1 + 512.0 * 256 * 16 * 16 + 256.0 * 128 * 16 * 64 + 128.0 * 64 * 16 * 256 + 64.0 * 3 * 16 * 1024;
        double counted = FlopCount.ForwardPerRow(g, () => g.forward(g.SampleLatent(2), null), batch: 2);
        Assert.Equal(2 * macs, counted);
    }

    [Fact]
    public void DcganDiscriminator64CountsEveryConvolutionIncludingTheHead()
    {
        using var d = new DcganDiscriminator(64, 3, 64);
        // Conv MACs = C_out·C_in·k²·H_out·W_out: 64→32, 32→16, 16→8, 8→4, then the 4×4 head to one logit.
        double macs = 64.0 * 3 * 16 * 1024 + 128.0 * 64 * 16 * 256 + 256.0 * 128 * 16 * 64 + 512.0 * 256 * 16 * 16 + 1.0 * 512 * 16 * 1;
        double counted = FlopCount.ForwardPerRow(d, () => d.forward(randn(3, 3, 64, 64), null), batch: 3);
        Assert.Equal(2 * macs, counted);
    }

    [Fact]
    public void MlpVaeCountsItsFiveLinearLayers()
    {
        using var vae = new MlpVae(1, 28, 400, 20);
        // fc1 784→400, fc21 and fc22 400→20, fc3 20→400, fc4 400→784.
        double macs = 784.0 * 400 + 2 * 400.0 * 20 + 20.0 * 400 + 400.0 * 784;
        double counted = FlopCount.ForwardPerRow(vae, () => vae.forward(rand(4, 1, 28, 28)), batch: 4);
        Assert.Equal(2 * macs, counted);
    }
}
