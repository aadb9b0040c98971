using FaceGen.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Losses;

/// <summary>The family of the decoder p_θ(x|z) (tutorial §3.2).</summary>
public enum Likelihood { Bernoulli, Gaussian, Laplace }

/// <summary>
/// The reconstruction term log p_θ(x|z) of the ELBO (tutorial §3.2.3) for each decoder family, per
/// image: the sum over all pixels and channels of the per-pixel log-likelihood, so the result has
/// shape (N) for data of shape (N, …). All forms are computed from the decoder's raw outputs.
/// Derived and checked in notebooks/05-vae-structure-and-elbo.
/// </summary>
public static class ReconstructionLogLikelihoods
{
    const double Log2Pi = 1.8378770664093453; // log(2π)
    const double Log2 = 0.6931471805599453;

    /// <summary>Bernoulli from logits ℓ on targets x ∈ [0, 1]:
    /// log p(x|z) = Σ_i [x_i log σ(ℓ_i) + (1 − x_i) log(1 − σ(ℓ_i))] = −Σ_i [x_i softplus(−ℓ_i) + (1 − x_i) softplus(ℓ_i)],
    /// which is −BCE summed over pixels, as pytorch/examples' VAE uses. For x strictly between 0 and 1
    /// this is not a normalised density of x (the continuous Bernoulli's constant is missing), so
    /// it is a likelihood only for binary data.</summary>
    public static Tensor Bernoulli(Tensor x, Tensor logits) =>
        // x log σ(ℓ) + (1 − x) log(1 − σ(ℓ)) = −x·softplus(−ℓ) − (1 − x)·softplus(ℓ)
        // (log σ(ℓ) = −softplus(−ℓ): never log 0, and unlike xℓ − softplus(ℓ) it keeps the e^{−|ℓ|} tail)
        PerImage(-x * softplus(-logits) - (1 - x) * softplus(logits));

    /// <summary>Gaussian with a fixed standard deviation σ:
    /// log p(x|z) = Σ_i [−½ log 2π − log σ − (x_i − μ_i)² / (2σ²)].</summary>
    public static Tensor Gaussian(Tensor x, Tensor mean, double sigma)
    {
        RequirePositive(sigma, "Gaussian σ");
        // −½ log 2π − log σ − (x − μ)²/(2σ²)
        return PerImage(-0.5 * Log2Pi - Math.Log(sigma) - (x - mean).square() / (2 * sigma * sigma));
    }

    /// <summary>Gaussian with a learned per-pixel log-variance s = log σ²:
    /// log p(x|z) = Σ_i −½ [log 2π + s_i + (x_i − μ_i)² e^{−s_i}].</summary>
    public static Tensor Gaussian(Tensor x, Tensor mean, Tensor logVariance) =>
        // −½ [log 2π + log σ² + (x − μ)²/σ²]   with 1/σ² = exp(−log σ²)
        PerImage(-0.5 * (Log2Pi + logVariance + (x - mean).square() * (-logVariance).exp()));

    /// <summary>Laplace with a fixed scale b: log p(x|z) = Σ_i [−log 2b − |x_i − μ_i| / b].</summary>
    public static Tensor Laplace(Tensor x, Tensor location, double scale)
    {
        RequirePositive(scale, "Laplace scale b");
        // −log(2b) − |x − μ|/b
        return PerImage(-Math.Log(2 * scale) - (x - location).abs() / scale);
    }

    /// <summary>Laplace with a learned per-pixel log-scale t = log b:
    /// log p(x|z) = Σ_i [−log 2 − t_i − |x_i − μ_i| e^{−t_i}].</summary>
    public static Tensor Laplace(Tensor x, Tensor location, Tensor logScale) =>
        // −log 2 − log b − |x − μ|/b   with 1/b = exp(−log b)
        PerImage(-Log2 - logScale - (x - location).abs() * (-logScale).exp());

    /// <summary>Sum over every dimension but the first: (N, …) → (N).</summary>
    static Tensor PerImage(Tensor perPixel) => perPixel.flatten(1).sum(1);

    static void RequirePositive(double value, string what)
    {
        if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentException($"{what} = {value}: must be a positive finite number.");
    }
}

/// <summary>
/// A decoder family with its scale: Bernoulli (no scale), Gaussian with fixed σ or learned per-pixel
/// log σ², Laplace with fixed b or learned per-pixel log b (a null <see cref="FixedScale"/> means learned:
/// the VAE must then be built with <c>learnedScale: true</c>). Turns a <see cref="VaeDecoding"/> into
/// log p_θ(x|z) per image (<see cref="LogProbability"/>) and into the image it predicts (<see cref="Mean"/>).
/// </summary>
public sealed record ReconstructionLikelihood(Likelihood Kind, double? FixedScale = null)
{
    /// <summary>Bernoulli on logits (pytorch/examples' choice).</summary>
    public static ReconstructionLikelihood Bernoulli { get; } = new(Likelihood.Bernoulli);
    /// <summary>Gaussian with fixed standard deviation σ.</summary>
    public static ReconstructionLikelihood GaussianFixed(double sigma) => new(Likelihood.Gaussian, sigma);
    /// <summary>Gaussian with the decoder's per-pixel log-variance.</summary>
    public static ReconstructionLikelihood GaussianLearned { get; } = new(Likelihood.Gaussian);
    /// <summary>Laplace with fixed scale b.</summary>
    public static ReconstructionLikelihood LaplaceFixed(double scale) => new(Likelihood.Laplace, scale);
    /// <summary>Laplace with the decoder's per-pixel log-scale.</summary>
    public static ReconstructionLikelihood LaplaceLearned { get; } = new(Likelihood.Laplace);

    /// <summary>Whether the decoder must supply <see cref="VaeDecoding.LogScale"/>.</summary>
    public bool LearnedScale => Kind != Likelihood.Bernoulli && FixedScale is null;

    /// <summary>"bernoulli", "gaussian" or "laplace" (case-insensitive); <paramref name="fixedScale"/>
    /// null means a learned scale (ignored for Bernoulli). Unknown names raise an error listing the choices.</summary>
    public static ReconstructionLikelihood Parse(string name, double? fixedScale = null) =>
        name.Trim().ToLowerInvariant() switch
        {
            "bernoulli" => Bernoulli,
            "gaussian" => new(Likelihood.Gaussian, fixedScale),
            "laplace" => new(Likelihood.Laplace, fixedScale),
            _ => throw new ArgumentException($"likelihood '{name}': unknown; expected bernoulli, gaussian or laplace."),
        };

    /// <summary>log p_θ(x|z) per image, shape (N), for data x and decoder output of the same shape (N, …).</summary>
    public Tensor LogProbability(Tensor x, VaeDecoding decoding)
    {
        var location = decoding.Location;
        if (!x.shape.SequenceEqual(location.shape))
            throw new ArgumentException($"data of shape [{string.Join(", ", x.shape)}] but decoder output of shape [{string.Join(", ", location.shape)}].");
        if (!LearnedScale && decoding.LogScale is not null)
            throw new ArgumentException($"{this}: the decoder outputs a per-pixel scale that this likelihood would ignore; build the VAE with learnedScale: false, or use a learned scale.");
        return Kind switch
        {
            Likelihood.Bernoulli => ReconstructionLogLikelihoods.Bernoulli(x, location),
            Likelihood.Gaussian when FixedScale is { } sigma => ReconstructionLogLikelihoods.Gaussian(x, location, sigma),
            Likelihood.Gaussian => ReconstructionLogLikelihoods.Gaussian(x, location, RequireLogScale(decoding)),
            Likelihood.Laplace when FixedScale is { } b => ReconstructionLogLikelihoods.Laplace(x, location, b),
            _ => ReconstructionLogLikelihoods.Laplace(x, location, RequireLogScale(decoding)),
        };
    }

    /// <summary>The image the decoder predicts, E[x|z]: σ(ℓ) for Bernoulli, μ for Gaussian and Laplace.</summary>
    public Tensor Mean(VaeDecoding decoding) =>
        Kind == Likelihood.Bernoulli ? decoding.Location.sigmoid() : decoding.Location;

    /// <summary>"bernoulli", "gaussian (σ = 0.1)", "laplace (learned scale)" …</summary>
    public override string ToString() => Kind switch
    {
        Likelihood.Bernoulli => "bernoulli",
        Likelihood.Gaussian => FixedScale is { } s ? $"gaussian (σ = {s})" : "gaussian (learned log-variance)",
        _ => FixedScale is { } b ? $"laplace (b = {b})" : "laplace (learned scale)",
    };

    Tensor RequireLogScale(VaeDecoding decoding) => decoding.LogScale
        ?? throw new ArgumentException($"{this} needs a decoder that outputs one: build the VAE with learnedScale: true, or give a fixed scale.");
}
