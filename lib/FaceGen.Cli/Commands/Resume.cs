using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary>Options of the <c>facegen train …</c> commands: those of a data set, and <c>--resume</c>.</summary>
public class TrainingSettings : DatasetSettings
{
    [CommandOption("--resume <RUN>"), Description("Continue a stopped run folder from its latest checkpoint, with the options in its config.json (only --steps, --threads, --device, --conv-backend and --data-root may be given beside it)")]
    public string? Resume { get; init; }
}

/// <summary>
/// <c>facegen train … --resume RUN</c>. The rule for options: what defines the run comes from RUN/config.json and
/// cannot be changed (a changed option would make the continued run a different experiment from its first part); only
/// what says how long (<c>--steps</c>, the new total) or where (<c>--threads</c>, <c>--device</c>, <c>--conv-backend</c>,
/// <c>--data-root</c>) may be given, and it is written into config.json. Bitwise-equal results need the same device and
/// thread count as the first part.
/// </summary>
public static class ResumeSupport
{
    /// <summary>The one path of every <c>facegen train …</c> command: sets the thread count; with <c>--resume</c>, opens the
    /// run (<see cref="Open{T}"/>) and continues it in its folder from its latest checkpoint; otherwise builds the options
    /// with <paramref name="create"/>, validates them and trains in a new run folder (<see cref="RunFolders.Use{T}"/>:
    /// removed again when the run fails before its first checkpoint). Either way the folder's claim is kept alive while
    /// training runs (<see cref="RunFolders.KeepAlive"/>). Null when a resumed run had already finished (said on the
    /// console); <paramref name="train"/> gets the options, the folder and the checkpoint to continue from (null: none).</summary>
    public static TResult? Run<TOptions, TResult>(CommandContext context, TrainingSettings s, int steps, string command, string? requestedOut,
        Func<TOptions> create, Func<TOptions, string, string?, TResult> train, params string[] alsoAllowed)
        where TOptions : DatasetOptions where TResult : class
    {
        Devices.ConfigureThreads(s.Threads);
        if (s.Resume is not null)
        {
            if (Open<TOptions>(context, s, steps, command, alsoAllowed) is not { } resumed) return null;
            using var alive = RunFolders.KeepAlive(resumed.Run.Folder);
            return train(resumed.Options, resumed.Run.Folder, resumed.Run.Checkpoint);
        }
        var options = create();
        options.Validate();
        return RunFolders.Use(command, requestedOut, folder =>
        {
            AnsiConsole.MarkupLine($"run folder: {Markup.Escape(folder)}");
            using var alive = RunFolders.KeepAlive(folder);
            return train(options, folder, null);
        });
    }

    static readonly string[] Allowed = { "--resume", "--steps", "--threads", "--device", "--conv-backend", "--data-root" };

    /// <summary>The run to continue and its options: those of its config.json, with the new step total (when --steps was
    /// given), --device and --data-root written over them; null when the run has already finished (said on the console).
    /// Refuses other options, folders that are not runs or have no checkpoint, and runs of another command; then takes
    /// the run's claim (<see cref="RunFolders.Reclaim"/>: refused while its writer lives).</summary>
    static (T Options, RunResume Run)? Open<T>(CommandContext context, TrainingSettings s, int steps, string command, string[] alsoAllowed)
        where T : DatasetOptions
    {
        var folder = s.Resume!;
        var others = context.Arguments.Where(a => a.Length > 1 && a[0] == '-' && !char.IsDigit(a[1]) && a[1] != '.')
            .Select(a => a.Split('=')[0]).Where(a => !Allowed.Contains(a) && !alsoAllowed.Contains(a)).Distinct().ToList();
        if (others.Count > 0)
            throw new ArgumentException($"--resume {folder}: {string.Join(", ", others)} cannot be given with --resume; a resumed run keeps the " +
                $"options in {Path.Combine(folder, "config.json")}. Only {string.Join(", ", Allowed.Skip(1).Concat(alsoAllowed))} may be given beside it " +
                "(to train with other options, start a new run with --out).");
        var run = RunResume.Of(folder);
        if (RunFolders.ReadClaim(run.Folder)?.GetValueOrDefault("command") is { } made && made != command)
            throw new ArgumentException($"--resume {folder}: this is a {made} run; resume it with facegen {made.Replace('-', ' ')} --resume {folder}.");

        bool stepsGiven = context.Arguments.Any(a => a == "--steps" || a.StartsWith("--steps=", StringComparison.Ordinal));
        var options = run.Config<T>().Changed(("Steps", stepsGiven ? steps : null), ("Device", s.Device), ("DataRoot", s.DataRoot));
        if (run.Finished && (!stepsGiven || steps <= run.Step))
        {
            AnsiConsole.MarkupLine(Markup.Escape($"{run.Folder} has finished: {run.Step} steps, results in metrics.json. " +
                $"Give --steps larger than {run.Step} to train it further."));
            return null;
        }
        if (stepsGiven && steps < run.Step)
            throw new ArgumentException($"--steps {steps}: {folder} is already at step {run.Step} (its latest checkpoint, " +
                $"{Path.GetRelativePath(run.Folder, run.Checkpoint)}); give at least {run.Step}.");
        RunFolders.Reclaim(run.Folder, command);
        AnsiConsole.MarkupLine(Markup.Escape($"resuming {run.Folder} at step {run.Step} ({Path.GetRelativePath(run.Folder, run.Checkpoint)})"));
        return (options, run);
    }

    /// <summary><paramref name="options"/> with each of <paramref name="changes"/> whose value is not null written over the
    /// property of that name — through JSON, as the change is written into the run's config.json.</summary>
    static T Changed<T>(this T options, params (string Property, object? Value)[] changes)
    {
        var json = JsonSerializer.SerializeToNode(options, JsonFiles.Options)!.AsObject();
        foreach (var (property, value) in changes.Where(c => c.Value is not null))
            json[property] = json.ContainsKey(property) ? JsonValue.Create(value) : throw new InvalidOperationException($"{typeof(T).Name} has no {property}.");
        return json.Deserialize<T>(JsonFiles.Options)!;
    }
}
