using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>
/// The one place where float image batches (N, C, H, W) change range, channels or size: GAN images live in [−1, 1]
/// (tanh), VAE and recogniser inputs in [0, 1]; grey is BT.601 luma. Every conversion is explicit, and the generator
/// evaluation, the ablation runner and the restoration scores prepare a recogniser's input the same way (notebook 08,
/// "Scoring the samples through the recogniser's eyes").
/// </summary>
public static class ImageAdapter
{
    /// <summary>[−1, 1] → [0, 1]: (x + 1) / 2.</summary>
    public static Tensor SignedToUnit(Tensor signed) => (signed + 1f) / 2f;

    /// <summary>[0, 1] → [−1, 1]: 2x − 1.</summary>
    public static Tensor UnitToSigned(Tensor unit) => unit * 2 - 1;

    /// <summary>BT.601 luminance of an (N, 3, H, W) RGB batch: Y = 0.299 R + 0.587 G + 0.114 B, shape (N, 1, H, W)
    /// (PIL's "L" mode and torchvision's Grayscale use the same weights).</summary>
    public static Tensor Luma(Tensor rgb) =>
        rgb.narrow(1, 0, 1) * 0.299f + rgb.narrow(1, 1, 1) * 0.587f + rgb.narrow(1, 2, 1) * 0.114f;

    /// <summary>Square images of <paramref name="size"/> pixels: area averaging when shrinking (every source pixel
    /// counts, no aliasing), bilinear when enlarging; unchanged when already that size.</summary>
    public static Tensor Resize(Tensor images, int size)
    {
        if (images.shape[2] == size && images.shape[3] == size) return images;
        bool shrink = images.shape[2] > size;
        return nn.functional.interpolate(images, new long[] { size, size },
            mode: shrink ? InterpolationMode.Area : InterpolationMode.Bilinear, align_corners: shrink ? null : false);
    }

    /// <summary>Images in [0, 1] prepared for a recogniser (or any model) that takes <paramref name="channels"/>-channel
    /// faces of <paramref name="size"/> pixels: RGB → grey by <see cref="Luma"/>, grey → RGB by repeating the channel,
    /// then <see cref="Resize"/>.</summary>
    public static Tensor ForRecognizer(Tensor unitImages, int channels, int size)
    {
        var x = unitImages;
        if (x.shape[1] == 3 && channels == 1) x = Luma(x);
        else if (x.shape[1] == 1 && channels == 3) x = x.repeat(1, 3, 1, 1);
        else if (x.shape[1] != channels)
            throw new ArgumentException($"{x.shape[1]}-channel images for a model of {channels}-channel faces: expected 1 or 3 channels each.");
        return Resize(x, size);
    }
}
