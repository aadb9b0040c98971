using FaceGen.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Losses;

/// <summary>How <see cref="Elbo.Evaluate"/> computes D_KL(q_φ(z|x) || p(z)).</summary>
public enum KlEstimator
{
    /// <summary>½ Σ (μ² + σ² − 1 − log σ²) (<see cref="KlDivergence.ClosedForm"/>), as pytorch/examples does.</summary>
    ClosedForm,
    /// <summary>log q(z|x) − log p(z) at the same z the reconstruction term used; the ELBO estimate is
    /// then log p(x, z) − log q(z|x), exact (zero variance) when q is the true posterior.</summary>
    MonteCarlo,
}

/// <summary>
/// The per-image terms of the (β-weighted) evidence lower bound, tutorial §3.2.3:
/// ELBO(x) = E_{z~q_φ(z|x)}[log p_θ(x|z)] − D_KL(q_φ(z|x) || p(z)) ≤ log p_θ(x), each estimated with
/// one z per image. The β-VAE (Higgins et al. 2017) maximises log p_θ(x|z) − β·D_KL instead;
/// β = 1 is the ELBO. All tensors have shape (N). Derived in notebooks/05-vae-structure-and-elbo.
/// </summary>
public sealed class ElboTerms
{
    /// <summary>Builds the terms from per-image log p_θ(x|z) and D_KL, both (N).</summary>
    public ElboTerms(Tensor reconstructionLogLikelihood, Tensor kl, double beta = 1.0)
    {
        if (!(beta >= 0) || double.IsInfinity(beta)) throw new ArgumentException($"β = {beta}: must be a finite number ≥ 0.");
        ReconstructionLogLikelihood = reconstructionLogLikelihood;
        Kl = kl;
        Beta = beta;
        // ELBO = log p(x|z) − D_KL
        PerImage = reconstructionLogLikelihood - kl;
        // β-VAE objective = log p(x|z) − β·D_KL
        Objective = beta == 1.0 ? PerImage : reconstructionLogLikelihood - beta * kl;
        Loss = -Objective.mean();
    }

    /// <summary>log p_θ(x|z) per image (nats); for Bernoulli it is −BCE summed over pixels.</summary>
    public Tensor ReconstructionLogLikelihood { get; }
    /// <summary>D_KL(q_φ(z|x) || p(z)) per image (nats).</summary>
    public Tensor Kl { get; }
    /// <summary>The KL weight β of the objective.</summary>
    public double Beta { get; }
    /// <summary>The ELBO per image, log p_θ(x|z) − D_KL (β = 1 whatever <see cref="Beta"/> is), in nats.
    /// −PerImage is pytorch/examples' per-image loss (BCE + KLD).</summary>
    public Tensor PerImage { get; }
    /// <summary>log p_θ(x|z) − β·D_KL per image: what training maximises.</summary>
    public Tensor Objective { get; }
    /// <summary>−mean(<see cref="Objective"/>): the scalar to minimise (use −Objective.sum() for
    /// pytorch/examples' batch-summed loss).</summary>
    public Tensor Loss { get; }
}

/// <summary>
/// KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): the KL weight ramps linearly from 0 to
/// <see cref="Beta"/> over <see cref="WarmupSteps"/> optimiser steps, β_t = β·min(1, t / N), then stays
/// at β. No warm-up (N = 0) gives β from the first step.
/// </summary>
public sealed record KlWarmup
{
    /// <summary>Final KL weight β ≥ 0 and warm-up length N ≥ 0 (steps).</summary>
    public KlWarmup(double beta = 1.0, long warmupSteps = 0)
    {
        if (!(beta >= 0) || double.IsInfinity(beta)) throw new ArgumentException($"β = {beta}: must be a finite number ≥ 0.");
        if (warmupSteps < 0) throw new ArgumentException($"KL warm-up steps = {warmupSteps}: must be ≥ 0.");
        Beta = beta;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The KL weight after warm-up.</summary>
    public double Beta { get; }
    /// <summary>Number of steps over which β ramps from 0.</summary>
    public long WarmupSteps { get; }

    /// <summary>β_t = β·min(1, t / N) for the step t = 0, 1, … (the number of steps already taken).</summary>
    public double BetaAt(long step) =>
        WarmupSteps == 0 ? Beta : Beta * Math.Clamp(step / (double)WarmupSteps, 0.0, 1.0);
}

/// <summary>An importance-sampled estimate of log p_θ(x) per image with K samples, in nats and bits per
/// dimension; see <see cref="Elbo.EstimateLogLikelihood"/>. Tensors have shape (N).</summary>
public sealed record LogLikelihoodEstimate(Tensor Nats, Tensor BitsPerDimension, int Samples, long Dimensions, double? BinWidth)
{
    /// <summary>Mean log p(x) over the images, nats per image.</summary>
    public double MeanNats => Nats.mean().ToDouble();
    /// <summary>Mean bits per dimension over the images.</summary>
    public double MeanBitsPerDimension => BitsPerDimension.mean().ToDouble();
}

/// <summary>
/// The evidence lower bound and the bounds and estimates built on it (tutorial §3.2.3):
/// the ELBO with β, the importance-weighted bound (IWAE, Burda et al. 2016)
/// L_K(x) = E[log (1/K) Σ_k p_θ(x, z_k)/q_φ(z_k|x)], z_k ~ q_φ(z|x), with
/// ELBO = L_1 ≤ L_K ≤ L_{K+1} ≤ log p_θ(x) and L_K → log p_θ(x) as K → ∞, and the importance-sampled
/// estimate of log p_θ(x) in nats and bits per dimension. Derived in notebooks/05-vae-structure-and-elbo.
/// </summary>
public static class Elbo
{
    /// <summary>One forward pass (one z per image) and its <see cref="ElboTerms"/>.</summary>
    public static (ElboTerms Terms, VaeOutput Output) Evaluate(Vae model, ReconstructionLikelihood likelihood, Tensor x,
        Tensor? labels = null, double beta = 1.0, KlEstimator kl = KlEstimator.ClosedForm, Generator? generator = null)
    {
        var output = model.forward(x, labels, generator);
        var reconstruction = likelihood.LogProbability(x, output.Decoding);
        var divergence = kl == KlEstimator.ClosedForm
            ? KlDivergence.ClosedForm(output.Mu, output.LogVar)
            : KlDivergence.MonteCarloTerms(output.Mu, output.LogVar, output.Z);
        return (new ElboTerms(reconstruction, divergence, beta), output);
    }

    /// <summary>
    /// Log importance weights log w_k = log p_θ(x|z_k) + log p(z_k) − log q_φ(z_k|x), z_k ~ q_φ(z|x),
    /// shape (K, N). The decoder runs on <paramref name="samplesPerPass"/> samples of every image at a
    /// time, to bound memory. The graph is kept (so the IWAE bound can be trained); wrap the call in
    /// no_grad() to evaluate.
    /// </summary>
    public static Tensor LogImportanceWeights(Vae model, ReconstructionLikelihood likelihood, Tensor x, Tensor? labels,
        int samples, Generator? generator = null, int samplesPerPass = 64)
    {
        if (samples < 1) throw new ArgumentException($"importance samples = {samples}: need at least one.");
        if (samplesPerPass < 1) throw new ArgumentException($"samples per pass = {samplesPerPass}: need at least one.");
        var (mu, logVar) = model.Encode(x, labels);
        long n = x.shape[0];
        var chunks = new List<Tensor>();
        for (int done = 0; done < samples; done += samplesPerPass)
        {
            using var scope = NewDisposeScope();
            int k = Math.Min(samplesPerPass, samples - done);
            var z = Reparameterization.Sample(mu, logVar, k, generator);                 // (k, N, D)
            var labelsK = labels?.repeat(k);                                              // matches z's (k, N) order
            var decoding = model.Decode(z.reshape(k * n, model.LatentSize), labelsK);
            var xK = x.unsqueeze(0).expand(Prepend(k, x.shape)).reshape(Prepend(k * n, x.shape[1..]));
            var logPxGivenZ = likelihood.LogProbability(xK, decoding).view(k, n);
            // log w = log p(x|z) + log p(z) − log q(z|x)
            var logW = logPxGivenZ + KlDivergence.LogStandardNormal(z) - KlDivergence.LogNormal(z, mu, logVar);
            chunks.Add(logW.MoveToOuterDisposeScope());
        }
        return chunks.Count == 1 ? chunks[0] : cat(chunks, 0);
    }

    /// <summary>The IWAE bound from log weights (K, N): L_K = log (1/K) Σ_k w_k = logsumexp_k(log w_k) − log K,
    /// per image (N). Log-sum-exp keeps it finite when the weights themselves under- or overflow.</summary>
    public static Tensor IwaeBound(Tensor logWeights) =>
        // log (1/K) Σ_k exp(log w_k) = logsumexp_k(log w_k) − log K
        logWeights.logsumexp(0) - Math.Log(logWeights.shape[0]);

    /// <summary>The IWAE bound L_K per image (N) with K = <paramref name="samples"/> samples.</summary>
    public static Tensor IwaeBound(Vae model, ReconstructionLikelihood likelihood, Tensor x, Tensor? labels,
        int samples, Generator? generator = null, int samplesPerPass = 64) =>
        IwaeBound(LogImportanceWeights(model, likelihood, x, labels, samples, generator, samplesPerPass));

    /// <summary>
    /// Importance-sampled estimate of log p_θ(x) (Rezende et al. 2014; Burda et al. 2016) with q_φ(z|x)
    /// as the proposal: log p(x) ≈ log (1/K) Σ_k p_θ(x|z_k) p(z_k) / q_φ(z_k|x). It is the IWAE bound
    /// L_K: a lower bound in expectation that tightens as K grows (K in the thousands is usual).
    /// Reported per image in nats and in bits per dimension (<see cref="BitsPerDimension"/>, with
    /// <paramref name="binWidth"/> as explained there). Runs without gradients.
    /// </summary>
    public static LogLikelihoodEstimate EstimateLogLikelihood(Vae model, ReconstructionLikelihood likelihood, Tensor x,
        Tensor? labels, int samples, double? binWidth = null, Generator? generator = null, int samplesPerPass = 64)
    {
        using var noGrad = no_grad();
        var nats = IwaeBound(model, likelihood, x, labels, samples, generator, samplesPerPass);
        long dimensions = x[0].numel();
        return new LogLikelihoodEstimate(nats, BitsPerDimension(nats, dimensions, binWidth), samples, dimensions, binWidth);
    }

    /// <summary>
    /// Bits per dimension: −(log p(x) + D·log Δ) / (D·ln 2) for a log-likelihood in nats and D dimensions.
    /// Δ (<paramref name="binWidth"/>) matters when the data are discrete but the model is a density:
    /// 8-bit pixels scaled by 1/255 (FaceDataset.ToUnitRange) fall in bins of width Δ = 1/255, and a
    /// density p(x) on [0, 1]^D gives each bin a probability of about p(x)·Δ^D; pass 1/255 to report
    /// bits per 8-bit dimension (published figures use Δ = 1/256 with uniform dequantisation, so compare
    /// only like with like). Leave it null (Δ = 1) when log p(x) already is a log-probability (a Bernoulli
    /// on binary data). A Bernoulli on grey levels in [0, 1] is not normalised over them, so its
    /// "bits/dim" is a figure of merit, not a code length.
    /// </summary>
    public static Tensor BitsPerDimension(Tensor logLikelihood, long dimensions, double? binWidth = null)
    {
        if (dimensions < 1) throw new ArgumentException($"dimensions = {dimensions}: must be ≥ 1.");
        if (binWidth is { } w && !(w > 0 && !double.IsInfinity(w))) throw new ArgumentException($"bin width = {w}: must be a positive finite number.");
        double logDelta = binWidth is { } delta ? Math.Log(delta) : 0.0;
        // −(log p(x) + D·log Δ) / (D·ln 2)
        return -(logLikelihood + dimensions * logDelta) / (dimensions * Math.Log(2.0));
    }

    static long[] Prepend(long first, long[] rest)
    {
        var shape = new long[rest.Length + 1];
        shape[0] = first;
        Array.Copy(rest, 0, shape, 1, rest.Length);
        return shape;
    }
}
