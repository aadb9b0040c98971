using static TorchSharp.torch;

namespace FaceGen.Runtime;

/// <summary>One operation of the start-up self-check: <see cref="Evaluate"/> builds the same inputs (from its own seeded
/// generator, never torch's global one) in the given precision, runs the operation forward and backward, and returns the
/// output and the gradients named by <see cref="Parts"/>.</summary>
public sealed record ArithmeticProbe(string Name, string[] Parts, Func<ScalarType, Tensor[]> Evaluate);

/// <summary>How far one probe's float32 results are from float64: per part, max |f32 − f64| / max |f64| (NaN or ∞ count as ∞).</summary>
public sealed record ProbeResult(string Name, string[] Parts, double[] Errors, double Tolerance)
{
    public double Worst => Errors.Max();
    public string WorstPart => Parts[Array.IndexOf(Errors, Worst)];
    public bool Ok => Worst <= Tolerance;
    public override string ToString() => $"{Name}: {WorstPart} off by {Format(Worst)} (relative)";
    internal static string Format(double error) => double.IsPositiveInfinity(error) ? "NaN/∞" : error.ToString("0.0e0");
}

/// <summary>
/// LibTorch's float32 arithmetic against float64 over the operations and shapes the kit's models use. It exists because
/// oneDNN 3.7.1 inside LibTorch 2.10 returned wrong convolutions and gradients (relative errors 0.07–0.8, sometimes NaN)
/// for some shapes on an AMD EPYC virtual machine whose CPUID hides its caches, while every DCGAN-shaped layer was fine
/// there: a bug that makes short GAN runs diverge and looks like the model's fault (environment.md, troubleshooting).
/// <para>Error measure: e = max|y₃₂ − y₆₄| / max|y₆₄| per tensor (output, ∂L/∂input, ∂L/∂weight), with L = Σ r ⊙ y for a
/// fixed random r. Tolerance 1e-3: a float32 sum of K terms is off by at most about K·u (u = 2⁻²⁴ ≈ 6e-8) of its terms'
/// magnitude, and the longest sums here have K ≤ 1,024 (6e-5); on correct CPUs the worst probe measured 4e-6, while the
/// wrong kernels were off by 0.065 or more — 1e-3 sits a factor of 65 below the smallest error seen from the bug and 250
/// above what correct arithmetic gave.</para>
/// </summary>
public static class ArithmeticCheck
{
    public const double Tolerance = 1e-3;

    // Declared before the probes that use it: static fields initialise in textual order.
    static readonly string[] OutputAndGradients = ["output", "grad input", "grad weight"];

    /// <summary>The probes the kit runs at start-up: the shapes where oneDNN was seen to be wrong, then one of each layer
    /// shape family of the kit's models (DCGAN 32/64 and its conditional form, the tutorial's Keras nets, conv VAE, U-Net,
    /// recogniser, grey and colour inputs), at small batch; batch norm and linear layers too.</summary>
    public static IReadOnlyList<ArithmeticProbe> DefaultProbes { get; } =
    [
        // Seen wrong (issue 13): single-channel input gradients, k3 s1 at 64 px, the 4×4 "project" layers at batch 64.
        Convolution(false, 1, 1, 4, 16, 4, 2, 1),
        Convolution(false, 5, 1, 4, 16, 4, 2, 1),
        Convolution(false, 2, 3, 8, 64, 3, 1, 1),
        Convolution(true, 2, 3, 8, 64, 3, 1, 1),
        Convolution(false, 64, 100, 64, 4, 4, 1, 0),
        Convolution(true, 64, 100, 64, 4, 4, 1, 0),
        // The kit's layer families: DCGAN project (1 px → 4) and D's last layer (4 px → 1), stride-2 up and down.
        Convolution(true, 4, 100, 64, 1, 4, 1, 0),
        Convolution(false, 4, 64, 1, 4, 4, 1, 0),
        Convolution(false, 4, 3, 32, 32, 4, 2, 1),
        Convolution(false, 4, 1, 16, 32, 4, 2, 1),
        Convolution(false, 4, 32, 64, 16, 4, 2, 1),
        Convolution(true, 4, 64, 32, 8, 4, 2, 1),
        Convolution(true, 4, 32, 3, 16, 4, 2, 1),
        Convolution(true, 4, 16, 1, 32, 4, 2, 1),
        // U-Net stem/head (grey + mask), recogniser stems at 64 px, the Keras nets (k3 s2 down; k3 s1 at 4 px).
        Convolution(false, 2, 2, 16, 32, 3, 1, 1),
        Convolution(false, 2, 16, 1, 32, 3, 1, 1),
        Convolution(false, 2, 1, 16, 64, 3, 1, 1),
        Convolution(false, 2, 3, 16, 64, 3, 1, 1),
        Convolution(false, 2, 3, 64, 32, 3, 2, 1),
        Convolution(false, 2, 128, 64, 4, 3, 1, 1),
        BatchNorm2d(8, 16, 8),
        Linear(16, 256, 64),
    ];

    /// <summary>Runs every probe in float32 and float64 (float64 results are shared between calls through
    /// <paramref name="references"/> when given, since they do not depend on the convolution backend).</summary>
    public static IReadOnlyList<ProbeResult> Run(IReadOnlyList<ArithmeticProbe> probes, Dictionary<string, double[][]>? references = null)
    {
        using var grad = enable_grad();
        var results = new List<ProbeResult>();
        foreach (var probe in probes)
        {
            using var scope = NewDisposeScope();
            double[][]? reference = null;
            if (references?.TryGetValue(probe.Name, out reference) != true)
            {
                reference = probe.Evaluate(ScalarType.Float64).Select(t => t.contiguous().data<double>().ToArray()).ToArray();
                if (references is not null) references[probe.Name] = reference;
            }
            var single = probe.Evaluate(ScalarType.Float32).Select(t => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray()).ToArray();
            var errors = reference!.Zip(single, RelativeError).ToArray();
            results.Add(new ProbeResult(probe.Name, probe.Parts, errors, Tolerance));
        }
        return results;
    }

    /// <summary>max|a − b| / max|b|; ∞ when <paramref name="single"/> holds a NaN or ∞ (or the shapes differ).</summary>
    public static double RelativeError(double[] reference, double[] single)
    {
        if (reference.Length != single.Length) return double.PositiveInfinity;
        double difference = 0, scale = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            if (!double.IsFinite(single[i])) return double.PositiveInfinity;
            difference = Math.Max(difference, Math.Abs(single[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return difference / (scale + 1e-30);
    }

    /// <summary>conv2d or conv_transpose2d of a batch × cin × size × size input, forward and both gradients.</summary>
    public static ArithmeticProbe Convolution(bool transposed, int batch, int cin, int cout, int size, int kernel, int stride, int padding)
    {
        long[] strides = [stride, stride], pads = [padding, padding];
        return Probe($"{(transposed ? "conv_transpose2d" : "conv2d")} b{batch} {cin}→{cout} {size}px k{kernel} s{stride} p{padding}",
            g => randn([batch, cin, size, size], ScalarType.Float64, generator: g),
            g => randn(transposed ? [cin, cout, kernel, kernel] : [cout, cin, kernel, kernel], ScalarType.Float64, generator: g) / Math.Sqrt(cin * kernel * kernel),
            (x, w) => transposed ? nn.functional.conv_transpose2d(x, w, strides: strides, padding: pads)
                                 : nn.functional.conv2d(x, w, strides: strides, padding: pads));
    }

    /// <summary>Batch norm in training mode (batch statistics) with a learned scale.</summary>
    static ArithmeticProbe BatchNorm2d(int batch, int channels, int size) =>
        Probe($"batch_norm (training) b{batch} {channels}ch {size}px",
            g => randn([batch, channels, size, size], ScalarType.Float64, generator: g) * 3 + 1,
            g => 1 + 0.1 * randn([channels], ScalarType.Float64, generator: g),
            (x, w) => nn.functional.batch_norm(x, zeros(channels, x.dtype), ones(channels, x.dtype), w, zeros(channels, x.dtype), training: true));

    static ArithmeticProbe Linear(int batch, int inputs, int outputs) =>
        Probe($"linear b{batch} {inputs}→{outputs}",
            g => randn([batch, inputs], ScalarType.Float64, generator: g),
            g => randn([outputs, inputs], ScalarType.Float64, generator: g) / Math.Sqrt(inputs),
            (x, w) => nn.functional.linear(x, w));

    /// <summary>A probe of y = op(x, w): input and weight drawn in float64 from the probe's own generator and cast to the
    /// precision under test, then L = Σ r ⊙ y with a random r; returns y, ∂L/∂x and ∂L/∂w.</summary>
    static ArithmeticProbe Probe(string name, Func<Generator, Tensor> input, Func<Generator, Tensor> weight, Func<Tensor, Tensor, Tensor> op) =>
        new(name, OutputAndGradients, dtype =>
        {
            using var generator = new Generator(StableSeed(name));
            var x = input(generator).to_type(dtype).requires_grad_();
            var w = weight(generator).to_type(dtype).requires_grad_();
            var y = op(x, w);
            var r = randn(y.shape, ScalarType.Float64, generator: generator).to_type(dtype);
            (y * r).sum().backward();
            return [y.detach(), x.grad!, w.grad!];
        });

    /// <summary>A seed from the probe's name (FNV-1a), so each probe draws the same inputs in every process and order.</summary>
    static ulong StableSeed(string name)
    {
        ulong hash = 14695981039346656037UL;
        foreach (char c in name) hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }
}
