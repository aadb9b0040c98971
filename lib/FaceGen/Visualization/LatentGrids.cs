using FaceGen.Losses;
using FaceGen.Models;
using static TorchSharp.torch;

namespace FaceGen.Visualization;

/// <summary>Pictures of a VAE's latent space (notebook 05, <c>facegen train vae</c> reports).</summary>
public static class LatentGrids
{
    /// <summary>Decoder means along the straight line z(t) = (1 − t)·μ_a + t·μ_b between the encodings of two
    /// images, t = 0 … 1 in <paramref name="steps"/> steps; one row, <paramref name="a"/> and <paramref name="b"/> at the ends.</summary>
    public static ImageGrid Interpolation(Vae model, ReconstructionLikelihood likelihood, Tensor a, Tensor b, int steps = 8, Tensor? labels = null)
    {
        using var scope = NewDisposeScope();
        var row = cat(new[] { a.unsqueeze(0), InterpolationFrames(model, likelihood, a, b, steps, labels), b.unsqueeze(0) }, 0);
        return ImageGrid.FromUnit(row, columns: steps + 2).WithCaption($"x_a, decode((1 − t)μ_a + tμ_b) for t = 0 … 1 in {steps} steps, x_b");
    }

    /// <summary>The frames of <see cref="Interpolation"/>, without gradients: the decoder's mean E[x|z] at
    /// z = (1 − t)μ_a + tμ_b for <paramref name="steps"/> values of t from 0 to 1, μ the encoder's mean of each image
    /// (C, H, W). Shape (steps, C, H, W); not clamped.</summary>
    public static Tensor InterpolationFrames(Vae model, ReconstructionLikelihood likelihood, Tensor a, Tensor b, int steps = 8, Tensor? labels = null)
    {
        if (steps < 2) throw new ArgumentException($"steps={steps}: need at least 2.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (muA, _) = model.Encode(a.unsqueeze(0), labels?.narrow(0, 0, 1));
        var (muB, _) = model.Encode(b.unsqueeze(0), labels?.narrow(0, 0, 1));
        var t = linspace(0, 1, steps, device: muA.device).unsqueeze(1);
        var z = (1 - t) * muA + t * muB;
        return likelihood.Mean(model.Decode(z, labels?.narrow(0, 0, 1).expand(steps))).view(steps, a.shape[0], a.shape[1], a.shape[2]).MoveToOuterDisposeScope();
    }

    /// <summary>Latent traversal: starting from z = μ of <paramref name="image"/>, each row varies one latent
    /// dimension over <paramref name="values"/> (default −3 … 3, the bulk of the N(0, 1) prior) and decodes.</summary>
    public static ImageGrid Traversal(Vae model, ReconstructionLikelihood likelihood, Tensor image, int dimensions = 8, double[]? values = null, Tensor? label = null)
    {
        int count = Math.Min(dimensions, model.LatentSize);
        return Traversal(model, likelihood, image, Enumerable.Range(0, count).ToArray(), values, label)
            .WithCaption($"rows: latent dimensions 0–{count - 1}; columns: z_d = {string.Join(", ", values ?? DefaultValues)}");
    }

    /// <summary>Latent traversal along the chosen latent dimensions (for example the most active ones), one row
    /// each in the order given: z = μ of <paramref name="image"/> with z_d set to each of <paramref name="values"/>.</summary>
    public static ImageGrid Traversal(Vae model, ReconstructionLikelihood likelihood, Tensor image, IReadOnlyList<int> dimensions, double[]? values = null, Tensor? label = null)
    {
        values ??= DefaultValues;
        if (dimensions.Count == 0 || dimensions.Any(d => d < 0 || d >= model.LatentSize))
            throw new ArgumentException($"latent dimensions [{string.Join(", ", dimensions)}]: need at least one, each in 0 … {model.LatentSize - 1}.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (mu, _) = model.Encode(image.unsqueeze(0), label);
        var z = mu.repeat(dimensions.Count * values.Length, 1);
        for (int row = 0; row < dimensions.Count; row++)
            for (int k = 0; k < values.Length; k++)
                z[row * values.Length + k, dimensions[row]] = tensor((float)values[k]);
        var labels = label?.expand(z.shape[0]);
        var decoded = likelihood.Mean(model.Decode(z, labels)).view(z.shape[0], image.shape[0], image.shape[1], image.shape[2]);
        return ImageGrid.FromUnit(decoded, columns: values.Length)
            .WithCaption($"rows: latent dimensions {string.Join(", ", dimensions)}; columns: z_d = {string.Join(", ", values)}");
    }

    static readonly double[] DefaultValues = { -3.0, -2, -1, 0, 1, 2, 3 };
}
