using FaceGen.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Restoration;

/// <summary>
/// Classical restorations the generative models are measured against, on images in [0, 1], (B, C, H, W).
/// Super-resolution's baseline is bicubic interpolation (<see cref="Degradations.DownUpBicubic4"/> itself).
/// </summary>
public static class Baselines
{
    /// <summary>Gaussian blur with standard deviation <paramref name="sigma"/> pixels (kernel 2⌈3σ⌉ + 1, reflected
    /// borders), applied per channel: a separable low-pass filter, the classic denoiser.</summary>
    public static Tensor GaussianBlur(Tensor x, double sigma)
    {
        TorchRuntime.EnsureInitialized();
        if (x.dim() != 4) throw new ArgumentException($"images of shape [{string.Join(", ", x.shape)}]: expected (N, C, H, W).");
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentException($"blur σ = {sigma}: must be a positive finite number of pixels.");
        int radius = (int)Math.Ceiling(3 * sigma);
        var offsets = arange(-radius, radius + 1, dtype: ScalarType.Float32);
        var kernel = exp(-offsets.square() / (2 * sigma * sigma));
        kernel = (kernel / kernel.sum()).to(x.dtype).to(x.device);
        long channels = x.shape[1];
        var padded = pad(x, new long[] { radius, radius, radius, radius }, PaddingModes.Reflect);
        var rows = conv2d(padded, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups: channels);
        return conv2d(rows, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups: channels);
    }

    /// <summary>3×3 median filter per channel (reflected borders): removes outliers, keeps edges better than a blur.</summary>
    public static Tensor Median3x3(Tensor x)
    {
        TorchRuntime.EnsureInitialized();
        var (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var padded = pad(x, new long[] { 1, 1, 1, 1 }, PaddingModes.Reflect);
        var patches = unfold(padded.reshape(b * c, 1, h + 2, w + 2), 3);   // (B·C, 9, H·W)
        return patches.sort(1).Values.select(1, 4).view(b, c, h, w);   // the 5th of 9 sorted values
    }

    /// <summary>Each hole filled with the mean of the image's known pixels, per channel.</summary>
    public static Tensor MeanFill(Tensor x, Tensor known)
    {
        var k = known.expand_as(x);
        var mean = (x * k).sum(new long[] { 2, 3 }, keepdim: true) / k.sum(new long[] { 2, 3 }, keepdim: true).clamp_min(1);
        return Degradations.Composite(mean.expand_as(x), x, known);
    }

    /// <summary>
    /// Harmonic (diffusion) fill: the hole takes the solution of Laplace's equation ∇²u = 0 with the known pixels as
    /// boundary values, i.e. every hole pixel equals the mean of its 4 neighbours. Solved from the mean fill by red–black
    /// successive over-relaxation, u ← u + ω·(mean of 4 neighbours − u) on one colour of the checkerboard, then the other,
    /// ω = 1.9 (plain Jacobi iteration, ω = 1, needs ~100× more sweeps on a 30-pixel hole); it stops when no pixel changes by
    /// more than <paramref name="tolerance"/> or after <paramref name="maxIterations"/> sweeps. Image borders are replicated
    /// (zero normal derivative). A linear ramp is harmonic, so it is reproduced exactly (tested).
    /// The default tolerance, 1e-5, is 400× finer than one 8-bit grey level; 1e-6 is near float32 rounding: in a batch of
    /// 64 faces at 64 px some pixel kept changing by that much, so all 5,000 sweeps ran (82 s instead of 4 s, measured).
    /// </summary>
    public static Tensor HarmonicFill(Tensor x, Tensor known, double tolerance = 1e-5, int maxIterations = 5000)
    {
        TorchRuntime.EnsureInitialized();
        const double omega = 1.9;
        using var noGrad = no_grad();
        var u = MeanFill(x, known);
        long channels = x.shape[1], h = x.shape[2], w = x.shape[3];
        var stencil = tensor(new float[] { 0, 0.25f, 0, 0.25f, 0, 0.25f, 0, 0.25f, 0 }).view(1, 1, 3, 3).to(x.device).expand(channels, 1, 3, 3);
        var parity = (arange(h).view(-1, 1) + arange(w).view(1, -1)).remainder(2).to(x.device);
        var hole = (known < 0.5).expand_as(x);
        var colours = new[] { hole.logical_and(parity == 0), hole.logical_and(parity == 1) };
        for (int i = 0; i < maxIterations; i++)
        {
            using var scope = NewDisposeScope();
            var next = u;
            foreach (var colour in colours)
            {
                var neighbours = conv2d(pad(next, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate), stencil, groups: channels);
                next = where(colour, next + omega * (neighbours - next), next);
            }
            bool converged = (next - u).abs().max().item<float>() < tolerance;
            // Free each superseded iterate now: left to the caller's scope, 5,000 sweeps of 256 faces at 64 px held 24 GB.
            u.Dispose();
            u = next.MoveToOuterDisposeScope();
            if (converged) break;
        }
        return u;
    }
}
