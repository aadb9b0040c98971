using System.ComponentModel;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--device <DEVICE>"), Description("auto | cpu | cuda | cuda:N (default: FACEGEN_DEVICE or auto)")]
        public string? Device { get; init; }

        [CommandOption("--threads <N>"), Description("CPU threads for LibTorch (default: FACEGEN_THREADS or LibTorch's choice)")]
        public int? Threads { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var report = DoctorReport.Run(settings.Device, settings.Threads);
        var table = new Table().AddColumn("check").AddColumn("value");
        foreach (var c in report.Checks)
            table.AddRow(Markup.Escape(c.Name), c.Ok ? Markup.Escape(c.Value) : $"[red]{Markup.Escape(c.Value)}[/]");
        AnsiConsole.Write(table);
        if (report.Healthy)
        {
            AnsiConsole.MarkupLine("[green]doctor: healthy[/]");
            return 0;
        }
        AnsiConsole.MarkupLine($"[red]doctor: {Markup.Escape(report.Failure ?? "a check failed")}[/]");
        if (report.Remedy is not null) AnsiConsole.MarkupLine($"remedy: {Markup.Escape(report.Remedy)}");
        return 1;
    }
}
