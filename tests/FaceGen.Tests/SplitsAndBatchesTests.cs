using FaceGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class SplitsAndBatchesTests
{
    // The tests build tensors directly, before any library entry point has loaded the native backend.
    public SplitsAndBatchesTests() => FaceGen.Runtime.TorchRuntime.EnsureInitialized();

    /// <summary>n images of 1×2×3 whose six bytes are i, i+1 … i+5 (i = index) — so a batch shows which
    /// images it holds and whether they were mirrored; label = index mod classes.</summary>
    static FaceDataset Numbered(int n, int classes = 3)
    {
        var bytes = Enumerable.Range(0, n).SelectMany(i => Enumerable.Range(0, 6).Select(k => (byte)(i + k))).ToArray();
        return new FaceDataset("numbered", tensor(bytes, [n, 1, 2, 3]), tensor(Enumerable.Range(0, n).Select(i => (long)(i % classes)).ToArray()),
            Enumerable.Range(0, classes).Select(c => $"c{c}").ToArray(), Enumerable.Range(0, n).Select(i => $"#{i}").ToArray());
    }

    // ---- splits --------------------------------------------------------------------------------

    [Fact]
    public void StratifiedSplitKeepsEachClassShareAndIsDeterministic()
    {
        // class sizes 10, 20, 5 → test counts round(2.5)=3, round(5)=5, round(1.25)=1 at fraction 0.25.
        var labels = Enumerable.Repeat(0, 10).Concat(Enumerable.Repeat(1, 20)).Concat(Enumerable.Repeat(2, 5)).ToArray();
        var split = Splits.Stratified(labels, 0.25, seed: 42);
        Assert.Equal(3, split.Test.Count(i => labels[i] == 0));
        Assert.Equal(5, split.Test.Count(i => labels[i] == 1));
        Assert.Equal(1, split.Test.Count(i => labels[i] == 2));
        Assert.Equal(Enumerable.Range(0, labels.Length), split.Train.Concat(split.Test).Order());
        Assert.Equal(split.Train.Order(), split.Train);

        var again = Splits.Stratified(labels, 0.25, seed: 42);
        Assert.Equal(split.Train, again.Train);
        Assert.Equal(split.Test, again.Test);
        Assert.NotEqual(split.Test, Splits.Stratified(labels, 0.25, seed: 43).Test);
        Assert.Throws<ArgumentException>(() => Splits.Stratified(labels, 1.5, 0));
    }

    [Fact]
    public void AStratifiedSplitThatLeavesAPartEmptyIsRefusedWithTheCounts()
    {
        using var data = Numbered(12, classes: 3);   // 4 per class: 0.1 × 4 rounds to 0 test images per class
        var e = Assert.Throws<ArgumentException>(() => Splits.Stratified(data, 0.1, 0));
        Assert.Contains("numbered: a test fraction of 0.1 of its 12 images (3 classes, about 4 per class) leaves the test part empty", e.Message);
        Assert.Contains("leaves the training part empty", Assert.Throws<ArgumentException>(() => Splits.Stratified(data, 1.0, 0)).Message);
        var (train, test) = Splits.Stratified(data, 0.25, 0);   // one per class
        using (train) using (test) Assert.Equal((9, 3), (train.Count, test.Count));
        var (all, none) = Splits.Stratified(data, 0, 0);         // no hold-out asked for: an empty test part is fine
        using (all) using (none) Assert.Equal((12, 0), (all.Count, none.Count));
    }

    [Fact]
    public void KPerIdentityFirstOrSeeded()
    {
        // 3 identities × 4 images, in data set order 0,1,2,0,1,2,…
        var labels = Enumerable.Range(0, 12).Select(i => i % 3).ToArray();
        var first = Splits.PerIdentity(labels, 2);
        Assert.Equal([0, 1, 2, 3, 4, 5], first.Train);
        Assert.Equal([6, 7, 8, 9, 10, 11], first.Test);

        var seeded = Splits.PerIdentity(labels, 1, seed: 7);
        Assert.Equal(3, seeded.Train.Length);
        Assert.Equal([0, 1, 2], seeded.Train.Select(i => labels[i]).Order());
        Assert.Equal(seeded.Train, Splits.PerIdentity(labels, 1, seed: 7).Train);
        var e = Assert.Throws<ArgumentException>(() => Splits.PerIdentity(labels, 4));
        Assert.Contains("k=4", e.Message);

        using var data = Numbered(12);
        var (train, test) = Splits.PerIdentity(data, 2);
        using (train) using (test)
        {
            Assert.Equal(["#0", "#1", "#2", "#3", "#4", "#5"], train.Sources);
            Assert.Equal("numbered-test", test.Name);
            Assert.Equal(6, test.Count);
        }
    }

    // ---- batches -------------------------------------------------------------------------------

    static int FirstByte(Batch batch, int row, PixelRange range)
    {
        float v = batch.Images[row, 0, 0, 0].item<float>();
        return (int)Math.Round(range == PixelRange.Unit ? v * 255 : (v + 1) * 127.5);
    }

    [Fact]
    public void EveryIndexOncePerEpochAndSameSeedSameEpochs()
    {
        using var data = Numbered(10);
        var iterator = new BatchIterator(data, new BatchOptions(BatchSize: 4, Seed: 5));
        Assert.Equal(3, iterator.BatchesPerEpoch);
        var epochs = new List<int[]>();
        for (int e = 0; e < 3; e++)
        {
            var seen = new List<int>();
            foreach (var batch in iterator.Epoch(e))
            {
                Assert.Equal(batch.Count, (int)batch.Images.shape[0]);
                for (int r = 0; r < batch.Count; r++)
                {
                    Assert.Equal(batch.Indices[r], FirstByte(batch, r, PixelRange.Signed)); // the image is the one its index names
                    Assert.Equal(batch.Indices[r] % 3, batch.Labels[r].item<long>());
                }
                seen.AddRange(batch.Indices);
            }
            Assert.Equal(Enumerable.Range(0, 10), seen.Order());
            epochs.Add(seen.ToArray());
        }
        Assert.NotEqual(epochs[0], epochs[1]); // a new order each epoch

        var replay = new BatchIterator(data, new BatchOptions(BatchSize: 4, Seed: 5));
        for (int e = 0; e < 3; e++) Assert.Equal(epochs[e], replay.Epoch(e).SelectMany(b => b.Indices).ToArray());
        Assert.NotEqual(epochs[0], new BatchIterator(data, new BatchOptions(BatchSize: 4, Seed: 6)).Order(0));
    }

    [Fact]
    public void DropLastAndNoShuffle()
    {
        using var data = Numbered(10);
        var iterator = new BatchIterator(data, new BatchOptions(BatchSize: 4, Shuffle: false, DropLast: true));
        Assert.Equal(2, iterator.BatchesPerEpoch);
        var batches = iterator.Epoch(0).Select(b => b.Indices).ToArray();
        Assert.Equal([[0, 1, 2, 3], [4, 5, 6, 7]], batches);
        Assert.Equal([4, 4, 2], new BatchIterator(data, new BatchOptions(BatchSize: 4)).Epoch(1).Select(b => b.Count));
        Assert.Throws<ArgumentException>(() => new BatchIterator(data, new BatchOptions(BatchSize: 11, DropLast: true)));
    }

    [Fact]
    public void RangesAreExactAndImagesAreFloat32Nchw()
    {
        using var data = new FaceDataset("ends", tensor(new byte[] { 0, 255, 51, 128 }, [1, 1, 2, 2]), tensor(new long[] { 0 }), ["a"], ["x"]);
        // Read each batch inside its iteration: the iterator disposes it when it moves on.
        var unit = new BatchIterator(data, new BatchOptions(BatchSize: 1, Range: PixelRange.Unit)).Epoch(0).Select(b => b.Images.data<float>().ToArray()).Single();
        Assert.Equal(new[] { 0f, 1f, 0.2f, 128f / 255f }, unit);
        foreach (var b in new BatchIterator(data, new BatchOptions(BatchSize: 1, Range: PixelRange.Signed)).Epoch(0))
        {
            Assert.Equal(ScalarType.Float32, b.Images.dtype);
            Assert.Equal(ScalarType.Int64, b.Labels.dtype);
            Assert.Equal(new long[] { 1, 1, 2, 2 }, b.Images.shape);
            var v = b.Images.data<float>().ToArray();
            Assert.Equal(-1f, v[0]);
            Assert.Equal(1f, v[1]);
            Assert.Equal(51 / 127.5f - 1, v[2], 6);
        }
    }

    [Fact]
    public void RandomFlipMirrorsTheChosenImagesOnlyAndIsSeeded()
    {
        using var data = Numbered(16);
        var options = new BatchOptions(BatchSize: 16, Shuffle: false, RandomHorizontalFlip: true, Seed: 3, Range: PixelRange.Unit);
        var iterator = new BatchIterator(data, options);
        var flips = iterator.Flips(0);
        Assert.Contains(true, flips);
        Assert.Contains(false, flips);
        Assert.Equal(flips, new BatchIterator(data, options).Flips(0));
        foreach (var batch in iterator.Epoch(0))
        {
            Assert.Equal(flips, batch.Flipped);
            for (int r = 0; r < 16; r++)
            {
                var row = batch.Images[r, 0].mul(255).round().to_type(ScalarType.Int32).data<int>().ToArray();
                int i = batch.Indices[r];
                // rows of width 3: (i, i+1, i+2), (i+3, i+4, i+5); mirrored = each row reversed
                int[] expected = flips[r] ? [i + 2, i + 1, i, i + 5, i + 4, i + 3] : [i, i + 1, i + 2, i + 3, i + 4, i + 5];
                Assert.Equal(expected, row);
            }
        }
        Assert.All(new BatchIterator(data, options with { RandomHorizontalFlip = false }).Flips(0), f => Assert.False(f));
    }

    [Fact]
    public void BatchesAreDisposedByTheIteratorAndLeaveNoLiveTensors()
    {
        using var data = Numbered(64);
        var iterator = new BatchIterator(data, new BatchOptions(BatchSize: 8, RandomHorizontalFlip: true));
        foreach (var _ in iterator.Epoch(0)) { } // warm-up
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Batch? last = null;
        for (int e = 0; e < 5; e++)
            foreach (var batch in iterator.Epoch(e)) last = batch;
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        Assert.True(last!.Images.IsInvalid);
    }
}
