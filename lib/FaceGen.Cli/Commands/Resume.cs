using System.ComponentModel;
using FaceGen.Runtime;
using FaceGen.Training;
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
    /// <summary>Trains in <paramref name="resumedFolder"/> from <paramref name="resumeFrom"/> when a run is resumed;
    /// otherwise in a new run folder (<see cref="RunFolders.Use{T}"/>: removed again when the run fails before its first
    /// checkpoint). Either way the folder's claim is kept alive while training runs (<see cref="RunFolders.KeepAlive"/>).</summary>
    public static T Train<T>(string? resumedFolder, string? resumeFrom, string command, string? requestedOut, Func<string, string?, T> train)
    {
        if (resumedFolder is not null)
        {
            using var alive = RunFolders.KeepAlive(resumedFolder);
            return train(resumedFolder, resumeFrom);
        }
        return RunFolders.Use(command, requestedOut, folder =>
        {
            AnsiConsole.MarkupLine($"run folder: {Markup.Escape(folder)}");
            using var alive = RunFolders.KeepAlive(folder);
            return train(folder, null);
        });
    }

    static readonly string[] Allowed = { "--resume", "--steps", "--threads", "--device", "--conv-backend", "--data-root" };

    /// <summary>The run to continue and its options (<paramref name="merge"/> applies the new step total, null when
    /// --steps was not given, and --device / --data-root); null when the run has already finished (said on the console).
    /// Refuses other options, folders that are not runs or have no checkpoint, and runs of another command; then takes
    /// the run's claim (<see cref="RunFolders.Reclaim"/>: refused while its writer lives).</summary>
    public static (T Options, RunResume Run)? Open<T>(CommandContext context, TrainingSettings s, int steps, string command,
        Func<T, int?, T> merge, params string[] alsoAllowed)
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
        var options = merge(run.Config<T>(), stepsGiven ? steps : null);
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
}
