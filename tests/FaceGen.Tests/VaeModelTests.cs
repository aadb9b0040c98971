using System.Diagnostics;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class VaeModelTests
{
    readonly ITestOutputHelper output;

    public VaeModelTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureInitialized();
        this.output = output;
    }

    [Fact]
    public void MlpVaeHasPytorchExamplesLayersShapesAndParameterCount()
    {
        // fc1 784·400 + 400 = 314,000; fc21, fc22 2·(400·20 + 20) = 16,040; fc3 20·400 + 400 = 8,400;
        // fc4 400·784 + 784 = 314,384. Total 652,824.
        manual_seed(0);
        using var vae = new MlpVae();
        Assert.Equal(314_000 + 16_040 + 8_400 + 314_384, GanArchitecture.ParameterCount(vae));
        Assert.Equal(new[] { "fc1.bias", "fc1.weight", "fc21.bias", "fc21.weight", "fc22.bias", "fc22.weight", "fc3.bias", "fc3.weight", "fc4.bias", "fc4.weight" },
            vae.named_parameters().Select(p => p.name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
        var fc1 = vae.named_parameters().Single(p => p.name == "fc1.weight").parameter;
        Assert.Equal(new long[] { 400, 784 }, fc1.shape);
        // PyTorch's default Linear initialisation, which the reference run relies on: weights
        // U(−1/√fan_in, 1/√fan_in), whose standard deviation is 1/√(3·784) = 0.020620. For a uniform the
        // sample standard deviation of n = 313,600 draws has SE ≈ σ·√((κ − 1)/(4n)) = 0.08% (κ = 1.8): allow 4 SE.
        Assert.True(fc1.abs().max().item<float>() <= 1 / Math.Sqrt(784));
        Assert.Equal(1 / Math.Sqrt(3 * 784), fc1.std().item<float>(), 0.0206 * 0.0032);

        var x = rand(5, 1, 28, 28);
        var (mu, logVar) = vae.Encode(x);
        Assert.Equal(new long[] { 5, 20 }, mu.shape);
        Assert.Equal(new long[] { 5, 20 }, logVar.shape);
        var output = vae.forward(x);
        Assert.Equal(new long[] { 5, 1, 28, 28 }, output.Decoding.Location.shape);
        Assert.Null(output.Decoding.LogScale);
        Assert.Equal(new long[] { 5, 20 }, output.Z.shape);

        // A learned scale doubles fc4's outputs: + 400·784 + 784 = 314,384 parameters.
        using var learned = new MlpVae(learnedScale: true);
        Assert.Equal(652_824 + 314_384, GanArchitecture.ParameterCount(learned));
        var decoding = learned.Decode(learned.SampleLatent(3));
        Assert.Equal(new long[] { 3, 1, 28, 28 }, decoding.LogScale!.shape);
    }

    [Theory]
    [InlineData(32, 1)]
    [InlineData(32, 3)]
    [InlineData(64, 1)]
    [InlineData(64, 3)]
    public void ConvVaeMapsImagesToLatentsAndBack(int size, int channels)
    {
        manual_seed(0);
        using var vae = new ConvVae(size, channels, latentSize: 12, width: 8);
        var x = rand(2, channels, size, size);
        var (mu, logVar) = vae.Encode(x);
        Assert.Equal(new long[] { 2, 12 }, mu.shape);
        Assert.Equal(new long[] { 2, 12 }, logVar.shape);
        Assert.Equal(new long[] { 2, channels, size, size }, vae.forward(x).Decoding.Location.shape);

        using var learned = new ConvVae(size, channels, latentSize: 12, width: 8, learnedScale: true);
        var decoding = learned.Decode(learned.SampleLatent(4));
        Assert.Equal(new long[] { 4, channels, size, size }, decoding.Location.shape);
        Assert.Equal(new long[] { 4, channels, size, size }, decoding.LogScale!.shape);
    }

    [Fact]
    public void ConvVaeParameterCountMatchesTheHandCount()
    {
        // 32×32 grey, width 8, latent 4. Encoder: Conv 1→8 (1·8·16 + 8 = 136), 8→16 (2,064), 16→32 (8,224);
        // heads on 32·4·4 = 512 features: 2·(512·4 + 4) = 4,104. Decoder: Linear 4→512 (2,560),
        // ConvT 32→16 (8,208), 16→8 (2,056), 8→1 (129). Total 27,481.
        using var vae = new ConvVae(32, 1, latentSize: 4, width: 8);
        Assert.Equal(136 + 2_064 + 8_224 + 4_104 + 2_560 + 8_208 + 2_056 + 129, GanArchitecture.ParameterCount(vae));
        Assert.Contains("48", Assert.Throws<ArgumentException>(() => new ConvVae(48)).Message);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("conv")]
    public void ConditionalVaeUsesTheLabels(string arch)
    {
        manual_seed(2);
        using Vae vae = arch == "mlp" ? new MlpVae(classCount: 5) : new ConvVae(32, 3, latentSize: 8, width: 8, classCount: 5);
        var x = arch == "mlp" ? rand(2, 1, 28, 28) : rand(2, 3, 32, 32);
        Assert.Contains("pass labels", Assert.Throws<ArgumentException>(() => vae.Encode(x)).Message);
        Assert.Throws<ArgumentException>(() => vae.Decode(vae.SampleLatent(2)));

        var y0 = tensor(new long[] { 0, 0 });
        var y3 = tensor(new long[] { 3, 3 });
        // Same image, other label: other q(z|x, y).
        Assert.True((vae.Encode(x, y0).Mu - vae.Encode(x, y3).Mu).abs().max().item<float>() > 1e-4f);
        // Same z, other label: other p(x|z, y).
        var z = vae.SampleLatent(2);
        Assert.True((vae.Decode(z, y0).Location - vae.Decode(z, y3).Location).abs().max().item<float>() > 1e-4f);
        // The label is a module input, so the ELBO runs with it.
        var (terms, _) = Elbo.Evaluate(vae, ReconstructionLikelihood.Bernoulli, x, y3);
        Assert.True(float.IsFinite(terms.Loss.item<float>()));
    }

    [Fact]
    public void ReparameterisationIsSeededAndHasTheEncodersMoments()
    {
        // z = μ + e^{½ log σ²} ε: with 40,000 draws the sample mean is within 4·σ/200 of μ and the
        // sample standard deviation within 4·σ/√(2·40,000) ≈ 1.4% of σ.
        var mu = tensor(new[] { 1.5f, -2f });
        var logVar = tensor(new[] { (float)Math.Log(0.25), (float)Math.Log(4) });
        var z = Reparameterization.Sample(mu, logVar, 40_000, Seeding.Generator(9));
        Assert.Equal(new long[] { 40_000, 2 }, z.shape);
        var mean = z.mean(new long[] { 0 }).data<float>().ToArray();
        var std = z.std(0).data<float>().ToArray();
        Assert.Equal(1.5, mean[0], 4 * 0.5 / 200);
        Assert.Equal(-2.0, mean[1], 4 * 2.0 / 200);
        Assert.Equal(0.5, std[0], 0.5 * 0.0142);
        Assert.Equal(2.0, std[1], 2.0 * 0.0142);
        Assert.Equal(z.data<float>().ToArray(), Reparameterization.Sample(mu, logVar, 40_000, Seeding.Generator(9)).data<float>().ToArray());
    }

    /// <summary>Face-like test images in [0, 1] made with tensor operations: a bright ellipse of random
    /// position, size and brightness with two dark eyes and a dark mouth, soft-edged.</summary>
    static Tensor StructuredImages(int n, int size, Generator g)
    {
        using var scope = NewDisposeScope();
        Tensor U(double lo, double hi) => rand(new long[] { n, 1, 1 }, generator: g) * (hi - lo) + lo;
        var coords = linspace(-1, 1, size);
        var yy = coords.view(1, size, 1);
        var xx = coords.view(1, 1, size);
        Tensor Ellipse(Tensor cx, Tensor cy, Tensor rx, Tensor ry) =>
            ((1 - ((xx - cx) / rx).square() - ((yy - cy) / ry).square()) * 8).sigmoid();
        var cx = U(-0.2, 0.2); var cy = U(-0.15, 0.15);
        var rx = U(0.45, 0.7); var ry = U(0.6, 0.85);
        var face = Ellipse(cx, cy, rx, ry) * U(0.5, 0.95);
        var eyeSize = rx * 0.14;
        var leftEye = Ellipse(cx - 0.4 * rx, cy - 0.25 * ry, eyeSize, eyeSize);
        var rightEye = Ellipse(cx + 0.4 * rx, cy - 0.25 * ry, eyeSize, eyeSize);
        var mouth = Ellipse(cx, cy + 0.45 * ry, rx * U(0.2, 0.45), ry * 0.08);
        var image = face * (1 - 0.8 * leftEye) * (1 - 0.8 * rightEye) * (1 - 0.7 * mouth);
        return image.unsqueeze(1).clamp(0, 1).MoveToOuterDisposeScope();
    }

    [Fact]
    public void SmallConvVaeLearnsToReconstructFarBetterThanTheMeanImage()
    {
        // 512 training and 128 held-out 32×32 grey face-like images; ConvVae width 16, latent 16,
        // Gaussian decoder with fixed σ = 0.1 (log p(x|z) = −Σ(x − μ)²/(2σ²) + const, so the ELBO
        // weighs exactly the squared error measured here), Adam(2e−3), batch 32, 300 steps.
        // Reconstruction error: mean squared error per pixel of the decoder mean at z = μ_φ(x) on the
        // held-out images, against the error of predicting the training mean image for every image.
        // Measured: ratio 0.11 (a Bernoulli decoder needs about 600 steps for the same).
        var g = Seeding.Generator(1);
        var train = StructuredImages(512, 32, g);
        var test = StructuredImages(128, 32, g);
        manual_seed(1);
        using var vae = new ConvVae(32, 1, latentSize: 16, width: 16);
        var optimizer = optim.Adam(vae.parameters(), lr: 2e-3);
        var decoder = ReconstructionLikelihood.GaussianFixed(0.1);
        var clock = Stopwatch.StartNew();
        float firstLoss = 0, lastLoss = 0;
        for (int step = 0; step < 300; step++)
        {
            using var scope = NewDisposeScope();
            var batch = train.index_select(0, randint(0, 512, new long[] { 32 }, generator: g));
            optimizer.zero_grad();
            var (terms, _) = Elbo.Evaluate(vae, decoder, batch, generator: g);
            terms.Loss.backward();
            optimizer.step();
            if (step == 0) firstLoss = terms.Loss.item<float>();
            lastLoss = terms.Loss.item<float>();
        }
        double seconds = clock.Elapsed.TotalSeconds;

        using var noGrad = no_grad();
        double meanImageError = (test - train.mean(new long[] { 0 }, keepdim: true)).square().mean().item<float>();
        var (mu, _) = vae.Encode(test);
        double vaeError = (decoder.Mean(vae.Decode(mu)) - test).square().mean().item<float>();
        output.WriteLine($"300 steps in {seconds:F1} s; loss (−ELBO, nats/image) {firstLoss:F1} → {lastLoss:F1}; " +
            $"held-out MSE/pixel: VAE {vaeError:F5}, mean image {meanImageError:F5}, ratio {vaeError / meanImageError:F3}");
        Assert.True(vaeError < 0.2 * meanImageError, $"VAE {vaeError:F5} vs mean image {meanImageError:F5}");
        Assert.True(lastLoss < firstLoss);
    }
}
