using FaceGen.Data;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class BatchSourceTests
{
    public BatchSourceTests() => TorchRuntime.EnsureInitialized();

    static FaceDataset Tiny()
    {
        // 10 images of 1×2×2 whose pixels all equal their index, labels = index mod 3.
        var images = arange(10, dtype: ScalarType.Byte).view(10, 1, 1, 1).expand(10, 1, 2, 2).contiguous();
        var labels = arange(10, dtype: ScalarType.Int64).remainder(3);
        return new FaceDataset("tiny", images, labels, new[] { "a", "b", "c" }, Enumerable.Range(0, 10).Select(i => $"#{i}").ToArray());
    }

    [Fact]
    public void DatasetBatchesCrossEpochsAndResumeAtAnyPosition()
    {
        using var data = Tiny();
        var options = new BatchOptions(BatchSize: 4, Seed: 7, DropLast: true, Range: PixelRange.Unit);
        using var sequential = new DatasetBatches(data, options);
        var seen = new List<int[]>();
        for (int i = 0; i < 7; i++) seen.Add(sequential.Next().Indices); // 2 batches per epoch: 3.5 epochs
        Assert.Equal(2, new BatchIterator(data, options).BatchesPerEpoch);
        // Within an epoch no index repeats.
        Assert.Empty(seen[0].Intersect(seen[1]));

        using var resumed = new DatasetBatches(data, options) { Position = 5 };
        var batch = resumed.Next();
        Assert.Equal(seen[5], batch.Indices);
        Assert.Equal(seen[5].Select(i => i / 255f), batch.Images.select(1, 0).select(1, 0).select(1, 0).data<float>().ToArray());
        Assert.Equal(seen[6], resumed.Next().Indices);
    }

    [Fact]
    public void PrefetchServesTheSameBatchesAsBuildingOnDemandAcrossAResume()
    {
        using var data = Tiny();
        var options = new BatchOptions(BatchSize: 3, Seed: 11, DropLast: true, RandomHorizontalFlip: true, Range: PixelRange.Signed);
        List<(int[] Indices, bool[] Flipped, float[] Pixels)> Serve(bool prefetch)
        {
            using var batches = new DatasetBatches(data, options, prefetch);
            var served = new List<(int[], bool[], float[])>();
            void Take(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    var b = batches.Next();
                    served.Add((b.Indices, b.Flipped, b.Images.flatten().data<float>().ToArray()));
                }
            }
            Take(5);
            batches.Position = 2; // a resume to an earlier position drops the batch built ahead for position 5
            Take(4);
            return served;
        }
        var onDemand = Serve(prefetch: false);
        var prefetched = Serve(prefetch: true);
        Assert.Equal(onDemand.Count, prefetched.Count);
        for (int i = 0; i < onDemand.Count; i++)
        {
            Assert.Equal(onDemand[i].Indices, prefetched[i].Indices);
            Assert.Equal(onDemand[i].Flipped, prefetched[i].Flipped);
            Assert.Equal(onDemand[i].Pixels, prefetched[i].Pixels);
        }
        Assert.Equal(onDemand[2].Indices, onDemand[5].Indices); // the resume really went back
    }

    [Fact]
    public void PrefetchedBatchesAreFreedWhenServedOverOrDisposed()
    {
        using var data = Tiny();
        long before = Tensor.TotalCount;
        var batches = new DatasetBatches(data, new BatchOptions(BatchSize: 2, Seed: 3), prefetch: true);
        for (int i = 0; i < 50; i++) batches.Next();
        Assert.InRange(Tensor.TotalCount - before, 0, 4); // the current batch and the one built ahead: 2 tensors each
        batches.Dispose();
        Assert.Equal(before, Tensor.TotalCount);
    }

    [Fact]
    public void TensorBatchesResumeAtAnyPosition()
    {
        var rows = arange(20, dtype: ScalarType.Float32).view(10, 2);
        using var a = new TensorBatches(rows, null, batchSize: 3, seed: 1);
        var order = Enumerable.Range(0, 8).Select(_ => a.Next().Indices).ToList(); // 3 batches per epoch
        Assert.Equal(9, order.Take(3).SelectMany(i => i).Distinct().Count());
        using var b = new TensorBatches(rows, null, batchSize: 3, seed: 1) { Position = 4 };
        Assert.Equal(order[4], b.Next().Indices);
    }
}
