using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>One mini-batch: inputs (images NCHW, or points for toy problems) and optional labels.</summary>
public sealed record Batch(Tensor Inputs, Tensor? Labels);

/// <summary>An endless, deterministic stream of mini-batches whose position can be saved in a
/// checkpoint and restored, so that a resumed run sees exactly the batches the uninterrupted run saw.</summary>
public interface IBatchSource
{
    /// <summary>The next batch; tensors are created on the trainer's device and belong to the caller's dispose scope.</summary>
    Batch Next();
    /// <summary>How many batches have been served since the start.</summary>
    long Position { get; set; }
}

/// <summary>
/// Batches drawn without replacement from tensors held in memory: epoch e visits the rows in the
/// order of a permutation drawn from a generator seeded with (seed, e); the last incomplete batch of
/// an epoch is dropped (every batch has the same size, as batch norm and step-time charts assume).
/// <paramref name="transform"/> turns stored rows into model inputs (e.g. uint8 → [−1, 1], flips).
/// </summary>
public sealed class TensorBatches : IBatchSource
{
    readonly Tensor inputs;
    readonly Tensor? labels;
    readonly int batchSize;
    readonly long seed;
    readonly Device device;
    readonly Func<Tensor, Generator, Tensor>? transform;
    readonly long batchesPerEpoch;
    long cachedEpoch = -1;
    Tensor? permutation;

    public TensorBatches(Tensor inputs, Tensor? labels, int batchSize, long seed, Device? device = null,
        Func<Tensor, Generator, Tensor>? transform = null)
    {
        TorchRuntime.EnsureInitialized();
        if (batchSize <= 0) throw new ArgumentException($"batch size {batchSize}: must be ≥ 1.");
        if (inputs.shape[0] < batchSize)
            throw new ArgumentException($"batch size {batchSize} is larger than the data set ({inputs.shape[0]} items).");
        this.inputs = inputs;
        this.labels = labels;
        this.batchSize = batchSize;
        this.seed = seed;
        this.device = device ?? CPU;
        this.transform = transform;
        batchesPerEpoch = inputs.shape[0] / batchSize;
    }

    public long Position { get; set; }

    public long BatchesPerEpoch => batchesPerEpoch;

    public Batch Next()
    {
        long epoch = Position / batchesPerEpoch, offset = Position % batchesPerEpoch;
        Position++;
        if (epoch != cachedEpoch)
        {
            permutation?.Dispose();
            using var generator = new Generator((ulong)(seed * 1_000_003 + epoch));
            // Outlives the caller's per-step dispose scope: it serves a whole epoch.
            permutation = randperm(inputs.shape[0], generator: generator).DetachFromDisposeScope();
            cachedEpoch = epoch;
        }
        var index = permutation!.narrow(0, offset * batchSize, batchSize);
        var x = inputs.index_select(0, index);
        if (transform is not null)
        {
            // Augmentation randomness is tied to the batch position too, so resuming reproduces it.
            using var augmentation = new Generator((ulong)(seed * 7_919 + Position));
            x = transform(x, augmentation);
        }
        return new Batch(x.to(device), labels?.index_select(0, index).to(device));
    }
}
