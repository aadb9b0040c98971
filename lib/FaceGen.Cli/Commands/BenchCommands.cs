using System.ComponentModel;
using System.Text.Json;
using FaceGen.Benchmarks;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class BenchTrainerCommand : Command<BenchTrainerCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--image-size <PIXELS>"), DefaultValue(64)]
        public int ImageSize { get; init; }

        [CommandOption("--width <W>"), DefaultValue(64)]
        public int Width { get; init; }

        [CommandOption("--batch <B>"), DefaultValue(64)]
        public int Batch { get; init; }

        [CommandOption("--rounds <R>"), Description("Interleaved rounds (each: a bare block, then a trainer block)"), DefaultValue(5)]
        public int Rounds { get; init; }

        [CommandOption("--steps <N>"), Description("Steps per block"), DefaultValue(5)]
        public int Steps { get; init; }

        [CommandOption("--json <FILE>"), Description("Also write the measurements as JSON")]
        public string? Json { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        Devices.ConfigureThreads(s.Threads);
        var result = ConsoleProgress.Run(progress => TrainerOverhead.Measure(s.ImageSize, s.Width, s.Batch, s.Rounds, s.Steps, progress));
        var table = new Table().AddColumn("round").AddColumn("bare loop s/step").AddColumn("trainer s/step");
        for (int r = 0; r < result.Rounds; r++) table.AddRow((r + 1).ToString(), $"{result.BareSeconds[r]:F4}", $"{result.TrainerSeconds[r]:F4}");
        table.AddRow("median", $"{result.BareMedian:F4}", $"{result.TrainerMedian:F4}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"DCGAN-{s.ImageSize} width {s.Width}, batch {s.Batch}, {TorchSharp.torch.get_num_threads()} threads: trainer overhead {result.Overhead:P1} (median over {result.Rounds} interleaved rounds of {result.StepsPerBlock} steps)"));
        if (s.Json is not null) AtomicFile.WriteAllText(s.Json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }

}
