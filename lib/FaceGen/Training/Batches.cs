using FaceGen.Data;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>An endless, deterministic stream of mini-batches whose position can be saved in a
/// checkpoint and restored, so that a resumed run sees exactly the batches the uninterrupted run saw.
/// A batch stays valid until the next call to <see cref="Next"/>.</summary>
public interface IBatchSource
{
    Batch Next();
    /// <summary>How many batches have been served since the start.</summary>
    long Position { get; set; }
}

/// <summary>A <see cref="FaceDataset"/> served epoch after epoch by a <see cref="BatchIterator"/>
/// (seeded order, flips, pixel range, device); position p is batch p mod B of epoch ⌊p / B⌋.</summary>
public sealed class DatasetBatches(BatchIterator iterator) : IBatchSource, IDisposable
{
    Batch? current;

    public DatasetBatches(FaceDataset data, BatchOptions options) : this(new BatchIterator(data, options)) { }

    public long Position { get; set; }

    public Batch Next()
    {
        current?.Dispose();
        int perEpoch = iterator.BatchesPerEpoch;
        current = iterator.Get((int)(Position / perEpoch), (int)(Position % perEpoch));
        Position++;
        return current;
    }

    public void Dispose() => current?.Dispose();
}

/// <summary>
/// Batches of rows of an in-memory tensor for toy problems (points in ℝ^d rather than images):
/// epoch e visits the rows in the order of a permutation seeded with (seed, e); incomplete final
/// batches are dropped. <see cref="Batch.Images"/> holds the points, <see cref="Batch.Labels"/> the labels (or zeros).
/// </summary>
public sealed class TensorBatches : IBatchSource, IDisposable
{
    readonly Tensor rows, labels;
    readonly int batchSize;
    readonly long seed, batchesPerEpoch;
    long cachedEpoch = -1;
    Tensor? permutation;
    Batch? current;

    public TensorBatches(Tensor rows, Tensor? labels, int batchSize, long seed)
    {
        TorchRuntime.EnsureInitialized();
        if (batchSize <= 0) throw new ArgumentException($"batch size {batchSize}: must be ≥ 1.");
        if (rows.shape[0] < batchSize) throw new ArgumentException($"batch size {batchSize} is larger than the data ({rows.shape[0]} rows).");
        this.rows = rows;
        this.labels = labels ?? zeros(rows.shape[0], ScalarType.Int64);
        this.batchSize = batchSize;
        this.seed = seed;
        batchesPerEpoch = rows.shape[0] / batchSize;
    }

    public long Position { get; set; }

    public Batch Next()
    {
        current?.Dispose();
        long epoch = Position / batchesPerEpoch, offset = Position % batchesPerEpoch;
        Position++;
        if (epoch != cachedEpoch)
        {
            permutation?.Dispose();
            using var generator = new Generator((ulong)(seed * 1_000_003 + epoch));
            // Outlives the caller's per-step dispose scope: it serves a whole epoch.
            permutation = randperm(rows.shape[0], generator: generator).DetachFromDisposeScope();
            cachedEpoch = epoch;
        }
        var index = permutation!.narrow(0, offset * batchSize, batchSize);
        var indices = index.data<long>().Select(i => (int)i).ToArray();
        current = new Batch(rows.index_select(0, index).DetachFromDisposeScope(), labels.index_select(0, index).DetachFromDisposeScope(),
            indices, new bool[indices.Length]);
        return current;
    }

    public void Dispose()
    {
        current?.Dispose();
        permutation?.Dispose();
    }
}
