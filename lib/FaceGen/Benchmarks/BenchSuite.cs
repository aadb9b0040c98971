using System.Diagnostics;
using System.Runtime.InteropServices;
using FaceGen.Data;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Benchmarks;

/// <summary>What <see cref="BenchSuite.Run"/> measures and how long. <c>NotebookFolder</c> and
/// <c>NotebookProfiles</c> (e.g. quick, standard) add the notebook timings; <c>DataRoot</c> the real-data decoding.</summary>
public sealed record BenchOptions(int ThroughputSteps = 8, int MemorySteps = 2000, int OverheadRounds = 5, int OverheadSteps = 5,
    string? DataRoot = null, string? NotebookFolder = null, IReadOnlyList<string>? NotebookProfiles = null);

/// <summary>
/// The kit's benchmark suite (<c>facegen bench</c>), every section in one process so that ratios are taken side by side:
/// the matmul ceiling, training throughput of four models with achieved GFLOP/s, the trainer's overhead over a bare
/// loop, data decoding, memory over a long run, sampling, the convolution path in force against the fallback, and
/// optionally notebook wall times.
/// <para>FLOPs of one training step, with F_G, F_D, F_V the forward FLOPs per image (<see cref="FlopCount"/>) and B the batch:
/// GAN (one critic step, no penalty) = 4·F_G·B + 9·F_D·B — D step: G forward (1), D forward on real and fake (2),
/// backward (4); G step: G forward (1), D forward (1), backward through D (2) and G (2). VAE = 3·F_V·B (forward, backward).</para>
/// </summary>
public static class BenchSuite
{
    public static BenchReport Run(BenchOptions options, IProgress<ProgressReport>? progress = null)
    {
        TorchRuntime.EnsureInitialized();
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var ceiling = MatmulCeiling();
        progress?.Report(new("ceiling", 1, 1, "sections"));
        var throughput = new List<ThroughputResult>
        {
            GanThroughput("DCGAN-64", 64, width: 64, batch: 64, options.ThroughputSteps, ceiling.Gflops),
            GanThroughput("DCGAN-32", 32, width: 64, batch: 64, options.ThroughputSteps, ceiling.Gflops),
            VaeThroughput("conv VAE-64", () => new ConvVae(64, 3, latentSize: 32, width: 32), 64, 3, batch: 64, options.ThroughputSteps, ceiling.Gflops),
            VaeThroughput("MLP VAE-28", () => new MlpVae(1, 28, 400, 20), 28, 1, batch: 128, options.ThroughputSteps, ceiling.Gflops),
        };
        progress?.Report(new("throughput", 1, 1, "sections"));
        var prefetch = new List<PrefetchResult>
        {
            ComparePrefetch("MLP VAE-28", on => VaeThroughput("MLP VAE-28", () => new MlpVae(1, 28, 400, 20), 28, 1, batch: 128, 10 * options.ThroughputSteps, ceiling.Gflops, on)),
            ComparePrefetch("DCGAN-32", on => GanThroughput("DCGAN-32", 32, width: 64, batch: 64, options.ThroughputSteps, ceiling.Gflops, on)),
        };
        var overhead = TrainerOverhead.Measure(64, 64, 64, options.OverheadRounds, options.OverheadSteps, progress);
        var (data, dataSkipped) = DataDecoding(options.DataRoot, throughput[0].ImagesPerSecond, progress);
        var memory = Memory(options.MemorySteps, progress);
        var sampling = Sampling();
        var convBackends = ConvBackendCost.Measure(progress: progress);
        var notebooks = NotebookTimings(options, progress);
        return new BenchReport($"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, {RuntimeInformation.ProcessArchitecture}",
            get_num_threads(), $"TorchSharp {typeof(Tensor).Assembly.GetName().Version}, LibTorch {__version__}", started, clock.Elapsed.TotalSeconds,
            ceiling, throughput, prefetch, overhead, data, dataSkipped, memory, sampling, convBackends, notebooks);
    }

    /// <summary>Best time of <paramref name="repeats"/> fp32 products of two n×n matrices after two warm-ups; 2n³ FLOPs each.</summary>
    public static CeilingResult MatmulCeiling(int size = 2048, int repeats = 5)
    {
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var a = randn(size, size);
        var b = randn(size, size);
        for (int i = 0; i < 2; i++) mm(a, b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            mm(a, b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return new CeilingResult(size, repeats, best, 2.0 * size * size * size / best / 1e9);
    }

    /// <summary>Three rounds each without and with prefetch, alternating so that drifts in machine load hit both alike.</summary>
    static PrefetchResult ComparePrefetch(string model, Func<bool, ThroughputResult> measure, int rounds = 3)
    {
        var without = new List<ThroughputResult>();
        var with = new List<ThroughputResult>();
        for (int r = 0; r < rounds; r++)
        {
            without.Add(measure(false));
            with.Add(measure(true));
        }
        return new PrefetchResult(model, rounds, with[0].Steps, without.Average(t => t.DataWaitFraction), with.Average(t => t.DataWaitFraction),
            without.Average(t => t.SecondsPerStep), with.Average(t => t.SecondsPerStep));
    }

    static ThroughputResult GanThroughput(string name, int imageSize, int width, int batch, int steps, double ceiling, bool prefetch = true)
    {
        Seeding.Seed(0);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(32, 8, imageSize, 3, 0));
        using var gan = new GanTrainable(() => new DcganGenerator(imageSize, 3, 100, width), () => new DcganDiscriminator(imageSize, 3, width),
            GanTrainingOptions.For(GanLoss.NonSaturating));
        var g = gan.Generator;
        var d = gan.Discriminator;
        double forwardG = FlopCount.ForwardPerRow(g, () => g.forward(g.SampleLatent(2), null), 2);
        double forwardD = FlopCount.ForwardPerRow(d, () => d.forward(zeros(2, 3, imageSize, imageSize), null), 2);
        double stepFlops = FlopCount.GanTrainingStepPerImage(forwardG, forwardD) * batch;
        return Throughput(name, imageSize, batch, GanArchitecture.ParameterCount(g) + GanArchitecture.ParameterCount(d),
            forwardG + forwardD, stepFlops, gan, faces, steps, ceiling, prefetch: prefetch);
    }

    static ThroughputResult VaeThroughput(string name, Func<Vae> create, int imageSize, int channels, int batch, int steps, double ceiling, bool prefetch = true)
    {
        Seeding.Seed(0);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(32, 8, imageSize, channels, 0));
        var model = create();
        double forward = FlopCount.ForwardPerRow(model, () => model.forward(zeros(2, channels, imageSize, imageSize)), 2);
        using var snapshot = zeros(8, channels, imageSize, imageSize);
        using var vae = new VaeTrainable(model, ReconstructionLikelihood.Bernoulli, new KlWarmup(), 1e-3, snapshot, null, seed: 0);
        return Throughput(name, imageSize, batch, GanArchitecture.ParameterCount(model), forward, FlopCount.TrainingStepPerImage(forward) * batch, vae, faces, steps, ceiling, PixelRange.Unit, prefetch);
    }

    /// <summary>Two warm-up steps, then <paramref name="steps"/> timed steps through the kit's trainer.</summary>
    static ThroughputResult Throughput(string name, int imageSize, int batch, long parameters, double forwardFlops, double stepFlops,
        ITrainable model, FaceDataset faces, int steps, double ceiling, PixelRange range = PixelRange.Signed, bool prefetch = true)
    {
        using var batches = new DatasetBatches(faces, new BatchOptions(batch, Seed: 0, DropLast: true, RandomHorizontalFlip: true, Range: range), prefetch);
        var timed = new TimedBatches(batches);
        new Trainer(model, timed, new TrainerOptions(2)).Run();
        timed.Waiting = TimeSpan.Zero;
        var clock = Stopwatch.StartNew();
        new Trainer(model, timed, new TrainerOptions(steps)).Run();
        double perStep = clock.Elapsed.TotalSeconds / steps;
        double achieved = stepFlops / perStep / 1e9;
        return new ThroughputResult(name, imageSize, batch, parameters, forwardFlops / 1e9, stepFlops / 1e9, steps, perStep,
            batch / perStep, achieved, achieved / ceiling, timed.Waiting.TotalSeconds / clock.Elapsed.TotalSeconds);
    }

    /// <summary>UTKFace at 64 px decoded twice into a fresh cache folder: the first load decodes every JPEG (and
    /// writes the cache), the second reads the cache. Skipped, with the reason, when UTKFace is not under the data root.</summary>
    static (DataResult?, string?) DataDecoding(string? dataRoot, double trainingImagesPerSecond, IProgress<ProgressReport>? progress)
    {
        var registry = new DatasetRegistry(dataRoot);
        if (registry.List().FirstOrDefault(d => d.Name == "utkface") is not { Found: true })
            return (null, $"skipped: UTKFace not found under {registry.Root} (give --data-root).");
        var cache = Path.Combine(Path.GetTempPath(), $"facegen-bench-cache-{Environment.ProcessId}");
        try
        {
            var load = new ImageLoadOptions(64, 3, SkipBad: true, CacheFolder: cache);
            var clock = Stopwatch.StartNew();
            int count;
            using (var cold = registry.Load("utkface", load, progress: progress)) count = cold.Count;
            double coldSeconds = clock.Elapsed.TotalSeconds;
            clock.Restart();
            using (registry.Load("utkface", load)) { }
            return (new DataResult("utkface", count, 64, coldSeconds, clock.Elapsed.TotalSeconds, trainingImagesPerSecond), null);
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    /// <summary>A DCGAN-32 (width 32, batch 32) trained for <paramref name="steps"/> steps through the trainer; resident
    /// memory and live tensors recorded after steps 500, 1000, 2000 (scaled to <paramref name="steps"/>).</summary>
    static MemoryResult Memory(int steps, IProgress<ProgressReport>? progress)
    {
        Seeding.Seed(0);
        const int batch = 32;
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(32, 8, 32, 3, 0));
        using var gan = new GanTrainable(() => new DcganGenerator(32, 3, 100, 32), () => new DcganDiscriminator(32, 3, 32),
            GanTrainingOptions.For(GanLoss.NonSaturating));
        using var batches = new DatasetBatches(faces, new BatchOptions(batch, Seed: 0, DropLast: true, Range: PixelRange.Signed));
        var recorder = new MemoryRecorder(new[] { steps / 4L, steps / 2L, steps }, progress, steps);
        new Trainer(gan, batches, new TrainerOptions(steps), recorder).Run();
        return new MemoryResult("DCGAN-32 width 32", batch, recorder.Points);
    }

    static SamplingResult Sampling(int batch = 256, int repeats = 5)
    {
        Seeding.Seed(0);
        using var g = new DcganGenerator(64, 3, 100, 64);
        g.eval();
        using var noGrad = no_grad();
        using (var scope = NewDisposeScope()) g.forward(g.SampleLatent(batch), null);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            g.forward(g.SampleLatent(batch), null);
        }
        return new SamplingResult("DCGAN-64 generator", batch, repeats, batch * repeats / clock.Elapsed.TotalSeconds);
    }

    static List<NotebookTiming> NotebookTimings(BenchOptions options, IProgress<ProgressReport>? progress)
    {
        var timings = new List<NotebookTiming>();
        if (options.NotebookFolder is null || options.NotebookProfiles is not { Count: > 0 } profiles) return timings;
        var notebooks = Directory.GetFiles(options.NotebookFolder, "*.ipynb").Order(StringComparer.Ordinal).ToList();
        var output = Path.Combine(Path.GetTempPath(), $"facegen-bench-notebooks-{Environment.ProcessId}");
        foreach (var profile in profiles)
            foreach (var notebook in notebooks)
            {
                var run = NotebookRunner.Run(notebook, Path.Combine(output, profile, Path.GetFileName(notebook)), profile, TimeSpan.FromMinutes(60));
                timings.Add(new NotebookTiming(Path.GetFileNameWithoutExtension(notebook), profile, run.Elapsed.TotalSeconds, run.Succeeded));
                progress?.Report(new($"notebooks ({profile})", timings.Count(t => t.Profile == profile), notebooks.Count, "notebooks"));
            }
        return timings;
    }

    /// <summary>Passes batches through and adds up the time spent waiting for them.</summary>
    sealed class TimedBatches(IBatchSource inner) : IBatchSource
    {
        public TimeSpan Waiting;
        public long Position { get => inner.Position; set => inner.Position = value; }

        public Batch Next()
        {
            var start = Stopwatch.GetTimestamp();
            var batch = inner.Next();
            Waiting += Stopwatch.GetElapsedTime(start);
            return batch;
        }
    }

    /// <summary>Records resident memory (after a refresh) and <see cref="Tensor.TotalCount"/> at the given steps.</summary>
    sealed class MemoryRecorder(long[] at, IProgress<ProgressReport>? progress, long total) : ITrainingCallback
    {
        public readonly List<MemoryPoint> Points = new();

        public void OnStep(StepRecord record, long totalSteps)
        {
            long step = record.Step;
            if (step % 50 == 0) progress?.Report(new("memory run", step, total, "steps"));
            if (!at.Contains(step)) return;
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            Points.Add(new MemoryPoint(step, process.WorkingSet64 / 1048576.0, Tensor.TotalCount));
        }
    }
}
