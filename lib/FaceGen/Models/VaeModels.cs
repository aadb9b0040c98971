using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>
/// The reparameterisation trick (Kingma &amp; Welling 2014, §2.4; tutorial §3.2) — the one place where
/// the kit draws z ~ q_φ(z|x) = N(μ, diag σ²):
/// z = μ + σ ⊙ ε,  σ = exp(½ log σ²),  ε ~ N(0, I).
/// The randomness sits in ε, which does not depend on φ, so ∂z/∂μ = 1 and ∂z/∂log σ² = ½σε and
/// gradients of E_q[f(z)] flow to the encoder. Derived in notebooks/05-vae-structure-and-elbo.
/// </summary>
public static class Reparameterization
{
    /// <summary>z = μ + exp(½ log σ²) ⊙ ε for a given ε (broadcast against μ); use it directly to
    /// evaluate an estimator with common random numbers.</summary>
    public static Tensor Transform(Tensor mu, Tensor logVar, Tensor epsilon) =>
        // z = μ + σ·ε with σ = exp(½ log σ²)
        mu + (0.5 * logVar).exp() * epsilon;

    /// <summary>One z per row of μ: ε ~ N(0, I) of μ's shape, dtype and device; z has μ's shape.</summary>
    public static Tensor Sample(Tensor mu, Tensor logVar, Generator? generator = null) =>
        Transform(mu, logVar, randn(mu.shape, dtype: mu.dtype, device: mu.device, generator: generator));

    /// <summary><paramref name="samples"/> independent z per row of μ: shape (K, …μ.shape).</summary>
    public static Tensor Sample(Tensor mu, Tensor logVar, int samples, Generator? generator = null)
    {
        if (samples < 1) throw new ArgumentException($"samples={samples}: need at least one sample.");
        var shape = new long[mu.dim() + 1];
        shape[0] = samples;
        Array.Copy(mu.shape, 0, shape, 1, mu.dim());
        return Transform(mu, logVar, randn(shape, dtype: mu.dtype, device: mu.device, generator: generator));
    }
}

/// <summary>
/// The parameters of p_θ(x|z) that a decoder outputs, shaped like the data.
/// <see cref="Location"/>: logits ℓ for a Bernoulli decoder (p = σ(ℓ); the sigmoid lives in the
/// likelihood, not the network), the mean μ for a Gaussian, the location μ for a Laplace.
/// <see cref="LogScale"/>: only for decoders that learn their per-pixel scale — log σ² (the
/// log-variance) for a Gaussian, log b for a Laplace; null when the scale is fixed.
/// </summary>
public sealed record VaeDecoding(Tensor Location, Tensor? LogScale = null);

/// <summary>One pass x → q_φ(z|x) = N(<see cref="Mu"/>, diag exp(<see cref="LogVar"/>)) → one
/// reparameterised sample <see cref="Z"/> → p_θ(x|z) parameters <see cref="Decoding"/>.</summary>
public sealed record VaeOutput(VaeDecoding Decoding, Tensor Mu, Tensor LogVar, Tensor Z);

/// <summary>
/// A variational auto-encoder (tutorial §3.2): an encoder q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x)), a prior
/// p(z) = N(0, I) and a decoder p_θ(x|z), trained by maximising the evidence lower bound (§3.2.3)
/// log p_θ(x) ≥ E_{z~q_φ(z|x)}[log p_θ(x|z)] − D_KL(q_φ(z|x) || p(z)) (see FaceGen.Losses.Elbo).
/// Conditional VAEs (<see cref="ClassCount"/> &gt; 0) take a label y in both the encoder and the
/// decoder: q_φ(z|x, y), p_θ(x|z, y). Derived in notebooks/05-vae-structure-and-elbo.
/// </summary>
public abstract class Vae(string name) : Module(name)
{
    /// <summary>Dimension of z.</summary>
    public abstract int LatentSize { get; }
    /// <summary>Number of label classes of a conditional VAE; 0 for an unconditional one (labels are then ignored).</summary>
    public virtual int ClassCount => 0;
    /// <summary>Whether <see cref="Decode"/> returns a per-pixel <see cref="VaeDecoding.LogScale"/>.</summary>
    public virtual bool LearnedScale => false;

    /// <summary>q_φ(z|x[, y]): the mean μ and log-variance log σ², each (N, <see cref="LatentSize"/>).</summary>
    public abstract (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor? labels = null);

    /// <summary>p_θ(x|z[, y]): the decoder's parameters for z of shape (N, <see cref="LatentSize"/>).</summary>
    public abstract VaeDecoding Decode(Tensor z, Tensor? labels = null);

    /// <summary>Encode, draw one z with <see cref="Reparameterization.Sample(Tensor, Tensor, Generator?)"/>, decode.</summary>
    public VaeOutput forward(Tensor x, Tensor? labels = null, Generator? generator = null)
    {
        var (mu, logVar) = Encode(x, labels);
        var z = Reparameterization.Sample(mu, logVar, generator);
        return new VaeOutput(Decode(z, labels), mu, logVar, z);
    }

    /// <summary>z ~ p(z) = N(0, I), shape (n, <see cref="LatentSize"/>), on the model's device and dtype.</summary>
    public Tensor SampleLatent(int n, Generator? generator = null)
    {
        var p = parameters().First();
        return randn(new long[] { n, LatentSize }, dtype: p.dtype, device: p.device, generator: generator);
    }

    /// <summary>Throws when a conditional model gets no labels.</summary>
    protected void RequireLabels(Tensor? labels)
    {
        if (ClassCount > 0 && labels is null) throw new ArgumentException($"{GetName()} is conditional on {ClassCount} classes: pass labels.");
    }

    /// <summary>The decoder's raw output of 1 or 2 blocks of channels (dim 1) as a <see cref="VaeDecoding"/>.</summary>
    protected VaeDecoding SplitDecoderOutput(Tensor output)
    {
        if (!LearnedScale) return new VaeDecoding(output);
        var halves = output.chunk(2, 1);
        return new VaeDecoding(halves[0], halves[1]);
    }
}

/// <summary>
/// The MLP VAE of pytorch/examples (vae/main.py), layer names kept: fc1 (D→400) → ReLU → fc21 (μ) and
/// fc22 (log σ²) (400→20); fc3 (20→400) → ReLU → fc4 (400→D). Defaults give 784-400-20 for 28×28
/// grey images. <see cref="Vae.Decode"/> returns fc4's output as it is: logits for a Bernoulli
/// decoder (the reference applies the sigmoid in the network and uses BCE on probabilities; the
/// logits form is the same likelihood, computed stably). With a learned scale fc4 has 2D outputs.
/// Conditional: a label embedding is concatenated to the flattened image (fc1's input) and to z (fc3's input).
/// </summary>
public sealed class MlpVae : Vae
{
    readonly Linear fc1, fc21, fc22, fc3, fc4;
    readonly Embedding? labelEmbedding;
    readonly long[] imageShape;
    readonly int latentSize, classCount;
    readonly bool learnedScale;

    /// <summary>An MLP VAE for <paramref name="channels"/>×<paramref name="imageSize"/>² images with one
    /// hidden layer of <paramref name="hidden"/> units on each side; the defaults are pytorch/examples'
    /// 784-400-20. <paramref name="classCount"/> &gt; 0 makes it conditional with a label embedding of
    /// <paramref name="labelEmbeddingSize"/>; <paramref name="learnedScale"/> adds a per-pixel log-scale output.
    /// Layers keep PyTorch's default initialisation, as the reference does.</summary>
    public MlpVae(int channels = 1, int imageSize = 28, int hidden = 400, int latentSize = 20,
        int classCount = 0, int labelEmbeddingSize = 16, bool learnedScale = false)
        : base(nameof(MlpVae))
    {
        TorchRuntime.EnsureInitialized();
        imageShape = new long[] { channels, imageSize, imageSize };
        this.latentSize = latentSize;
        this.classCount = classCount;
        this.learnedScale = learnedScale;
        int pixels = channels * imageSize * imageSize;
        int label = classCount > 0 ? labelEmbeddingSize : 0;
        if (classCount > 0) labelEmbedding = Embedding(classCount, labelEmbeddingSize);
        fc1 = Linear(pixels + label, hidden);
        fc21 = Linear(hidden, latentSize);
        fc22 = Linear(hidden, latentSize);
        fc3 = Linear(latentSize + label, hidden);
        fc4 = Linear(hidden, learnedScale ? 2 * pixels : pixels);
        RegisterComponents();
    }

    public override int LatentSize => latentSize;
    public override int ClassCount => classCount;
    public override bool LearnedScale => learnedScale;

    public override (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor? labels = null)
    {
        RequireLabels(labels);
        var h1 = functional.relu(fc1.call(WithLabel(x.flatten(1), labels)));
        return (fc21.call(h1), fc22.call(h1));
    }

    public override VaeDecoding Decode(Tensor z, Tensor? labels = null)
    {
        RequireLabels(labels);
        var h3 = functional.relu(fc3.call(WithLabel(z, labels)));
        var output = fc4.call(h3);
        long blocks = learnedScale ? 2 : 1;
        return SplitDecoderOutput(output.view(output.shape[0], blocks * imageShape[0], imageShape[1], imageShape[2]));
    }

    Tensor WithLabel(Tensor features, Tensor? labels) =>
        labelEmbedding is null ? features : cat(new[] { features, labelEmbedding.forward(labels!) }, 1);
}

/// <summary>
/// Convolutional VAE for square grey or RGB images of 4·2^k pixels (32, 64 …).
/// Encoder: [Conv(4×4, stride 2) → ReLU]… from the image down to 4×4, doubling the channels from
/// <c>width</c>; the flattened 4×4 features feed two linear heads, μ and log σ².
/// Decoder (mirror): Linear(z → 4×4 features) → ReLU → [ConvT(4×4, stride 2) → ReLU]… → ConvT to the
/// image's channels (twice as many with a learned scale), with no output activation (logits or means).
/// No batch norm, so each image's q(z|x) and p(x|z) depend on that image alone (per-image bounds).
/// Conditional: a label embedding is concatenated to the flattened encoder features (the heads'
/// input) and to z (the decoder's input).
/// </summary>
public sealed class ConvVae : Vae
{
    readonly Sequential encoder, decoder;
    readonly Linear fcMu, fcLogVar, fcDecode;
    readonly Embedding? labelEmbedding;
    readonly long topChannels;
    readonly int latentSize, classCount;
    readonly bool learnedScale;

    /// <summary>A convolutional VAE for <paramref name="channels"/>×<paramref name="imageSize"/>² images
    /// (1 or 3 channels; 4·2^k pixels) with <paramref name="width"/> channels after the first convolution
    /// and a <paramref name="latentSize"/>-dimensional z. <paramref name="classCount"/> &gt; 0 makes it
    /// conditional (label embedding of <paramref name="labelEmbeddingSize"/>); <paramref name="learnedScale"/>
    /// adds a per-pixel log-scale output. PyTorch's default initialisation.</summary>
    public ConvVae(int imageSize = 64, int channels = 3, int latentSize = 32, int width = 32,
        int classCount = 0, int labelEmbeddingSize = 16, bool learnedScale = false)
        : base(nameof(ConvVae))
    {
        TorchRuntime.EnsureInitialized();
        int doublings = DoublingsFrom4(imageSize);
        this.latentSize = latentSize;
        this.classCount = classCount;
        this.learnedScale = learnedScale;
        int label = classCount > 0 ? labelEmbeddingSize : 0;
        if (classCount > 0) labelEmbedding = Embedding(classCount, labelEmbeddingSize);

        var down = new List<(string, Module<Tensor, Tensor>)>();
        long c = channels, next = width;
        for (int i = 0; i < doublings; i++)
        {
            down.Add(($"down{i}", Conv2d(c, next, 4, 2, 1)));
            down.Add(($"down{i}_relu", ReLU(true)));
            c = next;
            next *= 2;
        }
        encoder = Sequential(down);
        topChannels = c;
        long features = topChannels * 16;
        fcMu = Linear(features + label, latentSize);
        fcLogVar = Linear(features + label, latentSize);

        fcDecode = Linear(latentSize + label, features);
        var up = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 1; i < doublings; i++)
        {
            up.Add(($"up{i}", ConvTranspose2d(c, c / 2, 4, 2, 1)));
            up.Add(($"up{i}_relu", ReLU(true)));
            c /= 2;
        }
        up.Add(("to_image", ConvTranspose2d(c, learnedScale ? 2 * channels : channels, 4, 2, 1)));
        decoder = Sequential(up);
        RegisterComponents();
    }

    public override int LatentSize => latentSize;
    public override int ClassCount => classCount;
    public override bool LearnedScale => learnedScale;

    public override (Tensor Mu, Tensor LogVar) Encode(Tensor x, Tensor? labels = null)
    {
        RequireLabels(labels);
        var h = WithLabel(encoder.forward(x).flatten(1), labels);
        return (fcMu.call(h), fcLogVar.call(h));
    }

    public override VaeDecoding Decode(Tensor z, Tensor? labels = null)
    {
        RequireLabels(labels);
        var h = functional.relu(fcDecode.call(WithLabel(z, labels)));
        return SplitDecoderOutput(decoder.forward(h.view(h.shape[0], topChannels, 4, 4)));
    }

    Tensor WithLabel(Tensor features, Tensor? labels) =>
        labelEmbedding is null ? features : cat(new[] { features, labelEmbedding.forward(labels!) }, 1);

    static int DoublingsFrom4(int imageSize)
    {
        int k = 0;
        for (int s = imageSize; s > 4 && s % 2 == 0; s /= 2) k++;
        if (imageSize < 16 || 4 << k != imageSize)
            throw new ArgumentException($"image size {imageSize}: ConvVae needs 4·2^k pixels (16, 32, 64, 128).");
        return k;
    }
}
