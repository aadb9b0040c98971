using FaceGen.Losses;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class LinearGaussianVaeTests
{
    public LinearGaussianVaeTests() => TorchRuntime.EnsureInitialized();

    static Tensor T(params double[] v) => tensor(v, dtype: ScalarType.Float64);
    static double[] D(Tensor t) => t.detach().cpu().data<double>().ToArray();

    // D = 3, d = 2 with orthogonal columns (1, 2, 2) and (1, ½, −1): WᵀW = diag(9, 2.25).
    static LinearGaussianVae Orthogonal(double sigma = 0.5) =>
        new(tensor(new double[,] { { 1, 1 }, { 2, 0.5 }, { 2, -1 } }, dtype: ScalarType.Float64), T(0.5, -0.3, 0.2), sigma,
            zeros(2, 3, dtype: ScalarType.Float64), T(0, 0), T(0, 0));

    [Fact]
    public void OneDimensionalModelMatchesHandValues()
    {
        // W = 2, b = 1, σ = 1: x ~ N(1, 2² + 1 = 5); at x = 3, log p = −½ log(2π·5) − (3 − 1)²/(2·5) = −2.123657.
        // Posterior precision M = 1 + 4 = 5: mean 2·(3 − 1)/5 = 0.8, variance 0.2.
        using var model = new LinearGaussianVae(T(2).view(1, 1), T(1), 1.0, T(0).view(1, 1), T(0), T(0));
        var x = T(3).view(1, 1);
        Assert.Equal(-0.5 * Math.Log(2 * Math.PI * 5) - 0.4, D(model.LogMarginal(x))[0], 12);
        Assert.Equal(-2.123657, D(model.LogMarginal(x))[0], 6);
        var (mean, covariance) = model.ExactPosterior(x);
        Assert.Equal(0.8, D(mean)[0], 12);
        Assert.Equal(0.2, D(covariance)[0], 12);
        using var exact = model.WithExactPosterior();
        var (a, c, s) = exact.Encoder;
        Assert.Equal(0.4, D(a)[0], 12);          // M⁻¹Wᵀ/σ² = 0.2·2
        Assert.Equal(-0.4, D(c)[0], 12);         // −A·b
        Assert.Equal(Math.Log(0.2), D(s)[0], 12);
    }

    [Fact]
    public void AtTheExactPosteriorTheElboEqualsLogPxForEverySample()
    {
        using var model = Orthogonal();
        using var exact = model.WithExactPosterior();
        var x = model.SampleData(6, Seeding.Generator(3));
        var logPx = D(model.LogMarginal(x));
        Assert.Equal(logPx, D(exact.ClosedFormElbo(x)), new Tol(1e-10));
        Assert.All(D(exact.KlToExactPosterior(x)), kl => Assert.Equal(0.0, kl, 10));
        // One z per image with the Monte-Carlo KL: log p(x, z) − log q(z|x) = log p(x) whatever z is.
        var (terms, _) = Elbo.Evaluate(exact, exact.Likelihood, x, kl: KlEstimator.MonteCarlo, generator: Seeding.Generator(4));
        Assert.Equal(logPx, D(terms.PerImage), new Tol(1e-10));
    }

    [Fact]
    public void LogPxIsElboPlusKlToThePosteriorAlsoForNonOrthogonalW()
    {
        // A full (non-diagonal) posterior covariance: the identity log p(x) = ELBO + KL(q || p(z|x)) still holds.
        var w = tensor(new double[,] { { 1, 0.7 }, { 0.3, 2 }, { -1, 0.4 }, { 0.5, 0.5 } }, dtype: ScalarType.Float64);
        var a = tensor(new double[,] { { 0.2, 0.1, -0.3, 0 }, { 0, 0.4, 0.1, 0.2 } }, dtype: ScalarType.Float64);
        using var model = new LinearGaussianVae(w, T(0.1, 0, -0.2, 0.3), 0.7, a, T(0.3, -0.1), T(-1, -0.5));
        var x = model.SampleData(5, Seeding.Generator(9));
        var logPx = D(model.LogMarginal(x));
        var kl = D(model.KlToExactPosterior(x));
        Assert.Equal(logPx, D(model.ClosedFormElbo(x) + model.KlToExactPosterior(x)), new Tol(1e-10));
        Assert.All(kl, k => Assert.True(k > 0, $"KL {k}"));
        Assert.Contains("not orthogonal", Assert.Throws<ArgumentException>(() => model.WithExactPosterior()).Message);
    }

    [Fact]
    public void ShapesAreChecked()
    {
        var w = zeros(3, 2, dtype: ScalarType.Float64);
        Assert.Contains("b needs 3", Assert.Throws<ArgumentException>(() => new LinearGaussianVae(w, T(0, 0), 1, zeros(2, 3, dtype: ScalarType.Float64), T(0, 0), T(0, 0))).Message);
        Assert.Contains("2×3", Assert.Throws<ArgumentException>(() => new LinearGaussianVae(w, T(0, 0, 0), 1, zeros(3, 2, dtype: ScalarType.Float64), T(0, 0), T(0, 0))).Message);
        Assert.Throws<ArgumentException>(() => new LinearGaussianVae(w, T(0, 0, 0), 0, zeros(2, 3, dtype: ScalarType.Float64), T(0, 0), T(0, 0)));
    }

    sealed class Tol(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
