using FaceGen.Models;
using FaceGen.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Losses;

/// <summary>
/// A VAE whose true log-likelihood is known exactly, for checking bounds (notebook 05):
/// prior p(z) = N(0, I_d), decoder p_θ(x|z) = N(Wz + b, σ²I_D), and a linear encoder
/// q_φ(z|x) = N(Ax + c, diag exp(s)) with a constant log-variance s.
/// Marginalising z gives x ~ N(b, WWᵀ + σ²I) (<see cref="LogMarginal"/>), and the posterior is
/// p(z|x) = N(M⁻¹Wᵀ(x − b)/σ², M⁻¹) with M = I + WᵀW/σ² (<see cref="ExactPosterior"/>), so the identity
/// log p(x) = ELBO + D_KL(q(z|x) || p(z|x)) can be checked term by term. All parameters are fixed
/// (no gradients); use float64 tensors for checks to 1e−10.
/// </summary>
public sealed class LinearGaussianVae : Vae
{
    readonly Parameter w, b, a, c, logVar;

    /// <summary>W (D×d), b (D), σ &gt; 0 of the decoder; A (d×D), c (d), s (d) of the encoder.</summary>
    public LinearGaussianVae(Tensor w, Tensor b, double sigma, Tensor encoderMatrix, Tensor encoderOffset, Tensor encoderLogVar)
        : base(nameof(LinearGaussianVae))
    {
        TorchRuntime.EnsureInitialized();
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentException($"σ = {sigma}: must be a positive finite number.");
        long dataSize = w.shape[0], latent = w.shape[1];
        if (b.shape.Length != 1 || b.shape[0] != dataSize) throw new ArgumentException($"b has shape [{string.Join(", ", b.shape)}]; W is {dataSize}×{latent}, so b needs {dataSize} entries.");
        if (!encoderMatrix.shape.SequenceEqual(new[] { latent, dataSize }))
            throw new ArgumentException($"encoder matrix A has shape [{string.Join(", ", encoderMatrix.shape)}]; it must be {latent}×{dataSize} (d×D).");
        if (encoderOffset.numel() != latent || encoderLogVar.numel() != latent)
            throw new ArgumentException($"encoder offset c and log-variance s need {latent} entries each (the latent size).");
        Sigma = sigma;
        this.w = new Parameter(w.detach().clone(), requires_grad: false);
        this.b = new Parameter(b.detach().clone(), requires_grad: false);
        a = new Parameter(encoderMatrix.detach().clone(), requires_grad: false);
        c = new Parameter(encoderOffset.detach().clone().view(latent), requires_grad: false);
        logVar = new Parameter(encoderLogVar.detach().clone().view(latent), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>The decoder's noise standard deviation σ.</summary>
    public double Sigma { get; }
    /// <summary>The decoder's matrix W (D×d).</summary>
    public Tensor W => w;
    /// <summary>The decoder's offset b (D).</summary>
    public Tensor B => b;
    /// <summary>Dimension D of x.</summary>
    public int DataSize => (int)w.shape[0];
    /// <summary>The decoder family to pair with this model: Gaussian with fixed σ.</summary>
    public ReconstructionLikelihood Likelihood => ReconstructionLikelihood.GaussianFixed(Sigma);

    public override int LatentSize => (int)w.shape[1];

    /// <summary>q_φ(z|x): μ = Ax + c, log σ² = s for every row.</summary>
    public override (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor? labels = null) =>
        (x.matmul(a.t()) + c, logVar.expand(x.shape[0], LatentSize));

    /// <summary>p_θ(x|z): the mean Wz + b (σ is fixed, see <see cref="Likelihood"/>).</summary>
    public override VaeDecoding Decode(Tensor z, Tensor? labels = null) => new(z.matmul(w.t()) + b);

    /// <summary>The same decoder with the encoder set to the exact posterior: A = M⁻¹Wᵀ/σ², c = −Ab,
    /// s = log diag M⁻¹. A diagonal q can only equal the posterior when M is diagonal, i.e. W's columns
    /// are orthogonal; otherwise this throws.</summary>
    public LinearGaussianVae WithExactPosterior()
    {
        using var noGrad = no_grad();
        var m = PosteriorPrecision();
        var offDiagonal = (m - m.diag().diag()).abs().max().ToDouble();
        if (offDiagonal > 1e-9 * m.abs().max().ToDouble())
            throw new ArgumentException("W's columns are not orthogonal, so the posterior covariance is not diagonal and no diagonal-Gaussian encoder equals it.");
        var covariance = 1 / m.diag();
        var matrix = covariance.unsqueeze(1) * w.t() / (Sigma * Sigma);
        return new LinearGaussianVae(w, b, Sigma, matrix, -matrix.matmul(b), covariance.log());
    }

    /// <summary>The model with decoder (W, b, σ) whose encoder is the exact posterior (<see cref="WithExactPosterior"/>;
    /// W's columns must be orthogonal). Notebooks 05 and 12 start from it.</summary>
    public static LinearGaussianVae ExactFor(Tensor w, Tensor b, double sigma)
    {
        long latent = w.shape[1], data = w.shape[0];
        var zero = zeros(latent, dtype: w.dtype, device: w.device);
        return new LinearGaussianVae(w, b, sigma, zeros(latent, data, dtype: w.dtype, device: w.device), zero, zero).WithExactPosterior();
    }

    /// <summary>The same decoder with another encoder (A, c, s).</summary>
    public LinearGaussianVae WithEncoder(Tensor encoderMatrix, Tensor encoderOffset, Tensor encoderLogVar) =>
        new(w, b, Sigma, encoderMatrix, encoderOffset, encoderLogVar);

    /// <summary>The encoder's A, c and s.</summary>
    public (Tensor Matrix, Tensor Offset, Tensor LogVar) Encoder => (a, c, logVar);

    /// <summary>n draws from the model: z ~ N(0, I), x = Wz + b + σ·ε, shape (n, D).</summary>
    public Tensor SampleData(int n, Generator? generator = null)
    {
        using var noGrad = no_grad();
        var z = randn(new long[] { n, LatentSize }, dtype: w.dtype, device: w.device, generator: generator);
        var noise = randn(new long[] { n, DataSize }, dtype: w.dtype, device: w.device, generator: generator);
        return Decode(z).Location + Sigma * noise;
    }

    /// <summary>Exact log p(x) = log N(x; b, WWᵀ + σ²I) per row of x (N, D) → (N).</summary>
    public Tensor LogMarginal(Tensor x)
    {
        using var noGrad = no_grad();
        var covariance = w.matmul(w.t()) + Sigma * Sigma * eye(DataSize, dtype: w.dtype, device: w.device);
        var r = x - b;
        // −½ [D log 2π + log det Σ + rᵀ Σ⁻¹ r]
        var mahalanobis = (r.matmul(linalg.inv(covariance)) * r).sum(1);
        return -0.5 * (DataSize * Math.Log(2 * Math.PI) + linalg.slogdet(covariance).Item2 + mahalanobis);
    }

    /// <summary>The exact posterior p(z|x) = N(m, M⁻¹): means m = M⁻¹Wᵀ(x − b)/σ² (N, d) and the covariance M⁻¹ (d×d).</summary>
    public (Tensor Mean, Tensor Covariance) ExactPosterior(Tensor x)
    {
        using var noGrad = no_grad();
        var covariance = linalg.inv(PosteriorPrecision());
        return ((x - b).matmul(w).matmul(covariance) / (Sigma * Sigma), covariance);
    }

    /// <summary>The ELBO in closed form per row of x: E_q[log p(x|z)] − D_KL(q(z|x) || p(z)) with
    /// E_q[log p(x|z)] = −(D/2) log 2πσ² − (‖x − Wμ − b‖² + Σ_j σ_j²‖W_j‖²)/(2σ²), W_j the j-th column.</summary>
    public Tensor ClosedFormElbo(Tensor x)
    {
        using var noGrad = no_grad();
        var (mu, lv) = Encode(x);
        var residual = (x - Decode(mu).Location).square().sum(1);
        var spread = (lv.exp() * w.square().sum(0L)).sum(1);
        var expected = -0.5 * DataSize * Math.Log(2 * Math.PI * Sigma * Sigma) - (residual + spread) / (2 * Sigma * Sigma);
        return expected - KlDivergence.ClosedForm(mu, lv);
    }

    /// <summary>D_KL(q(z|x) || p(z|x)) per row, between the diagonal q and the exact posterior N(m, S):
    /// ½ [tr(S⁻¹Σ_q) + (m − μ)ᵀS⁻¹(m − μ) − d + log det S − log det Σ_q], S⁻¹ = M.</summary>
    public Tensor KlToExactPosterior(Tensor x)
    {
        using var noGrad = no_grad();
        var (mu, lv) = Encode(x);
        var (mean, covariance) = ExactPosterior(x);
        var precision = PosteriorPrecision();
        var trace = (precision.diag() * lv.exp()).sum(1);
        var r = mean - mu;
        var mahalanobis = (r.matmul(precision) * r).sum(1);
        return 0.5 * (trace + mahalanobis - LatentSize + linalg.slogdet(covariance).Item2 - lv.sum(1));
    }

    /// <summary>M = I + WᵀW/σ², the posterior precision.</summary>
    Tensor PosteriorPrecision() =>
        eye(LatentSize, dtype: w.dtype, device: w.device) + w.t().matmul(w) / (Sigma * Sigma);
}
