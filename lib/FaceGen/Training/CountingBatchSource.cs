using FaceGen.Data;

namespace FaceGen.Training;

/// <summary>
/// Wraps a batch source and counts what is drawn from it: the evidence that a training step does (or does
/// not) read real data. Batches pass through unchanged; <see cref="Position"/> is the wrapped source's.
/// </summary>
public sealed class CountingBatchSource(IBatchSource inner) : IBatchSource
{
    /// <summary>Calls to <see cref="Next"/> so far.</summary>
    public long BatchesRead { get; private set; }

    /// <summary>Images in all batches served so far.</summary>
    public long ImagesRead { get; private set; }

    public Batch Next()
    {
        var batch = inner.Next();
        BatchesRead++;
        ImagesRead += batch.Count;
        return batch;
    }

    public long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }
}
