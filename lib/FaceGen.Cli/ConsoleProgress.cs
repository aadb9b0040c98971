using FaceGen.Runtime;
using Spectre.Console;

namespace FaceGen.Cli;

/// <summary>Draws the library's <see cref="ProgressReport"/>s as Spectre.Console progress bars, one bar
/// per task name. Safe to call from worker threads (decoding runs in parallel).</summary>
public sealed class ConsoleProgress : IProgress<ProgressReport>
{
    readonly ProgressContext context;
    readonly Dictionary<string, ProgressTask> tasks = new();
    readonly object gate = new();

    ConsoleProgress(ProgressContext context) => this.context = context;

    /// <summary>Runs <paramref name="work"/> with live progress bars and returns its result.</summary>
    public static T Run<T>(Func<IProgress<ProgressReport>, T> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => work(new ConsoleProgress(ctx)));

    public static Task<T> RunAsync<T>(Func<IProgress<ProgressReport>, Task<T>> work) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(ctx => work(new ConsoleProgress(ctx)));

    public void Report(ProgressReport value)
    {
        lock (gate)
        {
            if (!tasks.TryGetValue(value.Task, out var task))
            {
                task = context.AddTask(Markup.Escape(value.Task), maxValue: Math.Max(1, value.Total));
                tasks[value.Task] = task;
            }
            if (value.Total > 0) task.MaxValue = value.Total;
            else task.IsIndeterminate = true;
            task.Value = value.Done;
            if (value.Total > 0 && value.Done >= value.Total) task.StopTask();
        }
    }
}
