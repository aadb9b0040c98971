using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Models;

/// <summary>
/// A small U-Net (Ronneberger et al. 2015) for image-to-image restoration at 16·2^k pixels. Input: the degraded
/// image (C channels, [0, 1]) and its known-pixel mask (1 channel; all ones for super-resolution and denoising);
/// output: the restored image as a residual over the input, x̂ = x_degraded + f(x_degraded, mask).
/// Encoder: 3×3 conv, then three 4×4 stride-2 convs (H → H/8); decoder: three 4×4 stride-2 transposed convs, each
/// followed by concatenation with the encoder features of the same size (skip connections keep fine detail), then a
/// 3×3 conv to C channels. LeakyReLU(0.2) throughout, no normalisation.
/// </summary>
public sealed class RestorationNet : Module<Tensor, Tensor, Tensor>
{
    readonly Conv2d stem, down1, down2, down3, head;
    readonly ConvTranspose2d up3, up2, up1;

    /// <summary>Channels of the images it restores.</summary>
    public int Channels { get; }

    public RestorationNet(int channels = 3, int width = 32) : base(nameof(RestorationNet))
    {
        TorchRuntime.EnsureInitialized();
        if (channels is not (1 or 3)) throw new ArgumentException($"channels = {channels}: expected 1 (grey) or 3 (RGB).");
        Channels = channels;
        stem = Conv2d(channels + 1, width, 3, padding: 1);
        down1 = Conv2d(width, 2 * width, 4, 2, 1);
        down2 = Conv2d(2 * width, 4 * width, 4, 2, 1);
        down3 = Conv2d(4 * width, 4 * width, 4, 2, 1);
        up3 = ConvTranspose2d(4 * width, 4 * width, 4, 2, 1);
        up2 = ConvTranspose2d(8 * width, 2 * width, 4, 2, 1);
        up1 = ConvTranspose2d(4 * width, width, 4, 2, 1);
        head = Conv2d(2 * width, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>x̂ = degraded + f(degraded, known); <paramref name="known"/> is (B, 1, H, W).</summary>
    public override Tensor forward(Tensor degraded, Tensor known)
    {
        if (degraded.shape[2] % 8 != 0 || degraded.shape[3] % 8 != 0)
            throw new ArgumentException($"images of {degraded.shape[2]}×{degraded.shape[3]}: RestorationNet needs sides divisible by 8.");
        Tensor Act(Tensor t) => functional.leaky_relu(t, 0.2);
        var e1 = Act(stem.call(cat(new[] { degraded, known }, 1)));   // H
        var e2 = Act(down1.call(e1));                                  // H/2
        var e3 = Act(down2.call(e2));                                  // H/4
        var bottom = Act(down3.call(e3));                              // H/8
        var d3 = cat(new[] { Act(up3.call(bottom)), e3 }, 1);          // H/4
        var d2 = cat(new[] { Act(up2.call(d3)), e2 }, 1);              // H/2
        var d1 = cat(new[] { Act(up1.call(d2)), e1 }, 1);              // H
        return degraded + head.call(d1);
    }
}
