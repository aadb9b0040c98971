using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>The float range a batch's images are converted to.</summary>
public enum PixelRange
{
    /// <summary>[0, 1]: x / 255 (<see cref="FaceDataset.ToUnitRange"/>), for VAE Bernoulli decoders.</summary>
    Unit,
    /// <summary>[−1, 1]: x / 127.5 − 1 (<see cref="FaceDataset.ToSignedRange"/>), the tanh range of GAN generators.</summary>
    Signed,
}

/// <summary>How a <see cref="BatchIterator"/> serves a data set.</summary>
/// <param name="BatchSize">Images per batch.</param>
/// <param name="Shuffle">Visit the images in a seeded random order, a new one each epoch.</param>
/// <param name="Seed">Seeds the order and the flips: same seed, same epochs.</param>
/// <param name="DropLast">Leave out the last, smaller batch (GAN training often wants equal batches).</param>
/// <param name="RandomHorizontalFlip">Mirror each image left–right with probability ½ (seeded).</param>
/// <param name="Range">The float range of the images.</param>
/// <param name="Device">Where the batches go; null = CPU.</param>
public sealed record BatchOptions(
    int BatchSize = 64,
    bool Shuffle = true,
    int Seed = 0,
    bool DropLast = false,
    bool RandomHorizontalFlip = false,
    PixelRange Range = PixelRange.Signed,
    Device? Device = null);

/// <summary>One batch: images float32 (B, C, H, W) in the chosen range, labels int64 (B), both on the
/// chosen device, and the data set indices they came from (with which were flipped).</summary>
public sealed class Batch(Tensor images, Tensor labels, int[] indices, bool[] flipped) : IDisposable
{
    /// <summary>float32 (B, C, H, W) in the chosen <see cref="PixelRange"/>.</summary>
    public Tensor Images { get; } = images;
    /// <summary>int64 (B): the class index of each image.</summary>
    public Tensor Labels { get; } = labels;
    /// <summary>Index into the data set of each image in the batch.</summary>
    public int[] Indices { get; } = indices;
    /// <summary>Whether each image was mirrored.</summary>
    public bool[] Flipped { get; } = flipped;
    /// <summary>Images in the batch (B).</summary>
    public int Count => Indices.Length;

    /// <summary>Frees both tensors; the iterator calls it when it moves to the next batch.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Serves a <see cref="FaceDataset"/> in batches from its in-memory uint8 tensor: per batch it selects the
/// rows, mirrors the chosen ones, moves the bytes to the device (4× less traffic than floats) and converts
/// them there. Epoch e's order and flips come from a generator seeded with (Seed, e), so epochs can be
/// replayed in any order and the same seed gives the same sequence of epochs.
/// Batches belong to the iterator: each is disposed when the next is requested or the loop ends, so a
/// training loop leaks nothing; <c>.clone()</c> what must outlive its iteration.
/// </summary>
public sealed class BatchIterator
{
    readonly FaceDataset data;
    int cachedEpoch = -1;
    int[]? cachedOrder;
    bool[]? cachedFlips;

    /// <summary>The options in force.</summary>
    public BatchOptions Options { get; }

    /// <summary>Serves <paramref name="data"/> (which must outlive the iterator); throws <see cref="ArgumentException"/>
    /// for a non-positive batch size, an empty data set, or DropLast with fewer images than one batch.</summary>
    public BatchIterator(FaceDataset data, BatchOptions? options = null)
    {
        TorchRuntime.EnsureInitialized();
        Options = options ?? new BatchOptions();
        if (Options.BatchSize <= 0) throw new ArgumentException($"BatchSize={Options.BatchSize}: expected a positive batch size.");
        if (data.Count == 0) throw new ArgumentException($"Data set '{data.Name}' is empty.");
        if (Options.DropLast && data.Count < Options.BatchSize)
            throw new ArgumentException($"Data set '{data.Name}' has {data.Count} images, fewer than one batch of {Options.BatchSize}, and DropLast is on: every epoch would be empty.");
        this.data = data;
    }

    /// <summary>Batches per epoch: ⌊N / B⌋ with DropLast, ⌈N / B⌉ without.</summary>
    public int BatchesPerEpoch => Options.DropLast ? data.Count / Options.BatchSize : (data.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>The order in which epoch <paramref name="epoch"/> visits the data set (all N indices,
    /// before DropLast removes the tail): 0..N−1, or a seeded permutation when shuffling.</summary>
    public int[] Order(int epoch)
    {
        var identity = Enumerable.Range(0, data.Count).ToArray();
        return Options.Shuffle ? Splits.Shuffle(identity, EpochRandom(epoch, stream: 1)) : identity;
    }

    /// <summary>The flip decision for each position of <see cref="Order"/> in epoch <paramref name="epoch"/>
    /// (all false without RandomHorizontalFlip); drawn from its own stream, so turning shuffling on or off
    /// does not change which positions flip.</summary>
    public bool[] Flips(int epoch)
    {
        var flips = new bool[data.Count];
        if (!Options.RandomHorizontalFlip) return flips;
        var rng = EpochRandom(epoch, stream: 2);
        for (int i = 0; i < flips.Length; i++) flips[i] = rng.Next(2) == 1;
        return flips;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> (0, 1, 2 …); see the class summary for ownership.</summary>
    public IEnumerable<Batch> Epoch(int epoch)
    {
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            using var batch = Get(epoch, b);
            yield return batch;
        }
    }

    /// <summary>Batch <paramref name="index"/> of epoch <paramref name="epoch"/>, exactly as <see cref="Epoch"/>
    /// serves it; random access lets a resumed training run continue mid-epoch. The caller owns (disposes) it.</summary>
    public Batch Get(int epoch, int index)
    {
        if (index < 0 || index >= BatchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(index), index, $"an epoch has {BatchesPerEpoch} batches");
        if (cachedEpoch != epoch) (cachedEpoch, cachedOrder, cachedFlips) = (epoch, Order(epoch), Flips(epoch));
        int start = index * Options.BatchSize;
        int count = Math.Min(Options.BatchSize, cachedOrder!.Length - start);
        return Make(cachedOrder[start..(start + count)], cachedFlips![start..(start + count)]);
    }

    Batch Make(int[] indices, bool[] flipped)
    {
        using var scope = NewDisposeScope();
        var index = tensor(indices.Select(i => (long)i).ToArray(), ScalarType.Int64);
        var bytes = data.Images.index_select(0, index);
        if (flipped.Any(f => f))
        {
            // Mirror left–right = reverse the width axis (dim 3) of the chosen rows.
            var mask = tensor(flipped).view(-1, 1, 1, 1);
            bytes = where(mask, bytes.flip(3), bytes);
        }
        var device = Options.Device ?? CPU;
        bytes = bytes.to(device);
        var images = Options.Range == PixelRange.Unit ? FaceDataset.ToUnitRange(bytes) : FaceDataset.ToSignedRange(bytes);
        var labels = data.Labels.index_select(0, index).to(device);
        // Detached: the iterator, not whatever scope the caller has open, owns (and disposes) the batch.
        return new Batch(images.DetachFromDisposeScope(), labels.DetachFromDisposeScope(), indices, flipped);
    }

    /// <summary>A generator for one (seed, epoch, stream): the three mixed by SplitMix64's finaliser, so
    /// neighbouring epochs and seeds get unrelated sequences.</summary>
    Random EpochRandom(int epoch, int stream)
    {
        ulong z = (ulong)(uint)Options.Seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xC2B2AE3D27D4EB4FUL ^ (ulong)stream * 0x165667B19E3779F9UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return new Random((int)(z & 0x7FFFFFFF));
    }
}
