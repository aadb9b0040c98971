using FaceGen.Data;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>
/// Mini-batches that join a batch of real images and a batch of generated ones, each drawn from its own
/// <see cref="IBatchSource"/>: batch p = real batch p followed by generated batch p (both sources advance in
/// lockstep, so <see cref="Position"/> p means position p in each, and a checkpoint restores both). With real
/// batches of B_r and generated batches of B_g images, every batch holds B_g / B_r generated images per real one.
/// Labels are kept as the sources give them: for generated images, the identity the generator was conditioned on.
/// <see cref="Batch.Indices"/> address the concatenation real ++ generated: index i &lt; <c>realCount</c> is real
/// image i, index i ≥ <c>realCount</c> is generated image i − <c>realCount</c> (<see cref="IsGenerated"/>).
/// Both sources must serve images of the same shape, range and device.
/// </summary>
public sealed class MixedBatches : IBatchSource, IDisposable
{
    readonly IBatchSource real, generated;
    readonly int realCount;
    Batch? current;

    /// <summary>Joins <paramref name="real"/> and <paramref name="generated"/>; <paramref name="realCount"/> is the
    /// size of the real data set, the offset added to generated indices.</summary>
    public MixedBatches(IBatchSource real, IBatchSource generated, int realCount)
    {
        TorchRuntime.EnsureInitialized();
        if (realCount < 1) throw new ArgumentException($"realCount {realCount}: must be ≥ 1.");
        this.real = real;
        this.generated = generated;
        this.realCount = realCount;
    }

    public long Position
    {
        get => real.Position;
        set
        {
            real.Position = value;
            generated.Position = value;
        }
    }

    /// <summary>Whether <paramref name="index"/> (from <see cref="Batch.Indices"/>) names a generated image.</summary>
    public bool IsGenerated(int index) => index >= realCount;

    public Batch Next()
    {
        current?.Dispose();
        var r = real.Next();
        var g = generated.Next();
        var images = cat(new[] { r.Images, g.Images }, 0).DetachFromDisposeScope();
        var labels = cat(new[] { r.Labels, g.Labels }, 0).DetachFromDisposeScope();
        current = new Batch(images, labels, r.Indices.Concat(g.Indices.Select(i => i + realCount)).ToArray(),
            r.Flipped.Concat(g.Flipped).ToArray());
        return current;
    }

    /// <summary>Frees the current joined batch; the two sources belong to the caller.</summary>
    public void Dispose() => current?.Dispose();
}
