using FaceGen.Models;
using FaceGen.Tutorial;
using Xunit.Abstractions;
using FaceGen.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Module = TorchSharp.torch.nn.Module;

namespace FaceGen.Tests;

/// <summary>
/// Every model the kit trains, on a tiny batch, computes the same outputs and parameter gradients in float32 as the same
/// weights in float64 — on the convolution path the runtime chose, and on the forced ATen path. These are the tests that
/// would have failed on the CPU where oneDNN was wrong (issue 13), whatever CPU they run on now.
/// <para>Tolerance 2e-3 relative to the largest magnitude of each tensor: the start-up check's 1e-3 (see
/// <see cref="ArithmeticCheck"/>), doubled because a whole network chains up to a dozen layers and batch norms; the
/// worst correct case measured 1.3e-5 (the recogniser's first batch-norm weight, on either path), the bug's errors were ≥ 0.065.</para>
/// </summary>
[Collection("Convolution backend")]
public class ModelPrecisionTests(ITestOutputHelper log)
{
    const double Tolerance = 2e-3;

    public static TheoryData<string> Models => new(ModelCases.Keys);

    static readonly Dictionary<string, Func<(Module Model, Func<Module, ScalarType, Tensor> Run)>> ModelCases = new()
    {
        ["DCGAN-32 G+D"] = () => Gan(new DcganGenerator(32, 3, 16, 8), new DcganDiscriminator(32, 3, 8), 32, 3, classes: 0),
        ["DCGAN-64 G+D (grey, spectral D)"] = () => Gan(new DcganGenerator(64, 1, 16, 8), new DcganDiscriminator(64, 1, 8, DiscriminatorNorm.Spectral), 64, 1, classes: 0),
        ["conditional DCGAN-32"] = () => Gan(new DcganGenerator(32, 3, 16, 8, classCount: 4), new DcganDiscriminator(32, 3, 8, classCount: 4), 32, 3, classes: 4),
        ["tutorial Keras G+D"] = () => Gan(new TutorialKerasGenerator(16), new TutorialKerasDiscriminator(3, 4), 4, 3, classes: 0, evalMode: true),
        ["MLP VAE"] = () => Vae(new MlpVae(1, 28, 64, 8), 28, 1),
        ["conv VAE-64"] = () => Vae(new ConvVae(64, 3, 8, 8), 64, 3),
        ["U-Net restorer"] = () => (new RestorationNet(1, 8), (m, dtype) =>
        {
            var net = (RestorationNet)m;
            var x = Input([2, 1, 32, 32], dtype, 1);
            var known = (Input([2, 1, 32, 32], dtype, 2) > 0).to_type(dtype);
            return net.forward(x, known);
        }),
        ["recogniser"] = () => (new FaceEmbedder(32, 1, 8, 16), (m, dtype) => ((FaceEmbedder)m).forward(Input([4, 1, 32, 32], dtype, 3))),
    };

    /// <summary>Inputs drawn in float64 from a fixed generator, then cast: both precisions see the same numbers.</summary>
    static Tensor Input(long[] shape, ScalarType dtype, ulong seed)
    {
        using var g = new Generator(seed);
        return randn(shape, ScalarType.Float64, generator: g).to_type(dtype);
    }

    /// <summary>A generator and its discriminator in one module, so that one conversion and one parameter list cover both.</summary>
    sealed class GanPair : Module
    {
        public readonly GanGenerator g;
        public readonly GanDiscriminator d;
        public GanPair(GanGenerator g, GanDiscriminator d) : base("gan")
        {
            this.g = g;
            this.d = d;
            RegisterComponents();
        }
    }

    static (Module, Func<Module, ScalarType, Tensor>) Gan(GanGenerator g, GanDiscriminator d, int size, int channels, int classes, bool evalMode = false)
    {
        var both = new GanPair(g, d);
        if (evalMode) both.eval();   // the Keras discriminator's dropout would draw different masks per precision
        return (both, (m, dtype) =>
        {
            var pair = (GanPair)m;
            var labels = classes > 0 ? arange(4, ScalarType.Int64) % classes : null;
            var fake = pair.g.forward(Input([4, pair.g.LatentSize], dtype, 4), labels);
            var real = Input([4, channels, size, size], dtype, 5);
            // Both networks in one graph: D on real and fake images, so every parameter gets a gradient.
            return cat([fake.flatten(), pair.d.forward(real, labels), pair.d.forward(fake, labels)]);
        });
    }

    static (Module, Func<Module, ScalarType, Tensor>) Vae(Vae vae, int size, int channels) => (vae, (m, dtype) =>
    {
        var model = (Vae)m;
        var x = Input([4, channels, size, size], dtype, 6);
        var (mu, logVar) = model.Encode(x);
        return cat([mu.flatten(), logVar.flatten(), model.Decode(mu).Location.flatten()]);
    });

    static (double Output, double Gradient, string WorstParameter) Compare(string name)
    {
        Seeding.Seed(11);
        var (single, run) = ModelCases[name]();
        Seeding.Seed(11);
        var (twin, _) = ModelCases[name]();
        twin.to(ScalarType.Float64);
        if (!single.training) twin.eval();

        using var scope = NewDisposeScope();
        var outputs = new Dictionary<ScalarType, Tensor>();
        foreach (var (model, dtype) in new[] { (single, ScalarType.Float32), (twin, ScalarType.Float64) })
        {
            var y = run(model, dtype);
            // L = Σ r ⊙ y with a fixed random r, the same for both precisions.
            (y * Input(y.shape, ScalarType.Float64, 7).to_type(dtype)).sum().backward();
            outputs[dtype] = y.detach();
        }
        double outputError = ArithmeticCheck.RelativeError(Doubles(outputs[ScalarType.Float64]), Doubles(outputs[ScalarType.Float32]));
        double worstGradient = 0;
        string worstName = "";
        var twinParameters = twin.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var gradients = single.named_parameters().Select(p =>
        {
            Assert.True(p.parameter.grad is not null, $"{name}: {p.name} got no gradient");
            return (p.name, Single: Doubles(p.parameter.grad!), Reference: Doubles(twinParameters[p.name].grad!));
        }).ToList();
        double largest = gradients.Max(g => g.Reference.Max(Math.Abs));
        foreach (var (parameterName, singleGradient, reference) in gradients)
        {
            // A gradient that is zero in exact arithmetic (a bias right before batch norm, which removes the mean) is
            // rounding noise in both precisions: check only that float32's noise stays small against the model's gradients.
            if (reference.Max(Math.Abs) < 1e-6 * largest)
            {
                Assert.True(singleGradient.Max(Math.Abs) < 1e-4 * largest, $"{name}: {parameterName} should have no gradient");
                continue;
            }
            double e = ArithmeticCheck.RelativeError(reference, singleGradient);
            if (e >= worstGradient) (worstGradient, worstName) = (e, parameterName);
        }
        single.Dispose();
        twin.Dispose();
        return (outputError, worstGradient, worstName);
    }

    static double[] Doubles(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();

    [Theory]
    [MemberData(nameof(Models))]
    public void Float32MatchesFloat64OnThePathInForce(string model)
    {
        var (output, gradient, worst) = Compare(model);
        log.WriteLine($"{model} on {TorchRuntime.Numerics.InForce}: output {output:E2}, worst gradient {gradient:E2} ({worst})");
        Assert.True(output < Tolerance, $"{model} on {TorchRuntime.Numerics.InForce}: output off by {output:E2}");
        Assert.True(gradient < Tolerance, $"{model} on {TorchRuntime.Numerics.InForce}: gradient of {worst} off by {gradient:E2}");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Float32MatchesFloat64OnTheForcedAtenPath(string model)
    {
        var backends = TorchRuntime.ConvBackendSwitch;
        var before = backends.Current;
        backends.Use(ConvBackend.Aten);
        try
        {
            var (output, gradient, worst) = Compare(model);
            log.WriteLine($"{model} on aten: output {output:E2}, worst gradient {gradient:E2} ({worst})");
            Assert.True(output < Tolerance, $"{model} on aten: output off by {output:E2}");
            Assert.True(gradient < Tolerance, $"{model} on aten: gradient of {worst} off by {gradient:E2}");
        }
        finally { backends.Use(before); }
    }
}
