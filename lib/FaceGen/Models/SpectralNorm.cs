using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>
/// Spectral normalisation (Miyato et al. 2018): a layer uses W / σ(W), where σ(W) is the largest
/// singular value of W reshaped to (out, in·k·k), estimated by one step of power iteration per
/// training forward pass: v = normalise(Wᵀu), u = normalise(Wv), σ ≈ uᵀWv. The estimate of u
/// persists as a buffer, so σ converges over the steps. TorchSharp 0.107 has no spectral_norm
/// utility, hence these two layers.
/// </summary>
public static class SpectralNorm
{
    /// <summary>W / σ(W) for a weight whose first dimension is the output; updates <paramref name="u"/> in training.</summary>
    public static Tensor Normalize(Tensor weight, Tensor u, bool training, int powerIterations = 1)
    {
        var matrix = weight.flatten(1);
        if (training)
        {
            using var noGrad = no_grad();
            for (int i = 0; i < powerIterations; i++)
            {
                var v = functional.normalize(matrix.t().mv(u), dim: 0, eps: 1e-12);
                u.copy_(functional.normalize(matrix.mv(v), dim: 0, eps: 1e-12));
            }
        }
        // σ = uᵀWv with u, v treated as constants: the gradient flows through W only. A copy of u goes into
        // the graph, because the next forward pass (D sees real, then fake images) updates u in place.
        var uNow = u.detach().clone();
        var vNow = functional.normalize(matrix.t().mv(uNow), dim: 0, eps: 1e-12).detach();
        var sigma = uNow.dot(matrix.mv(vNow));
        return weight / sigma;
    }

    /// <summary>A random unit vector with one entry per output row of <paramref name="weight"/>, on its device.</summary>
    internal static Tensor InitialU(Tensor weight) =>
        functional.normalize(randn(weight.shape[0], device: weight.device, dtype: weight.dtype), dim: 0);
}

/// <summary>A 2-D convolution whose weight is spectrally normalised (see <see cref="SpectralNorm"/>).</summary>
public sealed class SpectralConv2d : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly Tensor u;
    readonly long stride, padding;

    public SpectralConv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, bool bias = true)
        : base(nameof(SpectralConv2d))
    {
        using var template = Conv2d(inChannels, outChannels, kernelSize, stride, padding, bias: bias);
        weight = new Parameter(template.weight!.detach().clone());
        this.bias = bias ? new Parameter(template.bias!.detach().clone()) : null;
        u = SpectralNorm.InitialU(weight);
        this.stride = stride;
        this.padding = padding;
        RegisterComponents();
    }

    /// <summary>The raw (unnormalised) weight, for initialisation.</summary>
    public Parameter Weight => weight;

    /// <summary>The current estimate of σ(W).</summary>
    public float SigmaEstimate()
    {
        using var scope = NewDisposeScope();
        var m = weight.detach().flatten(1);
        var v = functional.normalize(m.t().mv(u), dim: 0);
        return u.dot(m.mv(v)).item<float>();
    }

    public override Tensor forward(Tensor input) =>
        functional.conv2d(input, SpectralNorm.Normalize(weight, u, training), bias,
            strides: new[] { stride, stride }, padding: new[] { padding, padding });
}

/// <summary>A linear layer whose weight is spectrally normalised (see <see cref="SpectralNorm"/>).</summary>
public sealed class SpectralLinear : Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter? bias;
    readonly Tensor u;

    public SpectralLinear(long inFeatures, long outFeatures, bool bias = true) : base(nameof(SpectralLinear))
    {
        using var template = Linear(inFeatures, outFeatures, hasBias: bias);
        weight = new Parameter(template.weight.detach().clone());
        this.bias = bias ? new Parameter(template.bias!.detach().clone()) : null;
        u = SpectralNorm.InitialU(weight);
        RegisterComponents();
    }

    public Parameter Weight => weight;

    public override Tensor forward(Tensor input) =>
        functional.linear(input, SpectralNorm.Normalize(weight, u, training), bias);
}
