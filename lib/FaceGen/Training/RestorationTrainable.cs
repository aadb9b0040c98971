using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Restoration;
using FaceGen.Runtime;
using FaceGen.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>The generative restorers: a U-Net trained on a reconstruction loss alone, the same U-Net with an
/// adversarial term (context-encoder / pix2pix style), and a conv VAE that encodes the degraded face and decodes the clean one.</summary>
public enum RestorerKind { UNet, UNetGan, Vae }

/// <summary>Settings of a restoration run. Reconstruction loss: L1 for super-resolution and denoising, L2 over the hole
/// for inpainting (Pathak et al. 2016). <c>AdversarialWeight</c> λ applies to <see cref="RestorerKind.UNetGan"/>.
/// Noise σ is drawn per image from <c>NoiseSigmas</c>; masks cycle over <c>Masks</c> (all kinds when null).</summary>
public sealed record RestorationOptions(
    RestorationTask Task,
    RestorerKind Kind = RestorerKind.UNetGan,
    double[]? NoiseSigmas = null,
    MaskKind[]? Masks = null,
    double AdversarialWeight = 0.01,
    double LearningRate = 2e-4,
    int Width = 32,
    int LatentSize = 64,
    double Beta = 1.0,
    int Seed = 0)
{
    /// <summary>σ for denoising when none are given: a mix of light, medium and heavy noise.</summary>
    public double[] Sigmas => NoiseSigmas is { Length: > 0 } s ? s : [0.05, 0.1, 0.2];
}

/// <summary>
/// One restoration training step for the <see cref="Trainer"/>: draw clean faces x in [0, 1], degrade them with a
/// generator seeded by (seed, step) — so a resumed run sees the same degradations — then
/// <list type="bullet">
/// <item>U-Net: x̂ = f(x̃, m) (composited with the known pixels for inpainting); minimise L_rec(x̂, x)
/// [+ λ·softplus(−D(x̂)), after a discriminator step on D(x) vs D(x̂) with the minimax loss];</item>
/// <item>VAE: (μ, log σ²) = enc(x̃), z = μ + σ·ε, maximise log p(x | z) − β·KL(q(z | x̃) ‖ N(0, I)), Bernoulli decoder.</item>
/// </list>
/// Recorded: loss, reconstruction (the L1/L2 or −log p), adversarial, loss_d, kl.
/// </summary>
public sealed class RestorationTrainable : ITrainable, IDisposable
{
    readonly RestorationOptions options;
    readonly Adam optimizer;
    readonly Adam? optimizerD;
    readonly Tensor snapshotClean;

    /// <summary>The U-Net (null for the VAE restorer).</summary>
    public RestorationNet? Net { get; }
    /// <summary>The VAE restorer (null for the U-Nets).</summary>
    public ConvVae? Vae { get; }
    /// <summary>The discriminator of <see cref="RestorerKind.UNetGan"/>.</summary>
    public DcganDiscriminator? Discriminator { get; }

    public RestorationTrainable(RestorationOptions options, int imageSize, int channels, Tensor snapshotClean, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        device ??= CPU;
        this.options = options;
        if (options.Kind == RestorerKind.Vae)
        {
            Vae = new ConvVae(imageSize, channels, options.LatentSize, options.Width);
            Vae.to(device);
            optimizer = optim.Adam(Vae.parameters(), options.LearningRate);
        }
        else
        {
            Net = new RestorationNet(channels, options.Width);
            Net.to(device);
            optimizer = optim.Adam(Net.parameters(), options.LearningRate, 0.5, 0.999);
        }
        if (options.Kind == RestorerKind.UNetGan)
        {
            Discriminator = new DcganDiscriminator(imageSize, channels, options.Width);
            Discriminator.to(device);
            optimizerD = optim.Adam(Discriminator.parameters(), options.LearningRate, 0.5, 0.999);
        }
        this.snapshotClean = snapshotClean.to(device);
    }

    public IReadOnlyDictionary<string, nn.Module> Modules
    {
        get
        {
            var modules = new Dictionary<string, nn.Module>();
            if (Net is not null) modules["restorer"] = Net;
            if (Vae is not null) modules["restorer"] = Vae;
            if (Discriminator is not null) modules["discriminator"] = Discriminator;
            return modules;
        }
    }

    public IReadOnlyDictionary<string, OptimizerHelper> Optimizers => optimizerD is null
        ? new Dictionary<string, OptimizerHelper> { ["restorer"] = optimizer }
        : new Dictionary<string, OptimizerHelper> { ["restorer"] = optimizer, ["discriminator"] = optimizerD };

    /// <summary>Degrades <paramref name="clean"/> as step <paramref name="step"/> does (same seed, same result).</summary>
    public DegradedBatch Degrade(Tensor clean, long step)
    {
        using var generator = Seeding.Generator(options.Seed * 1_000_003L + step);
        return Degradations.Degrade(options.Task, clean, generator, options.Sigmas, options.Masks);
    }

    /// <summary>The restored faces in [0, 1] (decoder mean at z = μ for the VAE); known pixels kept exactly when inpainting.</summary>
    public Tensor Restore(Tensor degraded, Tensor known)
    {
        var restored = Vae is not null
            ? ReconstructionLikelihood.Bernoulli.Mean(Vae.Decode(Vae.Encode(degraded).Mu))
            : Net!.call(degraded, known).clamp(0, 1);
        return options.Task == RestorationTask.Inpaint ? Degradations.Composite(restored, degraded, known) : restored;
    }

    public IReadOnlyDictionary<string, double> Step(IBatchSource data, long step)
    {
        var clean = data.Next().Images;
        var (degraded, known) = Degrade(clean, step);
        return Vae is not null ? VaeStep(clean, degraded) : UNetStep(clean, degraded, known);
    }

    IReadOnlyDictionary<string, double> UNetStep(Tensor clean, Tensor degraded, Tensor known)
    {
        var restored = Net!.call(degraded, known);
        if (options.Task == RestorationTask.Inpaint) restored = Degradations.Composite(restored, clean, known);
        double lossD = 0;
        Tensor adversarial = zeros(1);
        if (Discriminator is not null)
        {
            // D sees images in [−1, 1], like every discriminator of the kit.
            var d = AdversarialLosses.MinimaxDiscriminator(Discriminator.forward(2 * clean - 1, null), Discriminator.forward(2 * restored.detach() - 1, null));
            optimizerD!.zero_grad();
            d.backward();
            optimizerD.step();
            lossD = d.item<float>();
            adversarial = AdversarialLosses.NonSaturatingGenerator(Discriminator.forward(2 * restored - 1, null));
        }
        var reconstruction = Reconstruction(restored, clean, known);
        var loss = reconstruction + options.AdversarialWeight * adversarial;
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        return new Dictionary<string, double>
        {
            ["loss"] = loss.item<float>(),
            ["reconstruction"] = reconstruction.item<float>(),
            ["adversarial"] = adversarial.item<float>(),
            ["loss_d"] = lossD,
        };
    }

    IReadOnlyDictionary<string, double> VaeStep(Tensor clean, Tensor degraded)
    {
        var (mu, logVar) = Vae!.Encode(degraded);
        var decoding = Vae.Decode(Reparameterization.Sample(mu, logVar));
        var terms = new ElboTerms(ReconstructionLikelihood.Bernoulli.LogProbability(clean, decoding), KlDivergence.ClosedForm(mu, logVar), options.Beta);
        optimizer.zero_grad();
        terms.Loss.backward();
        optimizer.step();
        return new Dictionary<string, double>
        {
            ["loss"] = terms.Loss.item<float>(),
            ["reconstruction"] = -terms.ReconstructionLogLikelihood.mean().item<float>(),
            ["kl"] = terms.Kl.mean().item<float>(),
        };
    }

    /// <summary>L1 = mean |x̂ − x| (super-resolution, denoising); L2 over the hole = Σ (1 − m)(x̂ − x)² / Σ (1 − m) per channel (inpainting).</summary>
    Tensor Reconstruction(Tensor restored, Tensor clean, Tensor known)
    {
        if (options.Task != RestorationTask.Inpaint) return (restored - clean).abs().mean();
        var hole = (1 - known).expand_as(clean);
        return ((restored - clean).square() * hole).sum() / hole.sum().clamp_min(1);
    }

    /// <summary>Rows: the fixed clean faces, their degraded versions (always the same), the restorations.</summary>
    public ImageGrid? Snapshot()
    {
        var (degraded, known) = Degrade(snapshotClean, step: 0);
        var restored = Restore(degraded, known);
        return ImageGrid.FromUnit(cat(new[] { snapshotClean, degraded, restored }, 0), columns: (int)snapshotClean.shape[0]);
    }

    public void Dispose()
    {
        foreach (var module in Modules.Values) module.Dispose();
        optimizer.Dispose();
        optimizerD?.Dispose();
        snapshotClean.Dispose();
    }
}
