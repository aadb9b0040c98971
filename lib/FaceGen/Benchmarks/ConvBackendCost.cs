using System.Diagnostics;
using System.Globalization;
using System.Text;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Benchmarks;

/// <summary>One model's forward + backward pass timed on each convolution path, in alternating rounds.</summary>
public sealed record ConvBackendTiming(string Model, int Batch, int Rounds, int StepsPerRound, double OneDnnSecondsPerStep, double AtenSecondsPerStep)
{
    /// <summary>How many times longer a pass takes with ATen's convolutions than with oneDNN's.</summary>
    public double AtenOverOneDnn => AtenSecondsPerStep / OneDnnSecondsPerStep;
}

/// <summary>A model's pass to time: a name, its batch, and a factory that builds the model and returns one forward + backward.</summary>
public sealed record ConvBackendWorkload(string Name, int Batch, Func<Action> Create);

/// <summary>What the fallback costs: the path in force and why, then per model the oneDNN and ATen times side by side.</summary>
public sealed record ConvBackendCostResult(string PathInForce, IReadOnlyList<ConvBackendTiming> Timings, string? Skipped)
{
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"**Convolutions**: {PathInForce}.");
        if (Skipped is not null) return md.AppendLine(c, $"Fallback cost: {Skipped}").ToString();
        md.AppendLine();
        md.AppendLine("| forward + backward | batch | rounds × steps | onednn s/step | aten s/step | aten / onednn |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var t in Timings)
            md.AppendLine(c, $"| {t.Model} | {t.Batch} | {t.Rounds} × {t.StepsPerRound} | {t.OneDnnSecondsPerStep:F4} | {t.AtenSecondsPerStep:F4} | {t.AtenOverOneDnn:F2}× |");
        return md.ToString();
    }
}

/// <summary>
/// Times the kit's convolution-heavy models with oneDNN's and with ATen's convolutions in one process, round by round
/// (oneDNN, ATen, oneDNN, …) so that drifts in machine load hit both alike; reports the median of each. Where oneDNN is
/// wrong on this CPU its times are still what it costs — its numbers are not used. The path in force is restored after.
/// </summary>
public static class ConvBackendCost
{
    /// <summary>The kit's convolution-heavy models at the sizes it trains them.</summary>
    public static IReadOnlyList<ConvBackendWorkload> KitModels { get; } =
    [
        new("DCGAN-64 G→D (width 64)", 64, () => GanPass(new DcganGenerator(64, 3, 100, 64), new DcganDiscriminator(64, 3, 64), 64)),
        new("U-Net restorer 64 px (width 32)", 32, () => Pass(new RestorationNet(3, 32), m => ((RestorationNet)m).forward(randn(32, 3, 64, 64), ones(32, 1, 64, 64)))),
        new("recogniser 64 px grey (width 16)", 64, () => Pass(new FaceEmbedder(64, 1, 16, 128), m => ((FaceEmbedder)m).forward(randn(64, 1, 64, 64)))),
        new("conv VAE-64 (width 32)", 64, () => Pass(new ConvVae(64, 3, 32, 32), m => ((ConvVae)m).forward(rand(64, 3, 64, 64)).Decoding.Location)),
    ];

    public static ConvBackendCostResult Measure(int rounds = 3, int steps = 3, IProgress<ProgressReport>? progress = null,
        IReadOnlyList<ConvBackendWorkload>? workloads = null)
    {
        var numerics = TorchRuntime.Numerics;
        var backends = TorchRuntime.ConvBackendSwitch;
        if (!backends.Available) return new(numerics.Summary, [], "skipped: this LibTorch cannot turn oneDNN off.");
        var models = workloads ?? KitModels;
        var timings = new List<ConvBackendTiming>();
        try
        {
            foreach (var (name, batch, create) in models)
            {
                Seeding.Seed(0);
                var pass = create();
                var times = new Dictionary<ConvBackend, List<double>> { [ConvBackend.OneDnn] = [], [ConvBackend.Aten] = [] };
                for (int round = 0; round < rounds; round++)
                    foreach (var backend in new[] { ConvBackend.OneDnn, ConvBackend.Aten })
                    {
                        backends.Use(backend);
                        pass();   // warm-up: oneDNN builds its kernels for these shapes on first use
                        var clock = Stopwatch.StartNew();
                        for (int s = 0; s < steps; s++) pass();
                        times[backend].Add(clock.Elapsed.TotalSeconds / steps);
                    }
                timings.Add(new(name, batch, rounds, steps, Median(times[ConvBackend.OneDnn]), Median(times[ConvBackend.Aten])));
                progress?.Report(new("convolution paths", timings.Count, models.Count, "models"));
            }
        }
        finally { backends.Use(numerics.InForce); }
        return new(numerics.Summary, timings, null);
    }

    /// <summary>G → D → Σ logits, backward through both.</summary>
    public static Action GanPass(GanGenerator g, GanDiscriminator d, int batch) => () =>
    {
        using var scope = NewDisposeScope();
        d.forward(g.forward(g.SampleLatent(batch), null), null).sum().backward();
        g.zero_grad();
        d.zero_grad();
    };

    /// <summary>The model's output summed, backward.</summary>
    public static Action Pass(nn.Module model, Func<nn.Module, Tensor> forward) => () =>
    {
        using var scope = NewDisposeScope();
        forward(model).sum().backward();
        model.zero_grad();
    };

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
