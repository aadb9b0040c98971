using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Losses;

/// <summary>
/// The GAN losses of tutorial §3.1.4 and the family used for ablations, all computed from the
/// discriminator's raw outputs (logits; for WGAN and hinge, critic scores) in numerically stable
/// forms. With D(x) = σ(ℓ): −log D = softplus(−ℓ) and −log(1 − D) = softplus(ℓ), exact for any ℓ.
/// Each method returns a scalar to be <em>minimised</em> by the player it belongs to, except
/// <see cref="TutorialGeneratorObjective"/>, kept exactly as the source prints it.
/// The minimax, saturating and non-saturating forms (and their probability-space versions) are derived and checked in
/// notebooks/03-gan-training-and-losses ("The losses computed three ways"); hinge, WGAN-GP and LSGAN are the remedies
/// compared in notebooks/04-gan-strengths-and-weaknesses ("remedies, measured with fixed seeds"), as each method says.
/// </summary>
public static class AdversarialLosses
{
    /// <summary>Discriminator loss of the minimax GAN (tutorial §3.1.4):
    /// L_D = −E_x[log D(x)] − E_z[log(1 − D(G(z)))].</summary>
    public static Tensor MinimaxDiscriminator(Tensor realLogits, Tensor fakeLogits) =>
        softplus(-realLogits).mean() + softplus(fakeLogits).mean();

    /// <summary>The generator objective exactly as the tutorial prints it: L_G = E_z[log D(G(z))],
    /// which its text says G <em>maximises</em>. Minimising it as written would make G worse; the
    /// minimax game's generator instead minimises <see cref="SaturatingGenerator"/>.
    /// log D = log σ(ℓ) = −softplus(−ℓ).</summary>
    public static Tensor TutorialGeneratorObjective(Tensor fakeLogits) => (-softplus(-fakeLogits)).mean();

    /// <summary>Generator loss of the minimax game (the other side of L_D):
    /// L_G = E_z[log(1 − D(G(z)))] = −E_z[softplus(ℓ)]. Its gradient vanishes when D confidently
    /// rejects fakes (ℓ → −∞): ∂L_G/∂ℓ = −σ(ℓ) → 0.</summary>
    public static Tensor SaturatingGenerator(Tensor fakeLogits) => (-softplus(fakeLogits)).mean();

    /// <summary>Non-saturating generator loss (Goodfellow et al. 2014, §3):
    /// L_G = −E_z[log D(G(z))] = E_z[softplus(−ℓ)]; ∂L_G/∂ℓ = σ(ℓ) − 1 → −1 when D rejects fakes.</summary>
    public static Tensor NonSaturatingGenerator(Tensor fakeLogits) => softplus(-fakeLogits).mean();

    /// <summary>Hinge discriminator loss: L_D = E_x[max(0, 1 − D(x))] + E_z[max(0, 1 + D(G(z)))].
    /// Compared in notebook 04 ("remedies, measured with fixed seeds").</summary>
    public static Tensor HingeDiscriminator(Tensor realScores, Tensor fakeScores) =>
        relu(1 - realScores).mean() + relu(1 + fakeScores).mean();

    /// <summary>Generator loss paired with hinge and Wasserstein critics: L_G = −E_z[D(G(z))] (notebook 04, remedies).</summary>
    public static Tensor CriticGenerator(Tensor fakeScores) => -fakeScores.mean();

    /// <summary>Wasserstein critic loss (WGAN): L_D = E_z[D(G(z))] − E_x[D(x)]; used with
    /// <see cref="GradientPenalty"/> (WGAN-GP). Compared in notebook 04 ("remedies, measured with fixed seeds").</summary>
    public static Tensor WassersteinCritic(Tensor realScores, Tensor fakeScores) =>
        fakeScores.mean() - realScores.mean();

    /// <summary>Least-squares discriminator loss (LSGAN, a = 0, b = c = 1):
    /// L_D = ½E_x[(D(x) − 1)²] + ½E_z[D(G(z))²]. Compared in notebook 04 ("remedies, measured with fixed seeds").</summary>
    public static Tensor LeastSquaresDiscriminator(Tensor realScores, Tensor fakeScores) =>
        0.5 * (realScores - 1).square().mean() + 0.5 * fakeScores.square().mean();

    /// <summary>Least-squares generator loss: L_G = ½E_z[(D(G(z)) − 1)²] (notebook 04, remedies).</summary>
    public static Tensor LeastSquaresGenerator(Tensor fakeScores) => 0.5 * (fakeScores - 1).square().mean();

    /// <summary>WGAN-GP penalty (Gulrajani et al. 2017): λ·E[(‖∇ₓ̂D(x̂)‖₂ − 1)²] at
    /// x̂ = εx + (1 − ε)G(z), ε ~ U[0, 1] per sample. The graph is kept so the penalty trains D. Used by notebook 04's
    /// WGAN-GP run; no notebook derives it.</summary>
    public static Tensor GradientPenalty(Func<Tensor, Tensor> critic, Tensor real, Tensor fake, double lambda = 10.0, Generator? generator = null)
    {
        var shape = new long[real.dim()];
        shape[0] = real.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        var epsilon = rand(shape, generator: generator, device: real.device, dtype: real.dtype);
        var mixed = (epsilon * real.detach() + (1 - epsilon) * fake.detach()).requires_grad_(true);
        var norms = InputGradientNorms(critic, mixed);
        return lambda * (norms - 1).square().mean();
    }

    /// <summary>R1 penalty (Mescheder et al. 2018): (γ/2)·E_x[‖∇ₓD(x)‖²] on real images (<c>facegen train gan --r1</c>;
    /// no notebook derives it).</summary>
    public static Tensor R1Penalty(Func<Tensor, Tensor> critic, Tensor real, double gamma = 10.0)
    {
        var x = real.detach().requires_grad_(true);
        var norms = InputGradientNorms(critic, x);
        return gamma / 2 * norms.square().mean();
    }

    /// <summary>‖∇ₓ D(x)‖₂ per sample, with the graph kept so a penalty on it can be trained. PyTorch's
    /// autograd.grad retains the graph whenever create_graph is set; TorchSharp's does not, so both are passed.</summary>
    static Tensor InputGradientNorms(Func<Tensor, Tensor> critic, Tensor x)
    {
        var scores = critic(x);
        var gradient = autograd.grad(new[] { scores.sum() }, new[] { x }, retain_graph: true, create_graph: true)[0];
        return gradient.flatten(1).norm(1);
    }

    /// <summary>Probability-space minimax discriminator loss, as notebooks teach it first:
    /// −mean(log p_real) − mean(log(1 − p_fake)). Unstable when p reaches 0 or 1: use
    /// <see cref="MinimaxDiscriminator"/> on logits in training.</summary>
    public static Tensor MinimaxDiscriminatorFromProbabilities(Tensor realProbabilities, Tensor fakeProbabilities) =>
        -realProbabilities.log().mean() - (1 - fakeProbabilities).log().mean();

    /// <summary>Probability-space non-saturating generator loss: −mean(log p_fake).</summary>
    public static Tensor NonSaturatingGeneratorFromProbabilities(Tensor fakeProbabilities) => -fakeProbabilities.log().mean();

    /// <summary>Probability-space saturating generator loss: mean(log(1 − p_fake)).</summary>
    public static Tensor SaturatingGeneratorFromProbabilities(Tensor fakeProbabilities) => (1 - fakeProbabilities).log().mean();
}
