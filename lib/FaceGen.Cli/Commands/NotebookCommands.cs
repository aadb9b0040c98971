using System.ComponentModel;
using FaceGen.Runtime;
using FaceGen.Visualization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class NotebooksRunCommand : Command<NotebooksRunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--profile <PROFILE>"), Description("quick | standard | full (sets FACEGEN_PROFILE for the kernels)"), DefaultValue("standard")]
        public string Profile { get; init; } = "standard";

        [CommandOption("--out <DIR>"), Description("New folder for the executed notebooks (default: data/runs/notebooks-<time>)")]
        public string? Out { get; init; }

        [CommandOption("--timeout-minutes <MINUTES>"), Description("Kill a notebook after this long (default by profile: quick 10, standard 90, full 480)")]
        public double? TimeoutMinutes { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Profile is not ("quick" or "standard" or "full")) throw new ArgumentException($"--profile {s.Profile}: expected quick, standard or full.");
        if (s.TimeoutMinutes is { } minutes && !(minutes > 0 && minutes <= 7 * 24 * 60))
            throw new ArgumentException($"--timeout-minutes {minutes}: expected a number of minutes above 0 and at most a week (10080).");
        var timeout = s.TimeoutMinutes is { } m ? TimeSpan.FromMinutes(m) : NotebookRunner.DefaultTimeout(s.Profile);
        var notebooks = Path.Combine(Repository.Root(), "notebooks");
        var files = Directory.GetFiles(notebooks, "*.ipynb").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new IOException($"{notebooks}: no notebooks found.");
        var folder = RunFolders.Create("notebooks", s.Out);
        var results = new List<NotebookRun>();
        foreach (var file in files)
        {
            AnsiConsole.MarkupLine($"running {Markup.Escape(Path.GetFileName(file))} ({s.Profile}, limit {timeout.TotalMinutes:F0} min) …");
            var run = NotebookRunner.Run(file, Path.Combine(folder, Path.GetFileName(file)), s.Profile, timeout);
            results.Add(run);
            AnsiConsole.MarkupLine(run.Succeeded ? $"  [green]ok[/] {run.Elapsed.TotalSeconds:F1} s"
                : $"  [red]failed[/] after {run.Elapsed.TotalSeconds:F1} s: {Markup.Escape(string.Join(" | ", run.Errors).Split('\n')[0])}");
        }
        var published = results.Select(r => new PublishedNotebook(Path.GetFileNameWithoutExtension(r.Notebook),
            File.Exists(r.ExecutedNotebook) ? r.ExecutedNotebook : null, r.Errors, r.Elapsed)).ToList();
        var pages = NotebookPages.Publish(folder, s.Profile, published);
        AnsiConsole.MarkupLine($"{results.Count(r => r.Succeeded)} of {results.Count} notebooks ran; {pages.Count} pages, the executed notebooks and "
            + $"index.html (open it in a browser) in {Markup.Escape(folder)}");
        return results.All(r => r.Succeeded) ? 0 : 1;
    }
}

/// <summary><c>facegen notebooks publish DIR</c>: the pages and index of an existing run folder, rebuilt from its
/// executed notebooks without running anything (status and time from the notebooks' outputs and cell timestamps).</summary>
public sealed class NotebooksPublishCommand : Command<NotebooksPublishCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DIR>"), Description("A run folder of `facegen notebooks run` (its *.ipynb)")]
        public string Folder { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(s.Folder);
        var notebooks = NotebookPages.FromFolder(folder);
        var pages = NotebookPages.Publish(folder, NotebookPages.ProfileOf(notebooks), notebooks);
        AnsiConsole.MarkupLine($"index.html and {pages.Count} notebook pages written ({notebooks.Count(n => n.Succeeded)} of {notebooks.Count} notebooks without an error) in {Markup.Escape(folder)}");
        return 0;
    }
}
