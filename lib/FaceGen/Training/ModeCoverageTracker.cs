using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>One measurement of a <see cref="ModeCoverageTracker"/>: the step, the coverage, and the generated
/// points as (x₀, y₀, x₁, y₁, …) for scatter plots.</summary>
public sealed record ModeCoverageSnapshot(long Step, ModeCoverageResult Coverage, float[] Points);

/// <summary>
/// A trainer callback that measures a toy GAN's mode coverage while it trains: every <c>every</c> steps (and at the
/// last step) it draws <c>sampleCount</c> points G(z) from a fixed noise batch and applies
/// <see cref="ModeCoverage.Measure"/> against the mixture's centres. The fixed noise (its own seeded generator) makes
/// successive snapshots comparable: a change is the generator's, not the noise's. Used in
/// notebooks/04-gan-strengths-and-weaknesses to show mode hopping and collapse over time.
/// </summary>
public sealed class ModeCoverageTracker : ITrainingCallback, IDisposable
{
    readonly GanGenerator generator;
    readonly ToyMixture target;
    readonly int every, minimumCount;
    readonly double sigmas;
    readonly Tensor fixedNoise;
    readonly List<ModeCoverageSnapshot> snapshots = new();

    /// <param name="generator">The generator whose samples are measured (put in eval mode while measuring).</param>
    /// <param name="target">The mixture whose modes are counted.</param>
    /// <param name="every">Measure after every this many steps.</param>
    /// <param name="sampleCount">Samples drawn from one fixed noise batch at each measurement.</param>
    /// <param name="minimumCount">High-quality samples a mode needs to count as covered (see <see cref="ModeCoverage"/>).</param>
    /// <param name="sigmas">A sample is high quality within this many standard deviations of its mode.</param>
    /// <param name="seed">Seed of the fixed noise batch.</param>
    public ModeCoverageTracker(GanGenerator generator, ToyMixture target, int every, int sampleCount, int minimumCount,
        double sigmas = 3, long seed = 0)
    {
        TorchRuntime.EnsureInitialized();
        if (every < 1) throw new ArgumentException($"every {every}: must be ≥ 1.");
        if (sampleCount < 1) throw new ArgumentException($"sample count {sampleCount}: must be ≥ 1.");
        this.generator = generator;
        this.target = target;
        this.every = every;
        this.minimumCount = minimumCount;
        this.sigmas = sigmas;
        using var noise = Seeding.Generator(seed + 7_919);
        var device = generator.parameters().First().device;
        fixedNoise = randn(new long[] { sampleCount, generator.LatentSize }, generator: noise).to(device);
    }

    /// <summary>The measurements so far, in step order.</summary>
    public IReadOnlyList<ModeCoverageSnapshot> Snapshots => snapshots;

    public void OnStep(StepRecord record, long totalSteps)
    {
        if (record.Step % every == 0 || record.Step == totalSteps) snapshots.Add(Measure(record.Step));
    }

    /// <summary>Mode hopping in numbers: between consecutive snapshots, how many times a mode entered the covered set
    /// (covered now, not before) and how many times one left it (covered before, not now).</summary>
    public (int Entries, int Exits) CoverageChanges() => CoverageChanges(snapshots.Select(s => s.Coverage.CoveredModes).ToList());

    /// <summary><see cref="CoverageChanges()"/> for a sequence of covered sets.</summary>
    public static (int Entries, int Exits) CoverageChanges(IReadOnlyList<IReadOnlyCollection<int>> covered)
    {
        int entries = 0, exits = 0;
        for (int i = 1; i < covered.Count; i++)
        {
            var (before, after) = (covered[i - 1].ToHashSet(), covered[i].ToHashSet());
            entries += after.Count(k => !before.Contains(k));
            exits += before.Count(k => !after.Contains(k));
        }
        return (entries, exits);
    }

    /// <summary>Measures the generator now (without recording it).</summary>
    public ModeCoverageSnapshot Measure(long step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var points = generator.forward(fixedNoise, null).cpu();
        var coverage = ModeCoverage.Measure(points, target.Centres, target.Std, sigmas, minimumCount);
        return new ModeCoverageSnapshot(step, coverage, points.contiguous().data<float>().ToArray());
    }

    public void Dispose() => fixedNoise.Dispose();
}
