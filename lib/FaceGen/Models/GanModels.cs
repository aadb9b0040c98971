using FaceGen.Runtime;
using FaceGen.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>How a discriminator normalises its hidden layers. WGAN-GP and R1 penalise per-sample
/// input gradients, which batch norm mixes across the batch: use <see cref="None"/> or
/// <see cref="Spectral"/> with them.</summary>
public enum DiscriminatorNorm { Batch, None, Spectral }

/// <summary>A generator G(z[, y]) → image in [−1, 1] (tanh). Conditional generators (tutorial §3.1.1:
/// "noise plus face feature information") take an identity / attribute label y.</summary>
public abstract class GanGenerator(string name) : Module<Tensor, Tensor>(name)
{
    public abstract int LatentSize { get; }
    /// <summary>0 for an unconditional generator.</summary>
    public virtual int ClassCount => 0;
    public abstract Tensor forward(Tensor z, Tensor? labels);
    public override Tensor forward(Tensor z) => forward(z, null);

    /// <summary>z ~ N(0, I) of shape (n, LatentSize) on the model's device.</summary>
    public Tensor SampleLatent(int n, Generator? generator = null) =>
        randn(new long[] { n, LatentSize }, generator: generator, device: parameters().First().device);

    /// <summary>n samples (n, C, H, W) in [0, 1] on the CPU, (G(z) + 1) / 2 clamped: G in eval mode without gradients
    /// (then put back in the mode it was in), z ~ N(0, I) drawn from its own generator seeded with <paramref name="seed"/>
    /// (the global random stream is untouched); a conditional G gets labels 0, 1, …, C − 1, 0, 1, …</summary>
    public Tensor Sample(int n, int seed) => InEvalMode(() =>
    {
        using var scope = NewDisposeScope();
        using var noise = Seeding.Generator(seed);
        var labels = ClassBalance.CyclicLabels(n, ClassCount, parameters().First().device);
        return ImageAdapter.SignedToUnit(forward(SampleLatent(n, noise), labels)).clamp(0, 1).cpu().MoveToOuterDisposeScope();
    });

    /// <summary>Runs <paramref name="action"/> with G in eval mode (batch norm on its running statistics) and without
    /// gradients, then puts G back in the mode it was in.</summary>
    public T InEvalMode<T>(Func<T> action)
    {
        bool wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            return action();
        }
        finally
        {
            if (wasTraining) train();
        }
    }

    protected void RequireLabels(Tensor? labels)
    {
        if (ClassCount > 0 && labels is null) throw new ArgumentException($"{GetName()} is conditional on {ClassCount} classes: pass labels.");
    }
}

/// <summary>A discriminator / critic D(x[, y]) → one logit (or score) per image; the sigmoid that turns
/// a logit into the probability D(x) of tutorial §3.1.2 lives in the losses.</summary>
public abstract class GanDiscriminator(string name) : Module<Tensor, Tensor>(name)
{
    public virtual int ClassCount => 0;
    public abstract Tensor forward(Tensor images, Tensor? labels);
    public override Tensor forward(Tensor images) => forward(images, null);
}

/// <summary>
/// DCGAN generator (Radford et al. 2016) for square images of 4·2^k pixels (32, 64, 128):
/// z → ConvT(4×4, stride 1) to 4×4 → [ConvT(4×4, stride 2) → BN → ReLU]… → ConvT → tanh,
/// halving the width at each doubling, ending at <c>width</c> channels before the image.
/// Conditional: a learned label embedding is concatenated to z.
/// </summary>
public sealed class DcganGenerator : GanGenerator
{
    readonly Sequential body;
    readonly Embedding? labelEmbedding;
    readonly int latentSize, classCount;

    public DcganGenerator(int imageSize = 64, int channels = 3, int latentSize = 100, int width = 64, int classCount = 0)
        : base(nameof(DcganGenerator))
    {
        TorchRuntime.EnsureInitialized();
        int doublings = GanArchitecture.DoublingsFrom4(imageSize);
        this.latentSize = latentSize;
        this.classCount = classCount;
        int input = latentSize;
        if (classCount > 0)
        {
            labelEmbedding = Embedding(classCount, latentSize);
            input += latentSize;
        }
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long c = (long)width << (doublings - 1);
        layers.Add(("project", ConvTranspose2d(input, c, 4, 1, 0, bias: false)));
        layers.Add(("project_bn", BatchNorm2d(c)));
        layers.Add(("project_relu", ReLU(true)));
        for (int i = 1; i < doublings; i++)
        {
            layers.Add(($"up{i}", ConvTranspose2d(c, c / 2, 4, 2, 1, bias: false)));
            layers.Add(($"up{i}_bn", BatchNorm2d(c / 2)));
            layers.Add(($"up{i}_relu", ReLU(true)));
            c /= 2;
        }
        layers.Add(("to_image", ConvTranspose2d(c, channels, 4, 2, 1, bias: false)));
        layers.Add(("tanh", Tanh()));
        body = Sequential(layers);
        RegisterComponents();
        GanArchitecture.InitializeDcgan(this);
    }

    public override int LatentSize => latentSize;
    public override int ClassCount => classCount;

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        RequireLabels(labels);
        var input = labelEmbedding is null ? z : cat(new[] { z, labelEmbedding.forward(labels!) }, 1);
        return body.forward(input.view(input.shape[0], input.shape[1], 1, 1));
    }
}

/// <summary>
/// DCGAN discriminator for square images of 4·2^k pixels: Conv(4×4, stride 2) → LeakyReLU(0.2), then
/// [Conv(4×4, stride 2) → norm → LeakyReLU(0.2)]… down to 4×4, then Conv(4×4) → one logit.
/// Norm: batch norm (DCGAN), none (for gradient penalties) or spectral normalisation of every
/// convolution. Conditional: a projection discriminator (Miyato &amp; Koyama 2018),
/// logit = ψ(φ(x)) + ⟨embed(y), Σ_spatial φ(x)⟩.
/// </summary>
public sealed class DcganDiscriminator : GanDiscriminator
{
    readonly Sequential features;
    readonly Module<Tensor, Tensor> head;
    readonly Embedding? projection;
    readonly int classCount;

    public DcganDiscriminator(int imageSize = 64, int channels = 3, int width = 64, DiscriminatorNorm norm = DiscriminatorNorm.Batch, int classCount = 0)
        : base(nameof(DcganDiscriminator))
    {
        TorchRuntime.EnsureInitialized();
        int doublings = GanArchitecture.DoublingsFrom4(imageSize);
        this.classCount = classCount;
        Module<Tensor, Tensor> Conv(long cin, long cout, long k, long s, long p) =>
            norm == DiscriminatorNorm.Spectral ? new SpectralConv2d(cin, cout, k, s, p, bias: false) : Conv2d(cin, cout, k, s, p, bias: false);
        var layers = new List<(string, Module<Tensor, Tensor>)>
        {
            ("down0", Conv(channels, width, 4, 2, 1)),
            ("down0_lrelu", LeakyReLU(0.2, true)),
        };
        long c = width;
        for (int i = 1; i < doublings; i++)
        {
            layers.Add(($"down{i}", Conv(c, c * 2, 4, 2, 1)));
            if (norm == DiscriminatorNorm.Batch) layers.Add(($"down{i}_bn", BatchNorm2d(c * 2)));
            layers.Add(($"down{i}_lrelu", LeakyReLU(0.2, true)));
            c *= 2;
        }
        features = Sequential(layers);
        head = Conv(c, 1, 4, 1, 0);
        if (classCount > 0) projection = Embedding(classCount, c);
        RegisterComponents();
        GanArchitecture.InitializeDcgan(this);
        // The projection embedding starts at the DCGAN scale N(0, 0.02) too: at torch's default N(0, 1),
        // ⟨embed(y), Σ_spatial φ(x)⟩ over the 4×4 features gives logits of magnitude ~50 at step 1 (L_D = 52.6
        // measured), which saturate D so that a conditional generator never left noise textures.
        if (projection is not null) using (no_grad()) init.normal_(projection.weight!, 0, 0.02);
    }

    public override int ClassCount => classCount;

    public override Tensor forward(Tensor images, Tensor? labels)
    {
        if (classCount > 0 && labels is null) throw new ArgumentException($"DcganDiscriminator is conditional on {classCount} classes: pass labels.");
        var h = features.forward(images);
        var logits = head.call(h).view(-1);
        if (projection is null) return logits;
        return logits + (projection.forward(labels!) * h.sum(new long[] { 2, 3 })).sum(1);
    }
}

/// <summary>Shared architecture helpers: size checks and the DCGAN initialisation.</summary>
public static class GanArchitecture
{
    /// <summary>k with imageSize = 4·2^k, k ≥ 2 (16, 32, 64, 128 …); otherwise an error naming the size.</summary>
    public static int DoublingsFrom4(int imageSize)
    {
        int k = 0;
        for (int s = imageSize; s > 4 && s % 2 == 0; s /= 2) k++;
        if (imageSize < 16 || 4 << k != imageSize)
            throw new ArgumentException($"image size {imageSize}: DCGAN models need 4·2^k pixels (16, 32, 64, 128).");
        return k;
    }

    /// <summary>DCGAN initialisation (Radford et al. 2016, §4): every convolution <em>and</em> transposed
    /// convolution weight ~ N(0, 0.02); batch-norm scale ~ N(1, 0.02), shift 0. (Matching only
    /// "Conv2d" would leave a generator's transposed convolutions at PyTorch's default init.)</summary>
    public static void InitializeDcgan(Module module)
    {
        using var noGrad = no_grad();
        foreach (var m in module.modules())
        {
            switch (m)
            {
                case Conv2d conv: init.normal_(conv.weight!, 0, 0.02); break;
                case ConvTranspose2d convT: init.normal_(convT.weight!, 0, 0.02); break;
                case SpectralConv2d sn: init.normal_(sn.Weight, 0, 0.02); break;
                case BatchNorm2d bn: init.normal_(bn.weight!, 1, 0.02); init.zeros_(bn.bias!); break;
            }
        }
    }

    /// <summary>inputs → [Linear(hidden) → activation]×depth → Linear(outputs). <paramref name="linear"/>
    /// (in, out) builds each linear layer (default: <c>nn.Linear</c>; e.g. a <see cref="SpectralLinear"/>).</summary>
    public static Sequential Mlp(int inputs, int hidden, int outputs, int depth, Func<Module<Tensor, Tensor>> activation,
        Func<long, long, Module<Tensor, Tensor>>? linear = null)
    {
        linear ??= (cin, cout) => Linear(cin, cout);
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        for (int i = 0; i < depth; i++)
        {
            layers.Add(($"linear{i}", linear(i == 0 ? inputs : hidden, hidden)));
            layers.Add(($"act{i}", activation()));
        }
        layers.Add(("out", linear(depth == 0 ? inputs : hidden, outputs)));
        return Sequential(layers);
    }

    /// <summary>Number of trainable parameters.</summary>
    public static long ParameterCount(Module module) => module.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
}

/// <summary>A small MLP generator for toy problems (points in ℝ^d, e.g. a 2-D mixture of Gaussians):
/// z → [Linear → ReLU]×depth → Linear.</summary>
public sealed class MlpGenerator : GanGenerator
{
    readonly Sequential body;
    readonly int latentSize;

    public MlpGenerator(int latentSize = 8, int hidden = 128, int outputs = 2, int depth = 2) : base(nameof(MlpGenerator))
    {
        TorchRuntime.EnsureInitialized();
        this.latentSize = latentSize;
        body = GanArchitecture.Mlp(latentSize, hidden, outputs, depth, () => ReLU());
        RegisterComponents();
    }

    public override int LatentSize => latentSize;
    public override Tensor forward(Tensor z, Tensor? labels) => body.forward(z);
}

/// <summary>A small MLP discriminator for toy problems: x → [Linear → LeakyReLU(0.2)]×depth → Linear → logit.
/// Its norm: <see cref="DiscriminatorNorm.None"/> (plain linear layers) or <see cref="DiscriminatorNorm.Spectral"/>
/// (every linear layer a <see cref="SpectralLinear"/>, so D is 1-Lipschitz up to the activations' slope); batch norm
/// is not offered for the MLP.</summary>
public sealed class MlpDiscriminator : GanDiscriminator
{
    readonly Sequential body;

    public MlpDiscriminator(int inputs = 2, int hidden = 128, int depth = 2, DiscriminatorNorm norm = DiscriminatorNorm.None) : base(nameof(MlpDiscriminator))
    {
        TorchRuntime.EnsureInitialized();
        if (norm == DiscriminatorNorm.Batch)
            throw new ArgumentException("MlpDiscriminator: norm Batch is not offered; use DiscriminatorNorm.None or DiscriminatorNorm.Spectral.", nameof(norm));
        Func<long, long, Module<Tensor, Tensor>>? linear = norm == DiscriminatorNorm.Spectral ? (cin, cout) => new SpectralLinear(cin, cout) : null;
        body = GanArchitecture.Mlp(inputs, hidden, 1, depth, () => LeakyReLU(0.2), linear);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? labels) => body.forward(x).view(-1);
}
