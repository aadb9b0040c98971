using System.Globalization;
using System.Text;

namespace FaceGen.Benchmarks;

/// <summary>fp32 matrix-multiply throughput: the best of several n×n products, 2n³ FLOPs each.</summary>
public sealed record CeilingResult(int Size, int Repeats, double BestSeconds, double Gflops);

/// <summary>Training throughput of one model through the kit's trainer. <c>StepGflop</c> is the analytic count of
/// one step (see <see cref="FlopCount"/> and <see cref="BenchSuite"/>); <c>DataWaitFraction</c> the share of the step
/// time spent inside the batch source's <c>Next()</c>.</summary>
public sealed record ThroughputResult(string Model, int ImageSize, int Batch, long Parameters, double ForwardGflopPerImage,
    double StepGflop, int Steps, double SecondsPerStep, double ImagesPerSecond, double AchievedGflops, double FractionOfCeiling,
    double DataWaitFraction);

/// <summary>Background prefetch (<see cref="FaceGen.Training.DatasetBatches"/>) off and on for one model, in alternating
/// rounds of the same number of steps: mean share of step time spent waiting for the next batch, and mean s/step.</summary>
public sealed record PrefetchResult(string Model, int Rounds, int StepsPerRound, double WaitWithout, double WaitWith,
    double SecondsPerStepWithout, double SecondsPerStepWith);

/// <summary>Decoding a real image set: the first load decodes every file (and writes the tensor cache), the second
/// reads the cache. <c>TrainingImagesPerSecond</c>: what DCGAN-64 training consumes, for comparison.</summary>
public sealed record DataResult(string Dataset, int Images, int ImageSize, double ColdSeconds, double CachedSeconds, double TrainingImagesPerSecond)
{
    public double ColdImagesPerSecond => Images / ColdSeconds;
    public double CachedImagesPerSecond => Images / CachedSeconds;
}

/// <summary>Resident memory and the number of live (undisposed) tensors after a training step.</summary>
public sealed record MemoryPoint(long Step, double ResidentMegabytes, long LiveTensors);

/// <summary>Memory over a training run: growth of resident memory between the first and last point, and live
/// tensors left behind per step over the same interval.</summary>
public sealed record MemoryResult(string Model, int Batch, IReadOnlyList<MemoryPoint> Points)
{
    public double ResidentGrowthFraction => Points[^1].ResidentMegabytes / Points[0].ResidentMegabytes - 1;
    public double LiveTensorsPerStep => (double)(Points[^1].LiveTensors - Points[0].LiveTensors) / (Points[^1].Step - Points[0].Step);
}

/// <summary>Generated images per second in inference mode (no autograd, batch norm in evaluation mode).</summary>
public sealed record SamplingResult(string Model, int Batch, int Repeats, double ImagesPerSecond);

/// <summary>Wall time of one notebook executed headless in a profile.</summary>
public sealed record NotebookTiming(string Notebook, string Profile, double Seconds, bool Succeeded);

/// <summary>Everything <c>facegen bench</c> measured in one run.</summary>
public sealed record BenchReport(string Machine, int Threads, string Torch, DateTime Started, double TotalSeconds,
    CeilingResult Ceiling, IReadOnlyList<ThroughputResult> Throughput, IReadOnlyList<PrefetchResult> Prefetch, OverheadResult Overhead, DataResult? Data, string? DataSkipped,
    MemoryResult Memory, SamplingResult Sampling, ConvBackendCostResult ConvBackends, IReadOnlyList<NotebookTiming> Notebooks)
{
    /// <summary>The report as Markdown tables, one per section, each target beside its measurement.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"Machine: {Machine}; {Threads} threads; {Torch}; started {Started:yyyy-MM-dd HH:mm} UTC; {TotalSeconds:F0} s in all.");
        md.AppendLine();
        md.AppendLine(c, $"**Ceiling**: fp32 matmul {Ceiling.Size}×{Ceiling.Size}, best of {Ceiling.Repeats}: {Ceiling.Gflops:F1} GFLOP/s.");
        md.AppendLine();
        md.AppendLine("| model | image | batch | parameters | forward GFLOP/image | GFLOP/step | s/step | images/s | GFLOP/s | of ceiling | waiting for data |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var t in Throughput)
            md.AppendLine(c, $"| {t.Model} | {t.ImageSize} | {t.Batch} | {t.Parameters:N0} | {t.ForwardGflopPerImage:F3} | {t.StepGflop:F1} | {t.SecondsPerStep:F3} | {t.ImagesPerSecond:F0} | {t.AchievedGflops:F1} | {t.FractionOfCeiling:P0} | {t.DataWaitFraction:P2} |");
        md.AppendLine();
        md.AppendLine("| waiting for data (target < 2%) | rounds × steps | no prefetch | prefetch | s/step, no prefetch | s/step, prefetch |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var p in Prefetch)
            md.AppendLine(c, $"| {p.Model} | {p.Rounds} × {p.StepsPerRound} | {p.WaitWithout:P2} | {p.WaitWith:P2} | {p.SecondsPerStepWithout:F4} | {p.SecondsPerStepWith:F4} |");
        md.AppendLine();
        md.AppendLine(c, $"**Trainer overhead** (DCGAN-{Overhead.ImageSize}, width {Overhead.Width}, batch {Overhead.Batch}; {Overhead.Rounds} interleaved rounds of {Overhead.StepsPerBlock} steps): " +
                         $"bare loop {Overhead.BareMedian:F3} s/step, trainer {Overhead.TrainerMedian:F3} s/step, overhead {Overhead.Overhead:P1} (target ≤ 3%).");
        md.AppendLine();
        md.AppendLine(Data is { } d
            ? string.Create(c, $"**Data** ({d.Dataset}, {d.Images:N0} images at {d.ImageSize} px): decoding {d.ColdSeconds:F1} s ({d.ColdImagesPerSecond:F0} images/s), from the tensor cache {d.CachedSeconds:F2} s ({d.CachedImagesPerSecond:F0} images/s); DCGAN-64 training consumes {d.TrainingImagesPerSecond:F0} images/s.")
            : $"**Data**: {DataSkipped}");
        md.AppendLine();
        md.AppendLine(c, $"**Memory** ({Memory.Model}, batch {Memory.Batch}):");
        md.AppendLine();
        md.AppendLine("| step | resident MB | live tensors |");
        md.AppendLine("|---|---|---|");
        foreach (var p in Memory.Points) md.AppendLine(c, $"| {p.Step} | {p.ResidentMegabytes:F1} | {p.LiveTensors} |");
        md.AppendLine();
        md.AppendLine(c, $"Resident growth from step {Memory.Points[0].Step} to {Memory.Points[^1].Step}: {Memory.ResidentGrowthFraction:P2} (target < 2%); live tensors left per step: {Memory.LiveTensorsPerStep:F3} (target 0).");
        md.AppendLine();
        md.AppendLine(c, $"**Sampling** ({Sampling.Model}, batch {Sampling.Batch}, inference mode): {Sampling.ImagesPerSecond:F0} images/s.");
        md.AppendLine();
        md.Append(ConvBackends.ToMarkdown());
        if (Notebooks.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| notebook | profile | seconds | ran |");
            md.AppendLine("|---|---|---|---|");
            foreach (var n in Notebooks) md.AppendLine(c, $"| {n.Notebook} | {n.Profile} | {n.Seconds:F0} | {(n.Succeeded ? "yes" : "FAILED")} |");
            foreach (var profile in Notebooks.GroupBy(n => n.Profile))
                md.AppendLine(c, $"| **all** | {profile.Key} | {profile.Sum(n => n.Seconds):F0} | {profile.Count(n => n.Succeeded)}/{profile.Count()} |");
        }
        return md.ToString();
    }
}
