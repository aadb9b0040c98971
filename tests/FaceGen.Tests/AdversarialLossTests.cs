using FaceGen.Losses;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class AdversarialLossTests
{
    // Fixed logits: real ℓ = [2, −1], fake ℓ = [0, 3]. σ(2)=0.880797, σ(−1)=0.268941, σ(0)=0.5, σ(3)=0.952574.
    static readonly double[] Real = { 2, -1 }, Fake = { 0, 3 };
    static double Sigmoid(double l) => 1 / (1 + Math.Exp(-l));
    static double Mean(IEnumerable<double> v) => v.Average();

    public AdversarialLossTests() => TorchRuntime.EnsureInitialized();

    static Tensor T(double[] v, bool grad = false) => tensor(v, dtype: ScalarType.Float64).requires_grad_(grad);

    [Fact]
    public void EveryLossEqualsItsHandComputedValue()
    {
        double minimaxD = Mean(Real.Select(l => -Math.Log(Sigmoid(l)))) + Mean(Fake.Select(l => -Math.Log(1 - Sigmoid(l))));
        Assert.Equal(minimaxD, AdversarialLosses.MinimaxDiscriminator(T(Real), T(Fake)).item<double>(), 10);
        Assert.Equal(Mean(Fake.Select(l => Math.Log(Sigmoid(l)))), AdversarialLosses.TutorialGeneratorObjective(T(Fake)).item<double>(), 10);
        Assert.Equal(Mean(Fake.Select(l => Math.Log(1 - Sigmoid(l)))), AdversarialLosses.SaturatingGenerator(T(Fake)).item<double>(), 10);
        Assert.Equal(Mean(Fake.Select(l => -Math.Log(Sigmoid(l)))), AdversarialLosses.NonSaturatingGenerator(T(Fake)).item<double>(), 10);
        // Hinge: mean(max(0, 1 − [2, −1])) = (0 + 2)/2 = 1; mean(max(0, 1 + [0, 3])) = (1 + 4)/2 = 2.5.
        Assert.Equal(3.5, AdversarialLosses.HingeDiscriminator(T(Real), T(Fake)).item<double>(), 10);
        Assert.Equal(-1.5, AdversarialLosses.CriticGenerator(T(Fake)).item<double>(), 10);
        // Wasserstein: mean(fake) − mean(real) = 1.5 − 0.5 = 1.
        Assert.Equal(1.0, AdversarialLosses.WassersteinCritic(T(Real), T(Fake)).item<double>(), 10);
        // LSGAN: ½·mean([1, 4]) + ½·mean([0, 9]) = 1.25 + 2.25 = 3.5; G: ½·mean([1, 4]) = 1.25.
        Assert.Equal(3.5, AdversarialLosses.LeastSquaresDiscriminator(T(Real), T(Fake)).item<double>(), 10);
        Assert.Equal(1.25, AdversarialLosses.LeastSquaresGenerator(T(Fake)).item<double>(), 10);
    }

    [Fact]
    public void GradientsWithRespectToLogitsAreTheAnalyticOnes()
    {
        // ∂/∂ℓ of mean softplus(−ℓ) = (σ(ℓ) − 1)/n; of mean softplus(ℓ) = σ(ℓ)/n.
        var r = T(Real, grad: true); var f = T(Fake, grad: true);
        AdversarialLosses.MinimaxDiscriminator(r, f).backward();
        Assert.Equal(Real.Select(l => (Sigmoid(l) - 1) / 2), r.grad!.data<double>().ToArray(), new Tol(1e-12));
        Assert.Equal(Fake.Select(l => Sigmoid(l) / 2), f.grad!.data<double>().ToArray(), new Tol(1e-12));

        f = T(Fake, grad: true);
        AdversarialLosses.NonSaturatingGenerator(f).backward();
        Assert.Equal(Fake.Select(l => (Sigmoid(l) - 1) / 2), f.grad!.data<double>().ToArray(), new Tol(1e-12));

        f = T(Fake, grad: true);
        AdversarialLosses.SaturatingGenerator(f).backward();
        Assert.Equal(Fake.Select(l => -Sigmoid(l) / 2), f.grad!.data<double>().ToArray(), new Tol(1e-12));

        // Hinge D: −1/n where 1 − ℓ > 0 for reals, +1/n where 1 + ℓ > 0 for fakes.
        r = T(Real, grad: true); f = T(Fake, grad: true);
        AdversarialLosses.HingeDiscriminator(r, f).backward();
        Assert.Equal(new[] { 0.0, -0.5 }, r.grad!.data<double>().ToArray());
        Assert.Equal(new[] { 0.5, 0.5 }, f.grad!.data<double>().ToArray());

        // LSGAN G: (ℓ − 1)/n.
        f = T(Fake, grad: true);
        AdversarialLosses.LeastSquaresGenerator(f).backward();
        Assert.Equal(new[] { -0.5, 1.0 }, f.grad!.data<double>().ToArray());
    }

    [Fact]
    public void ProbabilityAndLogitFormsAgree()
    {
        var pr = sigmoid(T(Real)); var pf = sigmoid(T(Fake));
        Assert.Equal(AdversarialLosses.MinimaxDiscriminator(T(Real), T(Fake)).item<double>(),
            AdversarialLosses.MinimaxDiscriminatorFromProbabilities(pr, pf).item<double>(), 10);
        Assert.Equal(AdversarialLosses.NonSaturatingGenerator(T(Fake)).item<double>(),
            AdversarialLosses.NonSaturatingGeneratorFromProbabilities(pf).item<double>(), 10);
        Assert.Equal(AdversarialLosses.SaturatingGenerator(T(Fake)).item<double>(),
            AdversarialLosses.SaturatingGeneratorFromProbabilities(pf).item<double>(), 10);
    }

    [Fact]
    public void SaturatingGradientVanishesWhenFakesAreConfidentlyRejectedButNonSaturatingDoesNot()
    {
        // D rejects the fake with ℓ = −10 (D(G(z)) ≈ 4.5e−5), in float32 as in training.
        var f = tensor(new float[] { -10f }).requires_grad_(true);
        AdversarialLosses.SaturatingGenerator(f).backward();
        float saturating = f.grad!.item<float>();
        f = tensor(new float[] { -10f }).requires_grad_(true);
        AdversarialLosses.NonSaturatingGenerator(f).backward();
        float nonSaturating = f.grad!.item<float>();
        Assert.InRange(Math.Abs(saturating), 0, 1e-4);          // −σ(−10) = −4.54e−5
        Assert.InRange(nonSaturating, -1.0001f, -0.9999f);      // σ(−10) − 1 ≈ −0.99995
        // The logit forms stay finite where the probability forms overflow: ℓ = 40 gives p = 1 in float32.
        var big = tensor(new float[] { 40f });
        Assert.True(float.IsFinite(AdversarialLosses.MinimaxDiscriminator(-big, big).item<float>()));
        Assert.True(float.IsInfinity(AdversarialLosses.MinimaxDiscriminatorFromProbabilities(sigmoid(-big), sigmoid(big)).item<float>()));
    }

    [Fact]
    public void GradientPenaltyIsZeroForAOneLipschitzLinearCriticAndExactOtherwise()
    {
        manual_seed(1);
        var real = randn(8, 3, dtype: ScalarType.Float64);
        var fake = randn(8, 3, dtype: ScalarType.Float64);
        // D(x) = w·x has ∇ₓD = w everywhere: penalty = λ(‖w‖ − 1)², R1 = γ/2·‖w‖².
        var unit = tensor(new double[] { 0.6, 0.8, 0.0 });
        Assert.Equal(0.0, AdversarialLosses.GradientPenalty(x => x.matmul(unit), real, fake).item<double>(), 12);
        var w = tensor(new double[] { 1, 2, 2 }); // ‖w‖ = 3
        Assert.Equal(10 * 4.0, AdversarialLosses.GradientPenalty(x => x.matmul(w), real, fake, lambda: 10).item<double>(), 9);
        Assert.Equal(5 * 9.0, AdversarialLosses.R1Penalty(x => x.matmul(w), real, gamma: 10).item<double>(), 9);

        // The penalty trains the critic: its gradient with respect to w is λ·2(‖w‖ − 1)·w/‖w‖.
        var wg = tensor(new double[] { 1, 2, 2 }).requires_grad_(true);
        AdversarialLosses.GradientPenalty(x => x.matmul(wg), real, fake, lambda: 10).backward();
        Assert.Equal(new[] { 1, 2, 2 }.Select(v => 10 * 2 * 2.0 * v / 3), wg.grad!.data<double>().ToArray(), new Tol(1e-9));
    }

    [Fact]
    public void GradientPenaltyOfANonlinearCriticCanBeBackpropagatedWithTheCriticLoss()
    {
        // Regression: TorchSharp's autograd.grad frees the graph unless retain_graph is set with create_graph.
        manual_seed(4);
        using var critic = FaceGen.Models.GanArchitecture.Mlp(2, 16, 1, 2, () => nn.Tanh());
        var real = randn(16, 2); var fake = randn(16, 2);
        var loss = AdversarialLosses.WassersteinCritic(critic.forward(real), critic.forward(fake))
                   + AdversarialLosses.GradientPenalty(x => critic.forward(x), real, fake);
        loss.backward();
        Assert.All(critic.parameters(), p => Assert.True(p.grad is not null && float.IsFinite(p.grad.abs().sum().item<float>())));
    }

    sealed class Tol(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
