using System.ComponentModel;
using System.Net;
using System.Text;
using FaceGen.Runtime;
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
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Profile is not ("quick" or "standard" or "full")) throw new ArgumentException($"--profile {s.Profile}: expected quick, standard or full.");
        var notebooks = Path.Combine(Repository.Root(), "notebooks");
        var files = Directory.GetFiles(notebooks, "*.ipynb").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new IOException($"{notebooks}: no notebooks found.");
        var folder = RunFolders.Create("notebooks", s.Out);
        var results = new List<NotebookRun>();
        foreach (var file in files)
        {
            AnsiConsole.MarkupLine($"running {Markup.Escape(Path.GetFileName(file))} ({s.Profile}) …");
            var run = NotebookRunner.Run(file, Path.Combine(folder, Path.GetFileName(file)), s.Profile);
            results.Add(run);
            AnsiConsole.MarkupLine(run.Succeeded ? $"  [green]ok[/] {run.Elapsed.TotalSeconds:F1} s"
                : $"  [red]failed[/] after {run.Elapsed.TotalSeconds:F1} s: {Markup.Escape(string.Join(" | ", run.Errors).Split('\n')[0])}");
        }
        var index = new StringBuilder($"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>FaceGen notebooks ({s.Profile})</title></head><body>" +
            $"<h1>FaceGen notebooks, profile {s.Profile}</h1><table><tr><th>notebook</th><th>status</th><th>seconds</th></tr>");
        foreach (var r in results)
            index.Append($"<tr><td><a href=\"{WebUtility.HtmlEncode(Path.GetFileName(r.ExecutedNotebook))}\">{WebUtility.HtmlEncode(Path.GetFileName(r.Notebook))}</a></td>" +
                         $"<td>{(r.Succeeded ? "ok" : "failed: " + WebUtility.HtmlEncode(string.Join(" | ", r.Errors)))}</td><td>{r.Elapsed.TotalSeconds:F1}</td></tr>");
        AtomicFile.WriteAllText(Path.Combine(folder, "index.html"), index.Append("</table></body></html>\n").ToString());
        AnsiConsole.MarkupLine($"{results.Count(r => r.Succeeded)} of {results.Count} notebooks ran; executed copies and index.html in {Markup.Escape(folder)}");
        return results.All(r => r.Succeeded) ? 0 : 1;
    }
}
