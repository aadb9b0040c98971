using FaceGen.Losses;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary><see cref="OptimalDiscriminator"/> against facts that do not use its own formulas: the closed form of D* for
/// two unit Gaussians, the value of the constant D = ½, and the limits of the Jensen–Shannon divergence.</summary>
public class OptimalDiscriminatorTests
{
    public OptimalDiscriminatorTests() => TorchRuntime.EnsureInitialized();

    static Tensor LogNormal(Tensor x, double mean) => -(x - mean).square() / 2 - 0.5 * Math.Log(2 * Math.PI);

    static (Tensor X, double Dx) Grid(double from, double to, int n = 40_001) =>
        (linspace(from, to, n, dtype: ScalarType.Float64), (to - from) / (n - 1));

    [Fact]
    public void DStarOfTwoUnitGaussiansIsTheSigmoidOfMinusTwoX()
    {
        // N(−1, 1) against N(1, 1): p_data/(p_data + p_g) = 1/(1 + e^{2x}) = σ(−2x).
        var (x, _) = Grid(-6, 6, 121);
        var error = (OptimalDiscriminator.Of(LogNormal(x, -1), LogNormal(x, 1)) - sigmoid(-2 * x)).abs().max().item<double>();
        Assert.True(error < 1e-12, $"max |D* − σ(−2x)| = {error:E2}");
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(2.0)]
    [InlineData(4.0)]
    public void TheValueAtDStarIsMinusLog4PlusTwiceTheJsdAndNoOtherDBeatsIt(double mu)
    {
        var (x, dx) = Grid(-14, 14 + mu);
        var logPData = LogNormal(x, 0);
        var logPG = LogNormal(x, mu);
        double value = OptimalDiscriminator.Value(logPData, logPG, dx);
        double jsd = OptimalDiscriminator.JensenShannon(logPData, logPG, dx);
        Assert.Equal(-Math.Log(4) + 2 * jsd, value, 9);
        Assert.InRange(jsd, 1e-3, Math.Log(2));
        // D = ½ everywhere (logit 0): V = log ½ + log ½ = −log 4, below the value at D*.
        Assert.Equal(-Math.Log(4), OptimalDiscriminator.Value(logPData, logPG, dx, zeros_like(x)), 6);
        Assert.True(value > -Math.Log(4));
        // A D shifted away from D* scores lower.
        Assert.True(OptimalDiscriminator.Value(logPData, logPG, dx, OptimalDiscriminator.Logit(logPData, logPG) + 0.5) < value);
    }

    [Fact]
    public void TheJsdIsZeroForEqualAndLog2ForSeparatedDensities()
    {
        var (x, dx) = Grid(-15, 55);
        Assert.Equal(0, OptimalDiscriminator.JensenShannon(LogNormal(x, 0), LogNormal(x, 0), dx), 9);
        Assert.Equal(Math.Log(2), OptimalDiscriminator.JensenShannon(LogNormal(x, 0), LogNormal(x, 40), dx), 6);
    }
}
