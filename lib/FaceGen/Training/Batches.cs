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
/// (seeded order, flips, pixel range, device); position p is batch p mod B of epoch ⌊p / B⌋.
/// With <c>prefetch</c> (the default), batch p + 1 is built on a thread-pool thread while the caller trains on batch p,
/// so a step waits only when building a batch takes longer than the step itself. It matters for tiny models whose
/// steps take milliseconds (the MLP VAE on 28 px faces); <c>facegen bench</c> measures waiting with and without it side
/// by side. The batches are the same with or without it (tested).</summary>
public sealed class DatasetBatches : IBatchSource, IDisposable
{
    readonly BatchIterator iterator;
    readonly bool prefetch;
    Batch? current;
    long position;
    // The batch being built for position `aheadPosition`, at most one at a time (BatchIterator is not thread-safe).
    Task<Batch>? ahead;
    long aheadPosition;

    public DatasetBatches(BatchIterator iterator, bool prefetch = true)
    {
        this.iterator = iterator;
        this.prefetch = prefetch;
    }

    public DatasetBatches(FaceDataset data, BatchOptions options, bool prefetch = true) : this(new BatchIterator(data, options), prefetch) { }

    /// <summary>Batches served so far; setting it (to resume a run) drops a batch built ahead for another position.</summary>
    public long Position
    {
        get => position;
        set
        {
            if (value == position) return;
            DiscardAhead();
            position = value;
        }
    }

    public Batch Next()
    {
        current?.Dispose();
        current = ahead is not null && aheadPosition == position ? TakeAhead() : Build(position);
        position++;
        if (prefetch)
        {
            long next = aheadPosition = position;
            ahead = Task.Run(() => Build(next));
        }
        return current;
    }

    Batch Build(long at)
    {
        int perEpoch = iterator.BatchesPerEpoch;
        return iterator.Get((int)(at / perEpoch), (int)(at % perEpoch));
    }

    Batch TakeAhead()
    {
        var task = ahead!;
        ahead = null;
        return task.GetAwaiter().GetResult(); // rethrows the builder's own exception, not an AggregateException
    }

    void DiscardAhead()
    {
        if (ahead is not null) TakeAhead().Dispose();
    }

    public void Dispose()
    {
        current?.Dispose();
        DiscardAhead();
    }
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
