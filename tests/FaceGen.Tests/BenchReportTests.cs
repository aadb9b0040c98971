using FaceGen.Benchmarks;

namespace FaceGen.Tests;

/// <summary>The bench report's derived numbers on hand-made measurements, and the matmul ceiling's arithmetic.</summary>
public class BenchReportTests
{
    [Fact]
    public void MemoryGrowthAndLeakPerStepComeFromTheFirstAndLastPoints()
    {
        var memory = new MemoryResult("m", 32, new[] { new MemoryPoint(500, 1000, 200), new MemoryPoint(1000, 1005, 200), new MemoryPoint(2000, 1010, 350) });
        Assert.Equal(0.01, memory.ResidentGrowthFraction, 12);          // 1010 / 1000 − 1
        Assert.Equal(0.1, memory.LiveTensorsPerStep, 12);               // (350 − 200) / (2000 − 500)
    }

    [Fact]
    public void DataRatesAreImagesOverSeconds()
    {
        var data = new DataResult("utkface", 9000, 64, ColdSeconds: 4.5, CachedSeconds: 0.25, TrainingImagesPerSecond: 100);
        Assert.Equal(2000, data.ColdImagesPerSecond, 9);
        Assert.Equal(36000, data.CachedImagesPerSecond, 9);
    }

    [Fact]
    public void CeilingCountsTwoNCubedFlopsPerProduct()
    {
        var ceiling = BenchSuite.MatmulCeiling(size: 256, repeats: 2);
        Assert.Equal(2.0 * 256 * 256 * 256 / ceiling.BestSeconds / 1e9, ceiling.Gflops, 9);
        Assert.True(ceiling.Gflops > 0.1, $"{ceiling.Gflops} GFLOP/s: even one slow core does more");
    }
}
