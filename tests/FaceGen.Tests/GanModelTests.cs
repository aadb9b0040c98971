using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Tutorial;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class GanModelTests
{
    public GanModelTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void TutorialKerasGeneratorNeverUpsamples()
    {
        manual_seed(0);
        using var g = new TutorialKerasGenerator(latentSize: 100);
        g.eval();
        using var images = g.forward(randn(2, 100));
        Assert.Equal(new long[] { 2, 3, 4, 4 }, images.shape); // not 3×32×32: the erratum
        using var d = new TutorialKerasDiscriminator(channels: 3, imageSize: 32);
        Assert.Equal(new long[] { 5 }, d.forward(randn(5, 3, 32, 32)).shape);
    }

    [Theory]
    [InlineData(32, 1)]
    [InlineData(32, 3)]
    [InlineData(64, 3)]
    public void DcganProducesTheRequestedSizeInTanhRange(int size, int channels)
    {
        manual_seed(0);
        using var g = new DcganGenerator(size, channels, latentSize: 16, width: 8);
        using var d = new DcganDiscriminator(size, channels, width: 8);
        using var images = g.forward(g.SampleLatent(3));
        Assert.Equal(new long[] { 3, channels, size, size }, images.shape);
        Assert.True(images.abs().max().item<float>() <= 1f);
        Assert.Equal(new long[] { 3 }, d.forward(images).shape);
        Assert.Throws<ArgumentException>(() => new DcganGenerator(48));
    }

    [Fact]
    public void Dcgan64ParameterCountsMatchTheHandCount()
    {
        // G: ConvT 100→512 (819,200) + BN (1,024) + 512→256 (2,097,152) + BN (512) + 256→128 (524,288)
        //    + BN (256) + 128→64 (131,072) + BN (128) + 64→3 (3,072) = 3,576,704 — the PyTorch DCGAN tutorial's netG.
        // D: 3→64 (3,072) + 64→128 (131,072) + BN (256) + 128→256 (524,288) + BN (512) + 256→512 (2,097,152)
        //    + BN (1,024) + 512→1 (8,192) = 2,765,568.
        using var g = new DcganGenerator(64, 3, latentSize: 100, width: 64);
        using var d = new DcganDiscriminator(64, 3, width: 64);
        Assert.Equal(3_576_704, GanArchitecture.ParameterCount(g));
        Assert.Equal(2_765_568, GanArchitecture.ParameterCount(d));
    }

    [Fact]
    public void DcganInitialisationReachesConvolutionsAndTransposedConvolutions()
    {
        manual_seed(3);
        using var g = new DcganGenerator(64, 3, latentSize: 100, width: 32);
        using var d = new DcganDiscriminator(64, 3, width: 32);
        var convWeights = g.modules().OfType<ConvTranspose2d>().Select(m => m.weight!)
            .Concat(d.modules().OfType<Conv2d>().Select(m => m.weight!)).ToList();
        Assert.Equal(5 + 5, convWeights.Count);
        foreach (var w in convWeights.Where(w => w.numel() > 2000)) // enough samples for a 5% check of the std
            Assert.InRange(w.std().item<float>(), 0.019f, 0.021f);
        foreach (var bn in g.modules().OfType<BatchNorm2d>())
        {
            Assert.InRange(bn.weight!.mean().item<float>(), 0.99f, 1.01f);
            Assert.Equal(0f, bn.bias!.abs().sum().item<float>());
        }
    }

    [Fact]
    public void NormOptionsShapeTheDiscriminator()
    {
        using var batch = new DcganDiscriminator(32, 3, width: 8, norm: DiscriminatorNorm.Batch);
        using var none = new DcganDiscriminator(32, 3, width: 8, norm: DiscriminatorNorm.None);
        using var spectral = new DcganDiscriminator(32, 3, width: 8, norm: DiscriminatorNorm.Spectral);
        Assert.NotEmpty(batch.modules().OfType<BatchNorm2d>());
        Assert.Empty(none.modules().OfType<BatchNorm2d>());
        Assert.Empty(spectral.modules().OfType<BatchNorm2d>());
        Assert.Equal(4, spectral.modules().OfType<SpectralConv2d>().Count()); // 3 downsampling convs + head
        Assert.Equal(new long[] { 2 }, spectral.forward(randn(2, 3, 32, 32)).shape);
        // Two training-mode passes (real, then fake) before one backward: the in-place update of the
        // power-iteration vector must not invalidate the first pass's graph.
        spectral.train();
        var loss = spectral.forward(randn(2, 3, 32, 32)).mean() - spectral.forward(randn(2, 3, 32, 32)).mean();
        loss.backward();
        Assert.All(spectral.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void SpectralNormEstimateConvergesToTheLargestSingularValue()
    {
        manual_seed(5);
        using var conv = new SpectralConv2d(4, 6, 3, padding: 1);
        using (no_grad()) conv.Weight.mul_(7); // σ well away from 1
        var sigmaTrue = linalg.svdvals(conv.Weight.detach().flatten(1))[0].item<float>();
        conv.train();
        for (int i = 0; i < 50; i++) conv.forward(randn(1, 4, 5, 5)).Dispose();
        Assert.Equal(sigmaTrue, conv.SigmaEstimate(), sigmaTrue * 1e-3);
        // The effective weight W/σ has spectral norm 1.
        var normalised = SpectralNorm.Normalize(conv.Weight.detach(), conv.buffers().First(), training: false);
        Assert.Equal(1f, linalg.svdvals(normalised.flatten(1))[0].item<float>(), 1e-3);
    }

    [Fact]
    public void ConditionalModelsUseTheLabels()
    {
        manual_seed(2);
        using var g = new DcganGenerator(32, 3, latentSize: 8, width: 8, classCount: 5);
        using var d = new DcganDiscriminator(32, 3, width: 8, norm: DiscriminatorNorm.None, classCount: 5);
        g.eval();
        var z = g.SampleLatent(2);
        Assert.Throws<ArgumentException>(() => g.forward(z));
        var a = g.forward(z, tensor(new long[] { 0, 0 }));
        var b = g.forward(z, tensor(new long[] { 3, 3 }));
        Assert.True((a - b).abs().max().item<float>() > 1e-4f);   // same noise, other identity: other image
        var x = randn(2, 3, 32, 32);
        var la = d.forward(x, tensor(new long[] { 0, 0 }));
        var lb = d.forward(x, tensor(new long[] { 4, 4 }));
        Assert.True((la - lb).abs().max().item<float>() > 1e-6f); // projection term depends on y
    }

    [Fact]
    public void ConditionalDiscriminatorStartsWithSmallLogits()
    {
        // Regression: the class projection once kept torch's N(0, 1) embedding, giving logits of ~50 at step 1 and a
        // saturated D (L_D = 52.6); at the DCGAN scale N(0, 0.02) the first logits are of order 1.
        TorchSharp.torch.random.manual_seed(3);
        using var d = new DcganDiscriminator(32, 3, 16, DiscriminatorNorm.Batch, classCount: 10);
        var images = TorchSharp.torch.rand(16, 3, 32, 32) * 2 - 1;
        var labels = TorchSharp.torch.arange(16, dtype: TorchSharp.torch.ScalarType.Int64).remainder(10);
        float largest = d.forward(images, labels).abs().max().item<float>();
        Assert.True(largest < 5, $"largest |logit| {largest}");
    }
}
