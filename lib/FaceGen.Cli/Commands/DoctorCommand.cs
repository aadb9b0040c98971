using FaceGen.Data;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class DoctorCommand : Command<DoctorCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken) =>
        Print(DoctorReport.Run(settings.Device, settings.Threads).With(new DatasetRegistry(settings.DataRoot).DoctorChecks()));

    /// <summary>Prints the report as a table; returns the exit code (0 healthy, 1 not).</summary>
    public static int Print(DoctorReport report)
    {
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
