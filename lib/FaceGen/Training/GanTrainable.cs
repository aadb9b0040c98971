using FaceGen.Data;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>The adversarial losses the trainer can use (tutorial §3.1.4 and the ablation family).</summary>
public enum GanLoss
{
    /// <summary>The tutorial's minimax game: L_D as printed, G minimises E[log(1 − D(G(z)))] (saturating).</summary>
    Minimax,
    /// <summary>L_D as printed, G minimises −E[log D(G(z))].</summary>
    NonSaturating,
    Hinge,
    /// <summary>Wasserstein critic with gradient penalty (λ = <see cref="GanTrainingOptions.GradientPenaltyWeight"/>).</summary>
    WganGp,
    LeastSquares,
}

/// <summary>Everything the kit needs to know about one adversarial loss, in one place (<see cref="Of"/>): adding a loss
/// is an enum value and one entry here.</summary>
/// <param name="Discriminator">L_D(D(x), D(x̃)) from the discriminator's raw outputs on real and fake images.</param>
/// <param name="Generator">L_G(D(G(z))).</param>
/// <param name="OutputsAreLogits">D's outputs are logits of "real" (reported as probabilities σ(·) in d_real/d_fake);
/// otherwise raw critic scores (reported as they are).</param>
/// <param name="GradientPenalty">Adds λ·E[(‖∇D(x̂)‖ − 1)²] on interpolates: needs per-sample gradients, so the critic must
/// not use batch norm (its default norm is then none).</param>
/// <param name="Defaults">The loss's usual optimiser settings and critic steps.</param>
public sealed record GanLossDefinition(Func<Tensor, Tensor, Tensor> Discriminator, Func<Tensor, Tensor> Generator,
    bool OutputsAreLogits, bool GradientPenalty, GanTrainingOptions Defaults)
{
    public static GanLossDefinition Of(GanLoss loss) => loss switch
    {
        GanLoss.Minimax => new(AdversarialLosses.MinimaxDiscriminator, AdversarialLosses.SaturatingGenerator, true, false, new(loss)),
        GanLoss.NonSaturating => new(AdversarialLosses.MinimaxDiscriminator, AdversarialLosses.NonSaturatingGenerator, true, false, new(loss)),
        GanLoss.Hinge => new(AdversarialLosses.HingeDiscriminator, AdversarialLosses.CriticGenerator, false, false, new(loss)),
        // WGAN-GP's published settings: Adam(1e−4, β = (0, 0.9)) and five critic steps per generator step.
        GanLoss.WganGp => new(AdversarialLosses.WassersteinCritic, AdversarialLosses.CriticGenerator, false, true,
            new(loss, CriticSteps: 5, GeneratorLearningRate: 1e-4, DiscriminatorLearningRate: 1e-4, Beta1: 0, Beta2: 0.9)),
        GanLoss.LeastSquares => new(AdversarialLosses.LeastSquaresDiscriminator, AdversarialLosses.LeastSquaresGenerator, false, false, new(loss)),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, null),
    };

    /// <summary>The discriminator normalisation used when none is chosen: none for a gradient penalty, batch norm otherwise.</summary>
    public DiscriminatorNorm DefaultNorm => GradientPenalty ? DiscriminatorNorm.None : DiscriminatorNorm.Batch;
}

/// <summary>Settings of adversarial training. <see cref="For"/> gives each loss its usual defaults
/// (<see cref="GanLossDefinition.Defaults"/>): Adam(2e−4, β = (0.5, 0.999)) and one critic step (DCGAN); WGAN-GP:
/// Adam(1e−4, β = (0, 0.9)) and five.</summary>
public sealed record GanTrainingOptions(
    GanLoss Loss = GanLoss.NonSaturating,
    int CriticSteps = 1,
    double GeneratorLearningRate = 2e-4,
    double DiscriminatorLearningRate = 2e-4,
    double Beta1 = 0.5,
    double Beta2 = 0.999,
    double GradientPenaltyWeight = 10,
    double R1Gamma = 0,
    double EmaDecay = 0,
    int SnapshotCount = 64,
    int Seed = 0)
{
    public static GanTrainingOptions For(GanLoss loss) => GanLossDefinition.Of(loss).Defaults;
}

/// <summary>
/// Alternating GAN updates for the <see cref="Trainer"/>. One step:
/// <list type="number">
/// <item><see cref="GanTrainingOptions.CriticSteps"/> times: draw real x (and labels y), fake
/// x̃ = G(z, y) with G frozen (detached), minimise L_D(D(x), D(x̃)) [+ penalty] over D.</item>
/// <item>Draw z, minimise L_G(D(G(z, y))) over G (D's parameters receive gradients but are not stepped).</item>
/// <item>Optionally update the EMA generator: θ_ema ← β_t·θ_ema + (1 − β_t)·θ with the warm-up
/// β_t = min(β, (1 + t)/(10 + t)), so that a short run's average is not dominated by its first, untrained weights.</item>
/// </list>
/// Recorded: loss_d, loss_g, d_real and d_fake (mean D(x), D(G(z)) as probabilities for the
/// minimax and non-saturating losses, mean raw scores otherwise), penalty, grad_norm_d, grad_norm_g.
/// </summary>
public sealed class GanTrainable : ITrainable, IDisposable
{
    readonly GanTrainingOptions options;
    readonly GanLossDefinition lossDefinition;
    readonly Adam optimizerG, optimizerD;
    readonly Tensor fixedNoise;
    readonly Tensor? fixedLabels;

    public GanGenerator Generator { get; }
    public GanDiscriminator Discriminator { get; }
    /// <summary>The exponential moving average of the generator's weights, when EmaDecay &gt; 0.</summary>
    public GanGenerator? EmaGenerator { get; }

    public GanTrainable(Func<GanGenerator> createGenerator, Func<GanDiscriminator> createDiscriminator,
        GanTrainingOptions options, Device? device = null)
    {
        this.options = options;
        lossDefinition = GanLossDefinition.Of(options.Loss);
        device ??= CPU;
        Generator = createGenerator();
        Generator.to(device);
        Discriminator = createDiscriminator();
        Discriminator.to(device);
        if (options.CriticSteps < 1) throw new ArgumentException($"critic steps {options.CriticSteps}: must be ≥ 1.");
        optimizerG = optim.Adam(Generator.parameters(), options.GeneratorLearningRate, options.Beta1, options.Beta2);
        optimizerD = optim.Adam(Discriminator.parameters(), options.DiscriminatorLearningRate, options.Beta1, options.Beta2);
        if (options.EmaDecay > 0)
        {
            EmaGenerator = createGenerator();
            EmaGenerator.to(device);
            CopyWeights(Generator, EmaGenerator);
            foreach (var p in EmaGenerator.parameters()) p.requires_grad_(false);
        }
        // Fixed noise for snapshots comes from its own generator: the training stream is unaffected.
        using var noiseGenerator = new torch.Generator((ulong)options.Seed + 12_345);
        fixedNoise = randn(new long[] { options.SnapshotCount, Generator.LatentSize }, generator: noiseGenerator).to(device);
        fixedLabels = ClassBalance.CyclicLabels(options.SnapshotCount, Generator.ClassCount, device);
    }

    public IReadOnlyDictionary<string, nn.Module> Modules => EmaGenerator is null
        ? new Dictionary<string, nn.Module> { ["generator"] = Generator, ["discriminator"] = Discriminator }
        : new Dictionary<string, nn.Module> { ["generator"] = Generator, ["discriminator"] = Discriminator, ["generator_ema"] = EmaGenerator };

    public IReadOnlyDictionary<string, OptimizerHelper> Optimizers =>
        new Dictionary<string, OptimizerHelper> { ["generator"] = optimizerG, ["discriminator"] = optimizerD };

    public IReadOnlyDictionary<string, double> Step(IBatchSource data, long step)
    {
        Tensor lossD = null!, realOut = null!, fakeOut = null!, penalty = zeros(1);
        double gradNormD = 0;
        Tensor? labels = null;
        for (int i = 0; i < options.CriticSteps; i++)
        {
            var batch = data.Next();
            labels = Discriminator.ClassCount > 0 ? batch.Labels : null;
            var fake = Generator.forward(Generator.SampleLatent((int)batch.Images.shape[0]), Generator.ClassCount > 0 ? batch.Labels : null).detach();
            realOut = Discriminator.forward(batch.Images, labels);
            fakeOut = Discriminator.forward(fake, labels);
            lossD = DiscriminatorLoss(realOut, fakeOut);
            penalty = Penalty(batch.Images, fake, labels);
            optimizerD.zero_grad();
            (lossD + penalty).backward();
            gradNormD = GradientNorm(Discriminator);
            optimizerD.step();
        }

        var z = Generator.SampleLatent((int)realOut.shape[0]);
        var generatorLabels = Generator.ClassCount > 0 ? labels : null;
        var lossG = GeneratorLoss(Discriminator.forward(Generator.forward(z, generatorLabels), labels));
        optimizerG.zero_grad();
        lossG.backward();
        double gradNormG = GradientNorm(Generator);
        optimizerG.step();
        if (EmaGenerator is not null) UpdateEma(Math.Min(options.EmaDecay, (1.0 + step) / (10.0 + step)));

        return new Dictionary<string, double>
        {
            ["loss_d"] = lossD.item<float>(),
            ["loss_g"] = lossG.item<float>(),
            ["d_real"] = ReportedD(realOut),
            ["d_fake"] = ReportedD(fakeOut),
            ["penalty"] = penalty.item<float>(),
            ["grad_norm_d"] = gradNormD,
            ["grad_norm_g"] = gradNormG,
        };
    }

    Tensor DiscriminatorLoss(Tensor real, Tensor fake) => lossDefinition.Discriminator(real, fake);

    Tensor GeneratorLoss(Tensor fake) => lossDefinition.Generator(fake);

    Tensor Penalty(Tensor real, Tensor fake, Tensor? labels)
    {
        Tensor Critic(Tensor x) => Discriminator.forward(x, labels);
        var penalty = zeros(1, device: real.device);
        if (lossDefinition.GradientPenalty) penalty = penalty + AdversarialLosses.GradientPenalty(Critic, real, fake, options.GradientPenaltyWeight);
        if (options.R1Gamma > 0) penalty = penalty + AdversarialLosses.R1Penalty(Critic, real, options.R1Gamma);
        return penalty.sum();
    }

    double ReportedD(Tensor outputs) => lossDefinition.OutputsAreLogits
        ? sigmoid(outputs.detach()).mean().item<float>()
        : outputs.detach().mean().item<float>();

    /// <summary>‖∇θ L‖₂ over all parameters of <paramref name="module"/> (0 when none has a gradient): the
    /// grad_norm_g / grad_norm_d columns of a GAN run's history, and notebook 07's proof that the printed −d_loss sends
    /// no gradient to G.</summary>
    public static double GradientNorm(nn.Module module)
    {
        var grads = module.parameters().Where(p => p.grad is not null).Select(p => p.grad!.square().sum()).ToList();
        return grads.Count == 0 ? 0 : Math.Sqrt(stack(grads).sum().item<float>());
    }

    void UpdateEma(double decay)
    {
        using var noGrad = no_grad();
        foreach (var (ema, live) in EmaGenerator!.parameters().Zip(Generator.parameters()))
            ema.mul_(decay).add_(live, alpha: 1 - decay);
        foreach (var (ema, live) in EmaGenerator.buffers().Zip(Generator.buffers()))
            ema.copy_(live);
    }

    static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        foreach (var (target, source) in to.parameters().Zip(from.parameters())) target.copy_(source);
        foreach (var (target, source) in to.buffers().Zip(from.buffers())) target.copy_(source);
    }

    /// <summary>Samples from the fixed noise (and cycling labels), from the EMA generator when there is one.</summary>
    public ImageGrid? Snapshot()
    {
        var g = EmaGenerator ?? Generator;
        var samples = g.forward(fixedNoise, fixedLabels);
        return samples.dim() == 4 ? ImageGrid.FromSigned(samples, columns: (int)Math.Ceiling(Math.Sqrt(options.SnapshotCount))) : null;
    }

    public void Dispose()
    {
        optimizerG.Dispose();
        optimizerD.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
        EmaGenerator?.Dispose();
        fixedNoise.Dispose();
        fixedLabels?.Dispose();
    }
}
