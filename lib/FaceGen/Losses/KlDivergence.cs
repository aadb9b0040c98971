using FaceGen.Models;
using static TorchSharp.torch;

namespace FaceGen.Losses;

/// <summary>
/// The Kullback–Leibler divergence D_KL(q_φ(z|x) || p(z)) of the ELBO (tutorial §3.2.3) between the
/// encoder's diagonal Gaussian q = N(μ, diag σ²) and the prior p = N(0, I) — in closed form and as a
/// Monte-Carlo estimate — and the two log-densities both are built from. Latent tensors have the
/// latent dimension last; results are per image (the sum over that dimension).
/// Derived and checked in notebooks/05-vae-structure-and-elbo.
/// </summary>
public static class KlDivergence
{
    const double Log2Pi = 1.8378770664093453; // log(2π)

    /// <summary>Closed form (Kingma &amp; Welling 2014, appendix B):
    /// D_KL(N(μ, σ²) || N(0, I)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²). (N, D) → (N).</summary>
    public static Tensor ClosedForm(Tensor mu, Tensor logVar) =>
        // ½ Σ (μ² + σ² − 1 − log σ²)
        0.5 * (mu.square() + logVar.exp() - 1 - logVar).sum(-1);

    /// <summary>The Monte-Carlo terms log q(z|x) − log p(z) at given samples z (shape (K, N, D),
    /// or any shape that broadcasts against μ); their mean over samples estimates D_KL without bias.
    /// Returns z's shape without its last dimension, e.g. (K, N).</summary>
    public static Tensor MonteCarloTerms(Tensor mu, Tensor logVar, Tensor z) =>
        // log q(z|x) − log p(z)
        LogNormal(z, mu, logVar) - LogStandardNormal(z);

    /// <summary>Monte-Carlo estimate with K reparameterised samples per image:
    /// D_KL ≈ (1/K) Σ_k [log q(z_k|x) − log p(z_k)], z_k ~ q. (N, D) → (N).</summary>
    public static Tensor MonteCarlo(Tensor mu, Tensor logVar, int samples, Generator? generator = null) =>
        MonteCarloTerms(mu, logVar, Reparameterization.Sample(mu, logVar, samples, generator)).mean(new long[] { 0 });

    /// <summary>log N(z; μ, diag σ²) = Σ_j −½ [log 2π + log σ_j² + (z_j − μ_j)² / σ_j²], summed over the last dimension.</summary>
    public static Tensor LogNormal(Tensor z, Tensor mu, Tensor logVar) =>
        // −½ [log 2π + log σ² + (z − μ)² e^{−log σ²}]
        (-0.5 * (Log2Pi + logVar + (z - mu).square() * (-logVar).exp())).sum(-1);

    /// <summary>log N(z; 0, I) = Σ_j −½ [log 2π + z_j²], summed over the last dimension.</summary>
    public static Tensor LogStandardNormal(Tensor z) =>
        (-0.5 * (Log2Pi + z.square())).sum(-1);
}
