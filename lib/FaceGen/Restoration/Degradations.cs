using FaceGen.Runtime;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Restoration;

/// <summary>What a restoration model undoes: ×4 super-resolution, additive noise, or missing regions.</summary>
public enum RestorationTask { SuperResolution4, Denoise, Inpaint }

/// <summary>Hole shapes for inpainting. The eye band and mouth box assume aligned, centred faces (AT&amp;T,
/// UTKFace's crops, the synthetic renderer): eyes lie at 30–48% of the height, the mouth at 62–82%.</summary>
public enum MaskKind { RandomBoxes, EyeBand, Mouth, Strokes }

/// <summary>A degraded batch: the model's input image and the known-pixel mask (1 = known, 0 = missing; all ones
/// except for inpainting), both (B, ·, H, W) in [0, 1].</summary>
public sealed record DegradedBatch(Tensor Input, Tensor Known);

/// <summary>
/// The degradations of the enhancement and restoration experiments, on images in [0, 1] of shape (B, C, H, W).
/// Every random choice comes from the <see cref="Generator"/> passed in, so a seed fixes the degradation.
/// </summary>
public static class Degradations
{
    /// <summary>×4 super-resolution input: the 4×4 box average (area downsampling, H/4 × W/4), brought back to
    /// H × W by bicubic interpolation and clamped to [0, 1]; the bicubic baseline is this input itself.</summary>
    public static Tensor DownUpBicubic4(Tensor x)
    {
        TorchRuntime.EnsureInitialized();
        RequireDivisible(x, 4);
        var small = avg_pool2d(x, 4);
        return interpolate(small, new long[] { x.shape[2], x.shape[3] }, mode: InterpolationMode.Bicubic, align_corners: false).clamp(0, 1);
    }

    /// <summary>x + σ_i·ε, ε ~ N(0, I), clamped to [0, 1] (what a camera records); image i of the batch gets
    /// σ_i = <paramref name="sigmas"/>[i mod count].</summary>
    public static Tensor AddGaussianNoise(Tensor x, IReadOnlyList<double> sigmas, Generator? generator = null)
    {
        if (sigmas.Count == 0 || sigmas.Any(s => !(s >= 0))) throw new ArgumentException($"noise σ = [{string.Join(", ", sigmas)}]: give one or more values ≥ 0.");
        var perImage = tensor(Enumerable.Range(0, (int)x.shape[0]).Select(i => (float)sigmas[i % sigmas.Count]).ToArray()).view(-1, 1, 1, 1).to(x.device);
        return (x + perImage * randn(x.shape, generator: generator).to(x.device)).clamp(0, 1);
    }

    /// <summary>Known-pixel masks (B, 1, H, W): 1 = known, 0 = hole.</summary>
    public static Tensor Mask(MaskKind kind, int batch, int size, Generator generator)
    {
        TorchRuntime.EnsureInitialized();
        var known = ones(batch, 1, size, size);
        int Scaled(double fraction) => (int)Math.Round(fraction * size);
        switch (kind)
        {
            case MaskKind.EyeBand:
                known[.., .., Scaled(0.30)..Scaled(0.48), Scaled(0.12)..Scaled(0.88)] = 0;
                break;
            case MaskKind.Mouth:
                known[.., .., Scaled(0.62)..Scaled(0.82), Scaled(0.30)..Scaled(0.70)] = 0;
                break;
            case MaskKind.RandomBoxes:
                // 1–3 boxes per image, each side 15–35% of the image.
                for (int b = 0; b < batch; b++)
                {
                    long boxes = randint(1, 4, 1, generator: generator).item<long>();
                    for (int i = 0; i < boxes; i++)
                    {
                        var (h, w) = (RandomInt(Scaled(0.15), Scaled(0.35), generator), RandomInt(Scaled(0.15), Scaled(0.35), generator));
                        var (top, left) = (RandomInt(0, size - h, generator), RandomInt(0, size - w, generator));
                        known[b, .., top..(top + h), left..(left + w)] = 0;
                    }
                }
                break;
            case MaskKind.Strokes:
                // 3 random walks of 8 segments, brush radius ~3% of the image: scratches and scribbles.
                for (int b = 0; b < batch; b++) Strokes(known[b, 0], size, generator);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
        return known;
    }

    /// <summary>The image with its holes filled with <paramref name="fill"/> (0.5 by default: mid-grey).</summary>
    public static Tensor ApplyMask(Tensor x, Tensor known, double fill = 0.5) => x * known + fill * (1 - known);

    /// <summary>The model's output where pixels were missing, the original where they were known:
    /// known·x + (1 − known)·prediction. Known pixels are kept exactly.</summary>
    public static Tensor Composite(Tensor prediction, Tensor original, Tensor known) =>
        where(known.expand_as(original) > 0.5, original, prediction);

    /// <summary>Degrades a clean batch for <paramref name="task"/>: noise levels <paramref name="sigmas"/> (cycled over the
    /// batch; 0.1 when null) for denoising, masks of <paramref name="masks"/> (cycled; every kind when null) for inpainting.</summary>
    public static DegradedBatch Degrade(RestorationTask task, Tensor clean, Generator generator, IReadOnlyList<double>? sigmas = null,
        IReadOnlyList<MaskKind>? masks = null)
    {
        int batch = (int)clean.shape[0], size = (int)clean.shape[2];
        switch (task)
        {
            case RestorationTask.SuperResolution4:
                return new DegradedBatch(DownUpBicubic4(clean), ones_like(clean[.., ..1]));
            case RestorationTask.Denoise:
                return new DegradedBatch(AddGaussianNoise(clean, sigmas ?? [0.1], generator), ones_like(clean[.., ..1]));
            case RestorationTask.Inpaint:
                var kinds = masks is { Count: > 0 } ? masks : Enum.GetValues<MaskKind>();
                var known = cat(Enumerable.Range(0, batch).Select(i => Mask(kinds[i % kinds.Count], 1, size, generator)).ToArray(), 0).to(clean.device);
                return new DegradedBatch(ApplyMask(clean, known), known);
            default:
                throw new ArgumentOutOfRangeException(nameof(task), task, null);
        }
    }

    static void Strokes(Tensor known, int size, Generator generator)
    {
        int radius = Math.Max(1, size / 32);
        for (int stroke = 0; stroke < 3; stroke++)
        {
            double y = RandomInt(0, size, generator), x = RandomInt(0, size, generator);
            for (int segment = 0; segment < 8; segment++)
            {
                double angle = rand(1, generator: generator).item<float>() * 2 * Math.PI;
                double length = size * (0.05 + 0.1 * rand(1, generator: generator).item<float>());
                for (double t = 0; t <= length; t += 1)
                {
                    int cy = Math.Clamp((int)(y + t * Math.Sin(angle)), 0, size - 1), cx = Math.Clamp((int)(x + t * Math.Cos(angle)), 0, size - 1);
                    known[Math.Max(0, cy - radius)..Math.Min(size, cy + radius + 1), Math.Max(0, cx - radius)..Math.Min(size, cx + radius + 1)] = 0;
                }
                (y, x) = (Math.Clamp(y + length * Math.Sin(angle), 0, size - 1), Math.Clamp(x + length * Math.Cos(angle), 0, size - 1));
            }
        }
    }

    static int RandomInt(int low, int high, Generator generator) =>
        high <= low ? low : (int)randint(low, high, 1, generator: generator).item<long>();

    static void RequireDivisible(Tensor x, int factor)
    {
        if (x.dim() != 4 || x.shape[2] % factor != 0 || x.shape[3] % factor != 0)
            throw new ArgumentException($"images of shape [{string.Join(", ", x.shape)}]: expected (B, C, H, W) with H and W divisible by {factor}.");
    }
}
