using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class ElboTests
{
    readonly ITestOutputHelper output;

    public ElboTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureInitialized();
        this.output = output;
    }

    static Tensor T(double[] v) => tensor(v, dtype: ScalarType.Float64);
    static double[] D(Tensor t) => t.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();
    static double Sigmoid(double l) => 1 / (1 + Math.Exp(-l));

    // ---------------------------------------------------------------- reconstruction likelihoods

    // A 2×2 grey image and decoder outputs, one pixel per column.
    static readonly double[] X = { 0, 1, 0.25, 0.5 };
    static readonly double[] Logits = { 0, 2, -1, 0.5 };
    static readonly double[] Means = { 0.1, 0.8, 0.25, 1.0 };     // |x − μ| = 0.1, 0.2, 0, 0.5
    static readonly double[] LogScales = { 0, -1, 0.5, -2 };
    static Tensor Image(double[] v) => T(v).view(1, 1, 2, 2);

    [Fact]
    public void ReconstructionLikelihoodsEqualHandValuesOnA2x2Image()
    {
        // Bernoulli in probability form, x log p + (1 − x) log(1 − p) with p = σ(ℓ):
        // −0.693147 − 0.126928 − 0.563262 − 0.724077 = −2.107414.
        double bernoulli = X.Zip(Logits, (x, l) => x * Math.Log(Sigmoid(l)) + (1 - x) * Math.Log(1 - Sigmoid(l))).Sum();
        Assert.Equal(-2.107414, bernoulli, 6);
        Assert.Equal(bernoulli, ReconstructionLogLikelihoods.Bernoulli(Image(X), Image(Logits)).item<double>(), 12);

        // Gaussian σ = 0.5: 4·(−½ log(2π·0.25)) − Σ(x − μ)²/(2·0.25) = −0.903165 − 0.3/0.5 = −1.503165.
        Assert.Equal(-1.5031654105789, ReconstructionLogLikelihoods.Gaussian(Image(X), Image(Means), 0.5).item<double>(), 12);
        // Laplace b = 0.5: 4·(−log 1) − Σ|x − μ|/0.5 = −0.8/0.5 = −1.6.
        Assert.Equal(-1.6, ReconstructionLogLikelihoods.Laplace(Image(X), Image(Means), 0.5).item<double>(), 12);

        // Learned scales: the densities written out pixel by pixel.
        double gaussian = 0, laplace = 0;
        for (int i = 0; i < 4; i++)
        {
            double variance = Math.Exp(LogScales[i]), b = Math.Exp(LogScales[i]), r = X[i] - Means[i];
            gaussian += Math.Log(Math.Exp(-r * r / (2 * variance)) / Math.Sqrt(2 * Math.PI * variance));
            laplace += Math.Log(Math.Exp(-Math.Abs(r) / b) / (2 * b));
        }
        Assert.Equal(gaussian, ReconstructionLogLikelihoods.Gaussian(Image(X), Image(Means), Image(LogScales)).item<double>(), 12);
        Assert.Equal(laplace, ReconstructionLogLikelihoods.Laplace(Image(X), Image(Means), Image(LogScales)).item<double>(), 12);
    }

    [Fact]
    public void BernoulliFromLogitsStaysFiniteAndEqualsMinusBinaryCrossEntropy()
    {
        // One value per image: the sum over pixels (shape (N)), and equal to −BCE summed, as pytorch/examples uses.
        var x = T(new[] { 0, 1, 0.25, 0.5, 1, 0, 0.75, 0.5 }).view(2, 1, 2, 2);
        var logits = T(new[] { 0, 2, -1, 0.5, 40, -40, 3, -3 }).view(2, 1, 2, 2);
        var perImage = ReconstructionLogLikelihoods.Bernoulli(x, logits);
        Assert.Equal(new long[] { 2 }, perImage.shape);
        var bce = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.Sum).item<double>();
        Assert.Equal(-bce, perImage.sum().item<double>(), 10);
        // ℓ = ±40 on the matching target: each pixel contributes log σ(40) = −softplus(−40) = −e^{−40}(1 + O(e^{−40})),
        // kept to full relative precision (xℓ − softplus(ℓ) would round the first to 0; the probability
        // form gives log(1 − σ(−40)) = 0, and log 0 = −∞ for a wrong target).
        var extreme = ReconstructionLogLikelihoods.Bernoulli(T(new[] { 1.0, 0.0 }).view(1, 2), T(new[] { 40.0, -40.0 }).view(1, 2)).item<double>();
        Assert.Equal(-2 * Math.Exp(-40), extreme, tolerance: 1e-30);
        var wrong = ReconstructionLogLikelihoods.Bernoulli(T(new[] { 1.0 }).view(1, 1), T(new[] { -40.0 }).view(1, 1)).item<double>();
        Assert.Equal(-40.0, wrong, 12); // log σ(−40) = −40 − softplus(−40), finite
    }

    [Fact]
    public void ReconstructionLikelihoodDispatchesAndChecksTheDecoderScale()
    {
        var x = Image(X);
        Assert.Equal(-1.6, ReconstructionLikelihood.LaplaceFixed(0.5).LogProbability(x, new VaeDecoding(Image(Means))).item<double>(), 12);
        Assert.Equal(ReconstructionLogLikelihoods.Gaussian(x, Image(Means), Image(LogScales)).item<double>(),
            ReconstructionLikelihood.Parse("Gaussian").LogProbability(x, new VaeDecoding(Image(Means), Image(LogScales))).item<double>(), 12);
        Assert.Equal(Logits.Select(Sigmoid), D(ReconstructionLikelihood.Bernoulli.Mean(new VaeDecoding(Image(Logits))).flatten()), new Tol(1e-12));

        var missing = Assert.Throws<ArgumentException>(() => ReconstructionLikelihood.GaussianLearned.LogProbability(x, new VaeDecoding(Image(Means))));
        Assert.Contains("learnedScale: true", missing.Message);
        var unused = Assert.Throws<ArgumentException>(() => ReconstructionLikelihood.Bernoulli.LogProbability(x, new VaeDecoding(Image(Logits), Image(LogScales))));
        Assert.Contains("learnedScale: false", unused.Message);
        Assert.Contains("'poisson'", Assert.Throws<ArgumentException>(() => ReconstructionLikelihood.Parse("poisson")).Message);
        Assert.Throws<ArgumentException>(() => ReconstructionLogLikelihoods.Gaussian(x, x, 0.0));
    }

    // ---------------------------------------------------------------- KL, β, warm-up, bits/dim

    [Fact]
    public void ClosedFormKlEqualsHandValueAndIsZeroAtThePrior()
    {
        // μ = (1, 0), log σ² = (0, log 2): ½(1 + 1 − 1 − 0) + ½(0 + 2 − 1 − ln 2) = 0.5 + 0.153426 = 0.653426.
        var kl = KlDivergence.ClosedForm(T(new[] { 1.0, 0, 0, 0 }).view(2, 2), T(new[] { 0, Math.Log(2), 0, 0 }).view(2, 2));
        Assert.Equal(new[] { 0.5 + 0.5 * (1 - Math.Log(2)), 0.0 }, D(kl), new Tol(1e-12));
    }

    [Fact]
    public void ClosedFormKlEqualsMonteCarloKlWithinFourStandardErrors()
    {
        // Four posteriors with D = 3, K = 20,000 samples each. The MC mean of log q − log p is unbiased
        // with standard error s/√K, s the sample standard deviation of the terms; a correct
        // implementation lies outside ±4 SE with probability 6e−5 per image. A wrong constant or a
        // factor ½ off would move the mean by far more than 4 SE (SE ≈ 0.002–0.02 here).
        const int k = 20_000;
        var mu = T(new[] { 0.0, 0, 0, 1, -2, 0.5, 0.3, 0.3, 0.3, -1, 2, 0 }).view(4, 3);
        var logVar = T(new[] { 0.0, 0, 0, 0, -1, 1, -3, -2, -0.5, 1.5, 0.2, -4 }).view(4, 3);
        var z = Reparameterization.Sample(mu, logVar, k, Seeding.Generator(11));
        var terms = KlDivergence.MonteCarloTerms(mu, logVar, z);                          // (K, 4)
        var closed = D(KlDivergence.ClosedForm(mu, logVar));
        var mean = D(terms.mean(new long[] { 0 }));
        var se = D(terms.std(0) / Math.Sqrt(k));
        for (int i = 0; i < 4; i++)
            output.WriteLine($"image {i}: closed form {closed[i]:F5}, MC {mean[i]:F5} ± {se[i]:F5}");
        for (int i = 0; i < 4; i++)
            Assert.True(Math.Abs(mean[i] - closed[i]) <= 4 * se[i] + 1e-12, $"image {i}: MC {mean[i]:F5} ± {se[i]:F5}, closed form {closed[i]:F5}");
        Assert.Equal(0.0, closed[0], 15);            // q = p: zero, and every MC term is exactly 0 too
        Assert.Equal(0.0, mean[0], 12);
        Assert.Equal(D(KlDivergence.MonteCarlo(mu, logVar, k, Seeding.Generator(11))), mean, new Tol(1e-12)); // same seed, same estimate
    }

    [Fact]
    public void ElboTermsCombineWithBetaAndWarmupRampsLinearly()
    {
        var terms = new ElboTerms(T(new[] { -10.0, -20 }), T(new[] { 1.0, 2 }), beta: 4);
        Assert.Equal(new[] { -11.0, -22 }, D(terms.PerImage));
        Assert.Equal(new[] { -14.0, -28 }, D(terms.Objective));  // −10 − 4·1, −20 − 4·2
        Assert.Equal(21.0, terms.Loss.item<double>());

        var warmup = new KlWarmup(beta: 2, warmupSteps: 100);
        Assert.Equal(new[] { 0.0, 0.02, 1.0, 2.0, 2.0 }, new long[] { 0, 1, 50, 100, 1000 }.Select(warmup.BetaAt).ToArray());
        Assert.Equal(0.5, new KlWarmup(0.5).BetaAt(0));
        Assert.Throws<ArgumentException>(() => new KlWarmup(-1));
        Assert.Throws<ArgumentException>(() => new KlWarmup(1, -5));
    }

    [Fact]
    public void BitsPerDimensionConvertsNatsAndAccountsForTheBinWidth()
    {
        // 1000 nats over 784 dimensions: 1000/(784 ln 2) = 1.840172 bits; with 8-bit bins of width
        // 1/255 add log2(255) = 7.994353 bits per dimension.
        var nats = T(new[] { -1000.0 });
        Assert.Equal(1.840172246, Elbo.BitsPerDimension(nats, 784).item<double>(), 8);
        Assert.Equal(1.840172246 + 7.994353437, Elbo.BitsPerDimension(nats, 784, binWidth: 1.0 / 255).item<double>(), 8);
    }

    // ---------------------------------------------------------------- reparameterised gradients

    [Fact]
    public void ReparameterisedGradientsMatchFiniteDifferencesAndTheAnalyticGradient()
    {
        // f(z) = Σ_j sin z_j + z₁z₂z₃ under q = N(μ, diag σ²):
        // E_q[f] = Σ_j sin(μ_j) e^{−σ_j²/2} + μ₁μ₂μ₃,
        // ∂/∂μ_j = cos(μ_j) e^{−σ_j²/2} + Π_{k≠j} μ_k,   ∂/∂log σ_j² = −½σ_j² sin(μ_j) e^{−σ_j²/2}.
        double[] mu0 = { 0.3, -0.7, 1.1 }, logVar0 = { -0.5, 0.2, 0.0 };
        const int m = 100_000;
        var epsilon = randn(new long[] { m, 3 }, dtype: ScalarType.Float64, generator: Seeding.Generator(5)); // common random numbers
        double Estimate(double[] mu, double[] logVar) => F(Reparameterization.Transform(T(mu), T(logVar), epsilon)).mean().item<double>();

        var muT = T(mu0).requires_grad_(true);
        var logVarT = T(logVar0).requires_grad_(true);
        var z = Reparameterization.Transform(muT, logVarT, epsilon);
        F(z).mean().backward();
        var gradMu = D(muT.grad!);
        var gradLogVar = D(logVarT.grad!);

        // 1. Against central differences of the same estimator (same ε): the estimator is a smooth
        //    function of (μ, log σ²), so they agree up to truncation O(h²) ≈ 1e−10 and rounding
        //    ≈ 1e−16/h ≈ 1e−11 in float64; 1e−8 leaves room and is far below any real error.
        const double h = 1e-5;
        for (int j = 0; j < 3; j++)
        {
            Assert.Equal(gradMu[j], (Estimate(Shift(mu0, j, h), logVar0) - Estimate(Shift(mu0, j, -h), logVar0)) / (2 * h), 8);
            Assert.Equal(gradLogVar[j], (Estimate(mu0, Shift(logVar0, j, h)) - Estimate(mu0, Shift(logVar0, j, -h))) / (2 * h), 8);
        }

        // 2. Against the exact gradient, within 4 standard errors of the per-sample pathwise gradients
        //    ∂f/∂z_j and ∂f/∂z_j · ½σ_jε_j (their spread gives the SE of the mean over m samples).
        var zd = z.detach();
        var sigma = (0.5 * T(logVar0)).exp();
        var products = stack(new[] { zd[.., 1] * zd[.., 2], zd[.., 0] * zd[.., 2], zd[.., 0] * zd[.., 1] }, 1);
        var dfdz = zd.cos() + products;
        var perSampleMu = dfdz;
        var perSampleLogVar = dfdz * 0.5 * sigma * epsilon;
        var seMu = D(perSampleMu.std(0) / Math.Sqrt(m));
        var seLogVar = D(perSampleLogVar.std(0) / Math.Sqrt(m));
        for (int j = 0; j < 3; j++)
        {
            output.WriteLine($"j={j}: ∂/∂μ autograd {gradMu[j]:F6} ± {seMu[j]:F6}; ∂/∂logσ² autograd {gradLogVar[j]:F6} ± {seLogVar[j]:F6}");
            double s2 = Math.Exp(logVar0[j]), damp = Math.Exp(-s2 / 2);
            double others = mu0.Where((_, k) => k != j).Aggregate(1.0, (a, b) => a * b);
            double exactMu = Math.Cos(mu0[j]) * damp + others;
            double exactLogVar = -0.5 * s2 * Math.Sin(mu0[j]) * damp;
            Assert.True(Math.Abs(gradMu[j] - exactMu) < 4 * seMu[j], $"∂/∂μ_{j}: {gradMu[j]} vs {exactMu} ± {seMu[j]}");
            Assert.True(Math.Abs(gradLogVar[j] - exactLogVar) < 4 * seLogVar[j], $"∂/∂logσ²_{j}: {gradLogVar[j]} vs {exactLogVar} ± {seLogVar[j]}");
        }
        // The same pathwise mean is what autograd produced (a check of the chain rule through z = μ + e^{½ log σ²}ε).
        Assert.Equal(D(perSampleLogVar.mean(new long[] { 0 })), gradLogVar, new Tol(1e-12));

        static Tensor F(Tensor z) => z.sin().sum(-1) + z[TensorIndex.Ellipsis, 0] * z[TensorIndex.Ellipsis, 1] * z[TensorIndex.Ellipsis, 2];
        static double[] Shift(double[] v, int j, double by) { var c = (double[])v.Clone(); c[j] += by; return c; }
    }

    // ---------------------------------------------------------------- linear-Gaussian model with exact log p(x)

    /// <summary>
    /// p(z) = N(0, I₂), p(x|z) = N(Wz + b, σ²I₃), so x ~ N(b, WWᵀ + σ²I) and the posterior is
    /// N(M⁻¹Wᵀ(x − b)/σ², M⁻¹), M = I + WᵀW/σ². W's columns (1, 2, 2) and (1, ½, −1) are orthogonal,
    /// so WᵀW = diag(9, 2.25), M = diag(37, 10): the exact posterior is diagonal and a diagonal-Gaussian
    /// encoder can represent it. The encoder is linear: μ = Ax + c, log σ² constant.
    /// </summary>
    sealed class LinearGaussianVae : Vae
    {
        public const double Sigma = 0.5;
        public static readonly double[,] WValues = { { 1, 1 }, { 2, 0.5 }, { 2, -1 } };
        public static readonly double[] BValues = { 0.5, -0.3, 0.2 };
        readonly Parameter a, c, logVar, w, b;

        public LinearGaussianVae(Tensor a, Tensor c, Tensor logVar) : base(nameof(LinearGaussianVae))
        {
            this.a = new Parameter(a, requires_grad: false);
            this.c = new Parameter(c, requires_grad: false);
            this.logVar = new Parameter(logVar, requires_grad: false);
            w = new Parameter(tensor(WValues, dtype: ScalarType.Float64), requires_grad: false);
            b = new Parameter(T(BValues), requires_grad: false);
            RegisterComponents();
        }

        public override int LatentSize => 2;
        public override (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor? labels = null) =>
            (x.matmul(a.t()) + c, logVar.expand(x.shape[0], 2));
        public override VaeDecoding Decode(Tensor z, Tensor? labels = null) => new(z.matmul(w.t()) + b);

        public static Tensor W => tensor(WValues, dtype: ScalarType.Float64);
        public static Tensor PosteriorCovarianceDiagonal => T(new[] { 1.0 / 37, 1.0 / 10 });

        /// <summary>The encoder whose q is the exact posterior: A = M⁻¹Wᵀ/σ², c = −Ab, log σ² = log diag M⁻¹.</summary>
        public static LinearGaussianVae ExactPosterior() =>
            new(ExactEncoderMatrix, -ExactEncoderMatrix.matmul(T(BValues)), PosteriorCovarianceDiagonal.log());

        /// <summary>A = M⁻¹Wᵀ/σ² (2×3).</summary>
        public static Tensor ExactEncoderMatrix => PosteriorCovarianceDiagonal.unsqueeze(1) * W.t() / (Sigma * Sigma);

        /// <summary>log p(x) = log N(x; b, WWᵀ + σ²I) per row of x.</summary>
        public static Tensor ExactLogLikelihood(Tensor x)
        {
            var covariance = W.matmul(W.t()) + Sigma * Sigma * eye(3, dtype: ScalarType.Float64);
            var r = x - T(BValues);
            var mahalanobis = (r.matmul(linalg.inv(covariance)) * r).sum(1);
            return -0.5 * (3 * Math.Log(2 * Math.PI) + linalg.slogdet(covariance).Item2 + mahalanobis);
        }

        /// <summary>ELBO in closed form for this q: E_q[log p(x|z)] = −(3/2) log 2πσ² − (‖x − Wμ_q − b‖² +
        /// Σ_j σ_q,j² ‖W_j‖²)/(2σ²), minus the closed-form KL.</summary>
        public Tensor ExactElbo(Tensor x)
        {
            using var noGrad = no_grad();
            var (mu, lv) = Encode(x);
            var residual = (x - mu.matmul(W.t()) - T(BValues)).square().sum(1);
            var trace = (lv.exp() * T(new[] { 9.0, 2.25 })).sum(1);
            var expectedLogLikelihood = -1.5 * Math.Log(2 * Math.PI * Sigma * Sigma) - (residual + trace) / (2 * Sigma * Sigma);
            return expectedLogLikelihood - KlDivergence.ClosedForm(mu, lv);
        }

        /// <summary>D_KL(q(z|x) || p(z|x)) between this diagonal q and the exact (diagonal) posterior.</summary>
        public Tensor KlToExactPosterior(Tensor x)
        {
            var (mu, lv) = Encode(x);
            var (muStar, lvStar) = ExactPosterior().Encode(x);
            // ½ Σ_j [σ_j²/σ*_j² + (μ*_j − μ_j)²/σ*_j² − 1 + log σ*_j² − log σ_j²]
            return 0.5 * ((lv - lvStar).exp() + (muStar - mu).square() / lvStar.exp() - 1 + lvStar - lv).sum(1);
        }
    }

    /// <summary>A deliberately poor encoder: mean pulled towards 0 and shifted, variances 4× and 2× the exact ones.</summary>
    static LinearGaussianVae ArbitraryPosterior() =>
        new(LinearGaussianVae.ExactEncoderMatrix * 0.6, T(new[] { 0.4, -0.3 }),
            LinearGaussianVae.PosteriorCovarianceDiagonal.log() + T(new[] { Math.Log(4), Math.Log(2) }));

    /// <summary>Eight data points drawn from the model itself (fixed seed).</summary>
    static Tensor DataPoints()
    {
        var g = Seeding.Generator(21);
        var z = randn(new long[] { 8, 2 }, dtype: ScalarType.Float64, generator: g);
        var noise = randn(new long[] { 8, 3 }, dtype: ScalarType.Float64, generator: g);
        return z.matmul(LinearGaussianVae.W.t()) + T(LinearGaussianVae.BValues) + LinearGaussianVae.Sigma * noise;
    }

    static readonly ReconstructionLikelihood Decoder = ReconstructionLikelihood.GaussianFixed(LinearGaussianVae.Sigma);

    [Fact]
    public void ElboEqualsTheExactLogLikelihoodWhenQIsTheExactPosterior()
    {
        var x = DataPoints();
        var logPx = D(LinearGaussianVae.ExactLogLikelihood(x));
        using var model = LinearGaussianVae.ExactPosterior();
        // Closed form: ELBO = log p(x) − KL(q || posterior) = log p(x).
        Assert.Equal(logPx, D(model.ExactElbo(x)), new Tol(1e-10));
        // The library's one-sample estimate with the Monte-Carlo KL is log p(x, z) − log q(z|x) = log p(x)
        // for every z, to float64 rounding (terms of size ~10 cancel: 1e−12 is ~100 ulps).
        var (terms, _) = Elbo.Evaluate(model, Decoder, x, kl: KlEstimator.MonteCarlo, generator: Seeding.Generator(1));
        Assert.Equal(logPx, D(terms.PerImage), new Tol(1e-12));
        // Every importance weight equals p(x): the IWAE bound is exact at any K.
        Assert.Equal(logPx, D(Elbo.IwaeBound(model, Decoder, x, null, 7, Seeding.Generator(2))), new Tol(1e-12));
    }

    [Fact]
    public void ElboIsBelowTheExactLogLikelihoodForAnArbitraryQ()
    {
        var x = DataPoints();
        var logPx = LinearGaussianVae.ExactLogLikelihood(x);
        using var model = ArbitraryPosterior();
        var exactElbo = model.ExactElbo(x);
        // The identity log p(x) = ELBO + KL(q || p(z|x)), all three computed independently.
        Assert.Equal(D(logPx), D(exactElbo + model.KlToExactPosterior(x)), new Tol(1e-10));
        Assert.All(D(logPx - exactElbo), gap => Assert.True(gap > 0.1, $"gap {gap}"));

        // The library's estimate (closed-form KL, one z per copy, 4,000 copies of each x) agrees with the
        // closed-form ELBO within 4 standard errors and lies below log p(x) by more than 4 of them.
        const int copies = 4000;
        var xs = x.repeat(copies, 1);
        var (terms, _) = Elbo.Evaluate(model, Decoder, xs, generator: Seeding.Generator(3));
        var perX = terms.PerImage.view(copies, 8);
        var mean = D(perX.mean(new long[] { 0 }));
        var se = D(perX.std(0) / Math.Sqrt(copies));
        var exact = D(exactElbo);
        var log = D(logPx);
        for (int i = 0; i < 8; i++)
        {
            output.WriteLine($"x{i}: log p(x) = {log[i]:F4}, exact ELBO = {exact[i]:F4}, estimate {mean[i]:F4} ± {se[i]:F4}");
            Assert.True(Math.Abs(mean[i] - exact[i]) < 4 * se[i], $"x{i}: estimate {mean[i]:F4} ± {se[i]:F4}, exact ELBO {exact[i]:F4}");
            Assert.True(mean[i] + 4 * se[i] < log[i], $"x{i}: estimate {mean[i]:F4} ± {se[i]:F4} not below log p(x) = {log[i]:F4}");
        }
    }

    [Fact]
    public void IwaeBoundRisesWithKTowardTheExactLogLikelihood()
    {
        // L_K averaged over 8 data points × 200 independent repetitions, for K = 1, 10, 100, 1000.
        // Each step up in K must rise by more than 3 standard errors of the difference (the
        // repetitions give the SE), stay below log p(x) up to 3 SE, and close most of the gap.
        var x = DataPoints();
        double logPx = LinearGaussianVae.ExactLogLikelihood(x).mean().item<double>();
        using var model = ArbitraryPosterior();
        const int repetitions = 200;
        var xs = x.repeat(repetitions, 1);
        var g = Seeding.Generator(4);
        var bounds = new List<(int K, double Mean, double Se)>();
        foreach (int k in new[] { 1, 10, 100, 1000 })
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var perRepetition = Elbo.IwaeBound(model, Decoder, xs, null, k, g, samplesPerPass: 100).view(repetitions, 8).mean(new long[] { 1 });
            bounds.Add((k, perRepetition.mean().item<double>(), perRepetition.std().item<double>() / Math.Sqrt(repetitions)));
        }
        string table = string.Join("; ", bounds.Select(b => $"L_{b.K} = {b.Mean:F4} ± {b.Se:F4}")) + $"; log p(x) = {logPx:F4}";
        output.WriteLine(table);
        for (int i = 1; i < bounds.Count; i++)
        {
            double rise = bounds[i].Mean - bounds[i - 1].Mean, se = Math.Sqrt(bounds[i].Se * bounds[i].Se + bounds[i - 1].Se * bounds[i - 1].Se);
            Assert.True(rise > 3 * se, $"L_{bounds[i].K} does not rise above L_{bounds[i - 1].K}: {table}");
        }
        Assert.True(bounds[^1].Mean < logPx + 3 * bounds[^1].Se, table);
        Assert.True(logPx - bounds[^1].Mean < 0.1 * (logPx - bounds[0].Mean), table);
    }

    [Fact]
    public void ImportanceWeightsMatchAPerSampleComputationForAConditionalConvVae()
    {
        // The batched path repeats x and the labels K times and decodes K·N latents at once; the
        // same z (same generator seed, one pass) decoded one sample at a time must give the same
        // log w_k = log p(x|z_k, y) + log p(z_k) − log q(z_k|x, y) for every image and sample
        // (float32 sums of 768 pixel terms of ~5·10² nats: 1e−2 absolute is ~2e−5 relative).
        manual_seed(3);
        using var vae = new ConvVae(16, 3, latentSize: 4, width: 4, classCount: 3);
        var x = rand(new long[] { 3, 3, 16, 16 }, generator: Seeding.Generator(6));
        var labels = tensor(new long[] { 2, 0, 1 });
        var likelihood = ReconstructionLikelihood.Bernoulli;
        using var noGrad = no_grad();
        var logW = Elbo.LogImportanceWeights(vae, likelihood, x, labels, 5, Seeding.Generator(8), samplesPerPass: 5);
        Assert.Equal(new long[] { 5, 3 }, logW.shape);
        var (mu, logVar) = vae.Encode(x, labels);
        var z = Reparameterization.Sample(mu, logVar, 5, Seeding.Generator(8));
        for (int k = 0; k < 5; k++)
        {
            var expected = likelihood.LogProbability(x, vae.Decode(z[k], labels))
                + KlDivergence.LogStandardNormal(z[k]) - KlDivergence.LogNormal(z[k], mu, logVar);
            Assert.Equal(D(expected), D(logW[k]), new Tol(1e-2));
        }

        // The log-likelihood estimate is the IWAE bound, reported per image in nats and bits/dim.
        var estimate = Elbo.EstimateLogLikelihood(vae, likelihood, x, labels, 5, binWidth: 1.0 / 255, Seeding.Generator(8), samplesPerPass: 2);
        Assert.Equal(3 * 16 * 16, estimate.Dimensions);
        Assert.Equal(new long[] { 3 }, estimate.Nats.shape);
        var bits = D(estimate.BitsPerDimension);
        var nats = D(estimate.Nats);
        for (int i = 0; i < 3; i++) Assert.Equal(-nats[i] / (768 * Math.Log(2)) + Math.Log2(255), bits[i], 4);
        Assert.Equal(nats.Average(), estimate.MeanNats, 3);
    }

    sealed class Tol(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(double value) => 0;
    }
}
