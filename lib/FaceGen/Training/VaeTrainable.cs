using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>
/// VAE training for the <see cref="Trainer"/> (tutorial §3.2.2, stated correctly: there is one objective,
/// the ELBO, maximised jointly over encoder φ and decoder θ by gradient ascent — not separate
/// "maximisation" and "minimisation" steps). One step: draw x, z = μ + σ·ε, minimise
/// −mean(log p_θ(x|z) − β_t·KL(q_φ(z|x) ‖ N(0, I))), with β_t from the warm-up schedule.
/// Recorded: loss, elbo (β = 1, nats per image), reconstruction (log-likelihood), kl, beta, grad_norm.
/// </summary>
public sealed class VaeTrainable : ITrainable, IDisposable
{
    readonly ReconstructionLikelihood likelihood;
    readonly KlWarmup warmup;
    readonly Adam optimizer;
    readonly Tensor snapshotImages;
    readonly Tensor? snapshotLabels;
    readonly Tensor snapshotNoise;

    public Vae Model { get; }

    public VaeTrainable(Vae model, ReconstructionLikelihood likelihood, KlWarmup warmup, double learningRate,
        Tensor snapshotImages, Tensor? snapshotLabels, int seed, Device? device = null)
    {
        device ??= CPU;
        Model = model;
        Model.to(device);
        this.likelihood = likelihood;
        this.warmup = warmup;
        optimizer = optim.Adam(Model.parameters(), learningRate);
        this.snapshotImages = snapshotImages.to(device);
        this.snapshotLabels = snapshotLabels?.to(device);
        using var noise = new torch.Generator((ulong)seed + 12_345);
        snapshotNoise = Model.SampleLatent((int)snapshotImages.shape[0], noise).to(device);
    }

    public IReadOnlyDictionary<string, nn.Module> Modules => new Dictionary<string, nn.Module> { ["vae"] = Model };

    public IReadOnlyDictionary<string, OptimizerHelper> Optimizers => new Dictionary<string, OptimizerHelper> { ["vae"] = optimizer };

    public IReadOnlyDictionary<string, double> Step(IBatchSource data, long step)
    {
        var batch = data.Next();
        var labels = Model.ClassCount > 0 ? batch.Labels : null;
        double beta = warmup.BetaAt(step);
        var (terms, _) = Elbo.Evaluate(Model, likelihood, batch.Images, labels, beta);
        optimizer.zero_grad();
        terms.Loss.backward();
        var gradients = Model.parameters().Where(p => p.grad is not null).Select(p => p.grad!.square().sum()).ToList();
        double gradNorm = Math.Sqrt(stack(gradients).sum().item<float>());
        optimizer.step();
        return new Dictionary<string, double>
        {
            ["loss"] = terms.Loss.item<float>(),
            ["elbo"] = terms.PerImage.mean().item<float>(),
            ["reconstruction"] = terms.ReconstructionLogLikelihood.mean().item<float>(),
            ["kl"] = terms.Kl.mean().item<float>(),
            ["beta"] = beta,
            ["grad_norm"] = gradNorm,
        };
    }

    /// <summary>Rows: the fixed originals, their reconstructions (decoder means at z = μ), then prior samples.</summary>
    public ImageGrid? Snapshot()
    {
        var (mu, _) = Model.Encode(snapshotImages, snapshotLabels);
        var reconstructions = likelihood.Mean(Model.Decode(mu, snapshotLabels));
        var samples = likelihood.Mean(Model.Decode(snapshotNoise, snapshotLabels));
        var shape = snapshotImages.shape;
        var rows = cat(new[] { snapshotImages, reconstructions.view(shape), samples.view(shape) }, 0);
        return ImageGrid.FromUnit(rows, columns: (int)shape[0]).WithCaption("originals / reconstructions / prior samples");
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Model.Dispose();
        snapshotImages.Dispose();
        snapshotLabels?.Dispose();
        snapshotNoise.Dispose();
    }
}
