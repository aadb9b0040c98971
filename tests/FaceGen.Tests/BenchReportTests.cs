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
    public void CeilingLiesBetweenTheWallClockRateAndTheMachinesPeak()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ceiling = BenchSuite.MatmulCeiling(size: 256, repeats: 2);
        double wall = clock.Elapsed.TotalSeconds;
        // At least the rate of the whole call: 2 products of 2·256³ FLOPs in `wall` seconds (the best repeat is no slower
        // than their average). A count of n² instead of n³, or a time per call instead of per product, falls below it.
        Assert.True(ceiling.Gflops >= 2 * 2.0 * 256 * 256 * 256 / wall / 1e9, $"{ceiling.Gflops:F2} GFLOP/s in a call of {wall:F3} s");
        // At most what the cores can do: 64 float FLOPs per cycle (two 16-wide FMA units) at 6 GHz per core.
        double peak = Environment.ProcessorCount * 6e9 * 64 / 1e9;
        Assert.True(ceiling.Gflops <= peak, $"{ceiling.Gflops:F0} GFLOP/s is above the {peak:F0} GFLOP/s any {Environment.ProcessorCount} cores can reach");
    }
}
