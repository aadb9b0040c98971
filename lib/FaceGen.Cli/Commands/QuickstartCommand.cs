using System.ComponentModel;
using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Runtime;
using FaceGen.Visualization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary>The README's first command: doctor, then contact sheets of the synthetic faces (three sizes,
/// colour and grey) and of every real face set found under the data root.</summary>
public sealed class QuickstartCommand : Command<QuickstartCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--out <DIR>"), Description("New folder for the results (default: data/runs/quickstart-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        AnsiConsole.Write(new Rule("doctor"));
        if (DoctorCommand.Print(DoctorReport.Run(settings.Device, settings.Threads).With(new DatasetRegistry(settings.DataRoot).DoctorChecks())) != 0) return 1;

        var folder = RunFolders.Create("quickstart", settings.Out);
        var written = new List<string>();
        AnsiConsole.Write(new Rule("synthetic faces"));
        foreach (var (size, channels) in new[] { (64, 3), (32, 1), (128, 3) })
        {
            var timer = Stopwatch.StartNew();
            using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 8, ImagesPerIdentity: 8, ImageSize: size, Channels: channels, Seed: settings.Seed));
            var path = Path.Combine(folder, $"synthetic-{size}px-{(channels == 1 ? "grey" : "rgb")}.png");
            ContactSheet.Of(faces).Save(path);
            written.Add(path);
            AnsiConsole.MarkupLine(Markup.Escape($"{path}: 8 identities × 8 images, {size} px, rendered in {timer.Elapsed.TotalSeconds:F2} s"));
        }

        var registry = new DatasetRegistry(settings.DataRoot);
        AnsiConsole.Write(new Rule($"real faces under {Markup.Escape(registry.Root)}"));
        var faceSets = new[] { "att", "utkface", "lfw", "celeba" };
        foreach (var info in registry.List().Where(i => faceSets.Contains(i.Name)))
        {
            if (!info.Found)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"{info.Name}: not found (to get it: {info.HowToGet})"));
                continue;
            }
            using var data = DatasetLoading.Load(info.Name, new DatasetSettings { DataRoot = settings.DataRoot, Size = 64, Channels = DatasetRegistry.DefaultChannels(info.Name), SkipBad = true, Seed = settings.Seed });
            var path = Path.Combine(folder, $"{info.Name}-64px.png");
            ContactSheet.Of(data).Save(path);
            written.Add(path);
            AnsiConsole.MarkupLine(Markup.Escape($"{path}"));
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "README.md"),
            $"# facegen quickstart, {DateTime.Now:yyyy-MM-dd HH:mm}\n\n" + string.Concat(written.Select(p => $"- ![{Path.GetFileName(p)}]({Path.GetFileName(p)})\n")));
        AnsiConsole.MarkupLine($"[green]quickstart: done in {total.Elapsed.TotalSeconds:F1} s[/], {written.Count} contact sheets in {Markup.Escape(folder)}");
        return 0;
    }
}
