using System.ComponentModel;
using FaceGen.Data;
using FaceGen.Data.Fetch;
using FaceGen.Runtime;
using FaceGen.Visualization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary>Loading shared by the commands: a data set by name or folder, with a progress bar and a summary line.</summary>
public static class DatasetLoading
{
    public static FaceDataset Load(string nameOrPath, DatasetSettings s)
    {
        var registry = new DatasetRegistry(s.DataRoot);
        var options = new ImageLoadOptions(ImageSize: s.Size, Channels: s.Channels ?? 3, SkipBad: s.SkipBad, MaxImages: s.MaxImages);
        var report = new LoadReport();
        var synthetic = new SyntheticFaceOptions(s.Identities, s.PerIdentity, s.Size, s.Channels ?? 3, s.Seed);
        var data = ConsoleProgress.Run(progress => registry.Load(nameOrPath, options, seed: s.Seed, report: report, progress: progress, synthetic: synthetic));
        AnsiConsole.MarkupLine(Markup.Escape(
            $"{data.Name}: {data.Count} images, {data.ClassCount} classes, {data.Channels}×{data.Height}×{data.Width}, " +
            $"{report.Elapsed.TotalSeconds:F2} s" + (report.FromCache ? " (from the decoded cache)" : "") +
            (report.Skipped.Count > 0 ? $", {report.Skipped.Count} skipped" : "")));
        foreach (var skipped in report.Skipped.Take(5)) AnsiConsole.MarkupLine(Markup.Escape($"  skipped {skipped.Path}: {skipped.Reason}"));
        if (report.Skipped.Count > 5) AnsiConsole.MarkupLine($"  … and {report.Skipped.Count - 5} more");
        return data;
    }
}

public sealed class DataListCommand : Command<DataListCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--data-root <DIR>"), Description("Folder holding the real data sets (default: FACEGEN_DATA, else shared/data beside this checkout, else ~/.local/share/facegen/data)")]
        public string? DataRoot { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var registry = new DatasetRegistry(settings.DataRoot);
        AnsiConsole.MarkupLine($"data root: {Markup.Escape(registry.Root)}");
        var table = new Table().AddColumn("name").AddColumn("found").AddColumn("where / how to get it");
        foreach (var info in registry.List())
            table.AddRow(info.Name, info.Found ? "[green]yes[/]" : "no", Markup.Escape(info.Found ? info.Location : info.HowToGet));
        AnsiConsole.Write(table);
        return 0;
    }
}

public sealed class DataPreviewCommand : Command<DataPreviewCommand.Settings>
{
    public sealed class Settings : DatasetSettings
    {
        [CommandArgument(0, "<DATASET>"), Description("A name (synthetic, att, utkface, lfw, celeba, fashion-mnist, cifar10) or a folder of identity folders")]
        public string Dataset { get; init; } = "";

        /// <summary>The most rows and columns of one sheet: 64 × 64 images, as many as <c>sample gan -n</c> allows in one grid.</summary>
        public const int MaxSide = 64;

        [CommandOption("--rows <N>"), Description("Rows of the sheet (one class each; 1 to 64)"), DefaultValue(8)]
        public int Rows { get; init; }

        [CommandOption("--columns <N>"), Description("Images per row (1 to 64)"), DefaultValue(8)]
        public int Columns { get; init; }

        [CommandOption("--out <FILE>"), Description("PNG to write (default: a new run folder)")]
        public string? Out { get; init; }

        public override ValidationResult Validate() =>
            Rows is < 1 or > MaxSide ? ValidationResult.Error($"--rows {Rows}: expected 1 to {MaxSide}.")
            : Columns is < 1 or > MaxSide ? ValidationResult.Error($"--columns {Columns}: expected 1 to {MaxSide}.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var data = DatasetLoading.Load(settings.Dataset, settings);
        var sheet = ContactSheet.Of(data, settings.Rows, settings.Columns);
        var path = settings.Out ?? Path.Combine(RunFolders.Create("preview"), $"{data.Name}.png");
        if (settings.Out is not null && File.Exists(path))
            throw new IOException($"--out {path} already exists; choose a new file name (earlier results are never overwritten).");
        sheet.Save(path);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({sheet.Width}×{sheet.Height} px)");
        return 0;
    }
}

public sealed class DataFetchCommand : AsyncCommand<DataFetchCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<NAME>"), Description("att_faces (or att), lfw, celeba, cifar10")]
        public string Name { get; init; } = "";

        [CommandOption("--data-root <DIR>"), Description("Where to install (default: FACEGEN_DATA, else shared/data beside this checkout, else ~/.local/share/facegen/data)")]
        public string? DataRoot { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var entry = DatasetCatalog.Find(settings.Name);
        var root = DatasetRegistry.ResolveRoot(settings.DataRoot);
        AnsiConsole.MarkupLine(Markup.Escape($"{entry.Title} → {Path.Combine(root, entry.Folder)}"));
        var result = await ConsoleProgress.RunAsync(progress => new DatasetFetcher().FetchAsync(entry, root, progress, cancellationToken));
        foreach (var warning in result.Warnings) AnsiConsole.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        AnsiConsole.MarkupLine(Markup.Escape(result.Message));
        return 0;
    }
}
