using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>What every public loader does around its own work: initialise torch, validate the options,
/// reset and fill the report, time the load.</summary>
internal static class LoadSession
{
    /// <summary>Runs <paramref name="load"/> with validated options and a reset report, then records the count and time.</summary>
    public static FaceDataset Run(ImageLoadOptions? options, LoadReport? report, Func<ImageLoadOptions, LoadReport, FaceDataset> load)
    {
        TorchRuntime.EnsureInitialized();
        options ??= new ImageLoadOptions();
        options.Validate();
        report ??= new LoadReport();
        report.Reset();
        var clock = Stopwatch.StartNew();
        var dataset = load(options, report);
        report.SortSkipped();
        report.Loaded = dataset.Count;
        report.Elapsed = clock.Elapsed;
        return dataset;
    }

    /// <summary>A bad item: raised when SkipBad is off, recorded in the report when it is on.</summary>
    public static void Reject(DataException error, ImageLoadOptions options, LoadReport report)
    {
        if (!options.SkipBad) throw error;
        report.Skip(error.Path, ReasonOf(error));
    }

    /// <summary>The message of a <see cref="DataException"/> without its "path: " prefix.</summary>
    public static string ReasonOf(DataException error)
    {
        string prefix = error.Path + ": ";
        return error.Message.StartsWith(prefix, StringComparison.Ordinal) ? error.Message[prefix.Length..] : error.Message;
    }

    /// <summary>
    /// Runs <paramref name="body"/> for 0 ≤ i &lt; n on <see cref="ImageLoadOptions.Threads"/> threads and
    /// reports progress. A <see cref="DataException"/> from the body marks item i as failed: with SkipBad it
    /// is recorded in the report; without, the exception of the lowest failing index is rethrown — the
    /// loop "breaks" there, which lets every lower index finish, so the file named does not depend on
    /// thread timing. Returns the failed flags.
    /// </summary>
    public static bool[] ParallelItems(int n, string task, ImageLoadOptions options, LoadReport report,
        IProgress<ProgressReport>? progress, Action<int> body)
    {
        var failed = new bool[n];
        var errors = new ConcurrentDictionary<int, DataException>();
        var gate = new object();
        long done = 0;
        long step = Math.Max(1, n / 100);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.DegreeOfParallelism };
        try
        {
            Parallel.For(0, n, parallel, (i, state) =>
            {
                if (state.LowestBreakIteration is long stop && stop < i) return;
                try { body(i); }
                catch (DataException e)
                {
                    failed[i] = true;
                    if (!options.SkipBad) { errors[i] = e; state.Break(); return; }
                    report.Skip(e.Path, ReasonOf(e));
                }
                // Count and report under one lock, so that reports arrive in order and the last one says n of n.
                lock (gate)
                {
                    long d = ++done;
                    if (progress is not null && (d % step == 0 || d == n)) progress.Report(new ProgressReport(task, d, n, "images"));
                }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        if (!errors.IsEmpty) ExceptionDispatchInfo.Capture(errors[errors.Keys.Min()]).Throw();
        return failed;
    }

    /// <summary>At most <paramref name="max"/> items spread evenly over the list: indices ⌊i·n/max⌋.</summary>
    public static IReadOnlyList<T> Spread<T>(IReadOnlyList<T> items, int? max)
    {
        if (max is not int m || m >= items.Count) return items;
        return Enumerable.Range(0, m).Select(i => items[(int)((long)i * items.Count / m)]).ToArray();
    }
}
