using System.ComponentModel;
using FaceGen.Experiments;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary><c>facegen ablate SPEC --out DIR</c>: runs an experiment spec's grid (<see cref="Ablation"/>), resuming
/// a folder that already holds some of its runs.</summary>
public sealed class AblateCommand : Command<AblateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<SPEC>"), Description("Experiment spec (JSON), e.g. data/experiments/gan-losses.json")]
        public string Spec { get; init; } = "";

        [CommandOption("--out <DIR>"), Description("Experiment folder: created, or resumed when it holds runs of the same spec")]
        public string? Out { get; init; }

        [CommandOption("--profile <PROFILE>"), Description("quick | standard | full: the sizes the spec gives each (default: FACEGEN_PROFILE or standard)")]
        public string? Profile { get; init; }

        [CommandOption("--max-minutes <M>"), Description("Start no run after M minutes (or when the next would overrun them); run again to continue")]
        public double? MaxMinutes { get; init; }

        [CommandOption("--threads <N>"), Description("CPU threads for LibTorch (default: FACEGEN_THREADS or LibTorch's choice)")]
        public int? Threads { get; init; }

        [CommandOption("--dry-run"), Description("Check the spec and list the planned runs without running them")]
        public bool DryRun { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var spec = ExperimentSpec.Load(s.Spec);
        var profile = s.Profile ?? FaceGen.Runtime.Profile.Current;
        var plan = spec.Expand(profile);
        AnsiConsole.MarkupLine(Markup.Escape($"{spec.Name}: {plan.Count} runs ({plan.Select(r => r.Setting).Distinct().Count()} settings × seeds), profile {profile}"));
        if (s.DryRun)
        {
            foreach (var run in plan) AnsiConsole.WriteLine($"  {run.FolderName}");
            return 0;
        }
        if (s.Out is null) throw new ArgumentException("--out DIR: give the experiment folder (a new one, or an earlier one to resume).");
        if (s.MaxMinutes is <= 0) throw new ArgumentException($"--max-minutes {s.MaxMinutes}: must be > 0.");
        Devices.ConfigureThreads(s.Threads);
        var result = ConsoleProgress.Run(progress => Ablation.Run(spec, s.Out, new AblationOptions { Profile = profile, MaxMinutes = s.MaxMinutes }, progress));
        // Plain output: AnsiConsole would wrap the Markdown table at the console width.
        Console.WriteLine(AblationReport.Markdown(result));
        AnsiConsole.MarkupLine(Markup.Escape($"{result.RanNow} runs now, {result.Resumed} kept from before, {result.Remaining} remain" +
            (result.BudgetSpent ? $" (time budget of {s.MaxMinutes} min spent: run the same command again to continue)" : "") + "."));
        AnsiConsole.MarkupLine(Markup.Escape($"results: {Path.Combine(result.Folder, "results.csv")}, {Path.Combine(result.Folder, "summary.md")}, {Path.Combine(result.Folder, "charts.html")}"));
        return 0;
    }
}

/// <summary><c>facegen report DIR</c>: rebuilds results.csv, summary.md and charts.html of an experiment folder from
/// its run folders (<see cref="AblationReport.Rebuild"/>).</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>"), Description("Experiment folder written by facegen ablate")]
        public string Folder { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = AblationReport.Rebuild(s.Folder);
        // Plain output: AnsiConsole would wrap the Markdown table at the console width.
        Console.WriteLine(AblationReport.Markdown(result));
        AnsiConsole.MarkupLine(Markup.Escape($"rebuilt from {result.Runs.Count} runs: {Path.Combine(result.Folder, "results.csv")}, summary.md, charts.html"));
        return 0;
    }
}
