using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>
/// Samples from an equal-weight mixture of isotropic Gaussians in the plane:
/// x = μ_k + σ·ε, k ~ Uniform{0 … K−1}, ε ~ N(0, I₂). <see cref="Points"/> is (N, 2) float32,
/// <see cref="Labels"/> (N) int64 holds each point's k, <see cref="Centres"/> (K, 2) the means μ_k.
/// The toy problem on which mode collapse is measured (notebooks/04-gan-strengths-and-weaknesses).
/// </summary>
public sealed class ToyMixture(Tensor points, Tensor labels, Tensor centres, double std) : IDisposable
{
    public Tensor Points { get; } = points;
    public Tensor Labels { get; } = labels;
    public Tensor Centres { get; } = centres;
    /// <summary>σ, the standard deviation of every component in each coordinate.</summary>
    public double Std { get; } = std;
    /// <summary>K, the number of components (modes).</summary>
    public int ModeCount => (int)Centres.shape[0];

    public void Dispose()
    {
        Points.Dispose();
        Labels.Dispose();
        Centres.Dispose();
    }
}

/// <summary>The two standard 2-D mixtures of the mode-collapse literature (e.g. Metz et al. 2017,
/// Srivastava et al. 2017): K Gaussians evenly spaced on a circle, and a square grid of Gaussians.
/// Seeded with a generator of their own, so the data do not depend on torch's global random state.</summary>
public static class ToyMixtures
{
    /// <summary>K = <paramref name="modes"/> Gaussians with means μ_k = r·(cos 2πk/K, sin 2πk/K).</summary>
    public static ToyMixture Ring(int count, int modes = 8, double radius = 2.0, double std = 0.02, long seed = 0)
    {
        TorchRuntime.EnsureInitialized();
        if (modes < 1) throw new ArgumentException($"modes {modes}: a ring needs at least one mode.");
        var centres = new float[modes * 2];
        for (int k = 0; k < modes; k++)
        {
            double angle = 2 * Math.PI * k / modes;
            centres[2 * k] = (float)(radius * Math.Cos(angle));
            centres[2 * k + 1] = (float)(radius * Math.Sin(angle));
        }
        return Sample(tensor(centres).view(modes, 2), count, std, seed);
    }

    /// <summary>side² Gaussians with means on the grid {−(side−1)/2 … (side−1)/2}²·spacing
    /// (side 5, spacing 2: the 25 points {−4, −2, 0, 2, 4}²), row by row.</summary>
    public static ToyMixture Grid(int count, int side = 5, double spacing = 2.0, double std = 0.05, long seed = 0)
    {
        TorchRuntime.EnsureInitialized();
        if (side < 1) throw new ArgumentException($"side {side}: a grid needs at least one mode.");
        var centres = new float[side * side * 2];
        double offset = (side - 1) / 2.0;
        for (int row = 0; row < side; row++)
            for (int column = 0; column < side; column++)
            {
                int k = row * side + column;
                centres[2 * k] = (float)((column - offset) * spacing);
                centres[2 * k + 1] = (float)((row - offset) * spacing);
            }
        return Sample(tensor(centres).view(side * side, 2), count, std, seed);
    }

    static ToyMixture Sample(Tensor centres, int count, double std, long seed)
    {
        if (count < 1) throw new ArgumentException($"count {count}: ask for at least one point.");
        if (!(std > 0)) throw new ArgumentException($"std {std}: must be positive.");
        using var generator = Seeding.Generator(seed);
        var labels = randint(0, centres.shape[0], new long[] { count }, generator: generator, dtype: ScalarType.Int64);
        var noise = randn(new long[] { count, 2 }, generator: generator);
        var points = centres.index_select(0, labels) + (float)std * noise;
        noise.Dispose();
        return new ToyMixture(points, labels, centres, std);
    }
}
