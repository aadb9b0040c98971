using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Losses;

/// <summary>
/// The discriminator that maximises the minimax value for a fixed generator, and the value it attains (tutorial §3.1.4,
/// Goodfellow et al. 2014): for densities p_data and p_g,
/// D*(x) = p_data(x) / (p_data(x) + p_g(x)), and V(D*, G) = −log 4 + 2·JSD(p_data ‖ p_g).
/// Derived and checked in notebooks/03-gan-training-and-losses ("The optimal discriminator") and
/// notebooks/12-faq ("Q3 · The formulas"). Everything works on log densities sampled on a uniform grid of step
/// <c>dx</c> (float64 recommended), so that far tails do not underflow; integrals use the trapezoid rule.
/// </summary>
public static class OptimalDiscriminator
{
    /// <summary>The logit of D*: ℓ*(x) = log p_data(x) − log p_g(x), since D* = p_data / (p_data + p_g) = σ(ℓ*).</summary>
    public static Tensor Logit(Tensor logPData, Tensor logPG) => logPData - logPG;

    /// <summary>D*(x) = p_data(x) / (p_data(x) + p_g(x)) = σ(log p_data − log p_g), elementwise.</summary>
    public static Tensor Of(Tensor logPData, Tensor logPG) => torch.sigmoid(Logit(logPData, logPG));

    /// <summary>The GAN value of a discriminator given by its logits ℓ on the grid:
    /// V(D, G) = ∫ p_data log D + p_g log(1 − D) dx, with log D = −softplus(−ℓ) and log(1 − D) = −softplus(ℓ).
    /// It is −L_D of <see cref="AdversarialLosses.MinimaxDiscriminator"/> in expectation. Without
    /// <paramref name="logits"/>: the value at D* (<see cref="Logit"/>), which equals −log 4 + 2·JSD.</summary>
    public static double Value(Tensor logPData, Tensor logPG, double dx, Tensor? logits = null)
    {
        using var scope = NewDisposeScope();
        var l = logits ?? Logit(logPData, logPG);
        // p_data·log D + p_g·log(1 − D), each log in its stable logit form
        var integrand = -(logPData.exp() * softplus(-l) + logPG.exp() * softplus(l));
        return Trapezoid(integrand, dx);
    }

    /// <summary>Jensen–Shannon divergence JSD(p ‖ q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q)/2, in nats (0 ≤ JSD ≤ log 2);
    /// log m = logaddexp(log p, log q) − log 2.</summary>
    public static double JensenShannon(Tensor logP, Tensor logQ, double dx)
    {
        using var scope = NewDisposeScope();
        var logM = logaddexp(logP, logQ) - Math.Log(2);
        var integrand = 0.5 * (logP.exp() * (logP - logM) + logQ.exp() * (logQ - logM));
        return Trapezoid(integrand, dx);
    }

    /// <summary>∫ f dx on a uniform grid: dx·(Σ f − (f₀ + f_last)/2).</summary>
    static double Trapezoid(Tensor f, double dx) => ((f.sum() - (f[0] + f[-1]) / 2) * dx).item<double>();
}
