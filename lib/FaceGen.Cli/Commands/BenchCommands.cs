using System.ComponentModel;
using System.Text.Json;
using FaceGen.Benchmarks;
using FaceGen.Data;
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

        public override ValidationResult Validate()
        {
            if (!DatasetOptions.ConvolutionalSizes.Contains(ImageSize))
                return ValidationResult.Error($"--image-size {ImageSize}: the DCGAN is built for {string.Join(", ", DatasetOptions.ConvolutionalSizes)} pixels.");
            var (name, value) = new[] { ("--width", Width), ("--batch", Batch), ("--rounds", Rounds), ("--steps", Steps) }.FirstOrDefault(o => o.Item2 < 1);
            return name is null ? ValidationResult.Success() : ValidationResult.Error($"{name} {value}: must be ≥ 1.");
        }
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
        if (s.Json is not null) JsonFiles.Write(s.Json, result);
        return 0;
    }
}

/// <summary><c>facegen bench conv-backends</c>: the convolution path in force, and the fallback's cost against oneDNN.</summary>
public sealed class BenchConvBackendsCommand : Command<BenchConvBackendsCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--rounds <R>"), Description("Alternating rounds (each: oneDNN, then ATen)"), DefaultValue(3)]
        public int Rounds { get; init; }

        [CommandOption("--steps <N>"), Description("Timed passes per round and path"), DefaultValue(3)]
        public int Steps { get; init; }

        [CommandOption("--json <FILE>"), Description("Also write the measurements as JSON")]
        public string? Json { get; init; }

        public override ValidationResult Validate() =>
            Rounds < 1 || Steps < 1 ? ValidationResult.Error($"--rounds {Rounds} --steps {Steps}: both must be ≥ 1.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        Devices.ConfigureThreads(s.Threads);
        var result = ConsoleProgress.Run(progress => ConvBackendCost.Measure(s.Rounds, s.Steps, progress));
        AnsiConsole.WriteLine(result.ToMarkdown());
        if (s.Json is not null) JsonFiles.Write(s.Json, result);
        return 0;
    }
}

/// <summary><c>facegen bench</c>: the whole suite (<see cref="BenchSuite"/>) in one process, written as JSON and Markdown.</summary>
public sealed class BenchSuiteCommand : Command<BenchSuiteCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--steps <N>"), Description("Timed training steps per model for the throughput table"), DefaultValue(8)]
        public int Steps { get; init; }

        [CommandOption("--memory-steps <N>"), Description("Length of the memory run (points at N/4, N/2, N)"), DefaultValue(2000)]
        public int MemorySteps { get; init; }

        [CommandOption("--notebooks <PROFILES>"), Description("Also time every notebook in these profiles, e.g. quick or quick,standard")]
        public string? Notebooks { get; init; }

        [CommandOption("--json <FILE>"), Description("Also write the report as JSON to FILE")]
        public string? Json { get; init; }

        [CommandOption("--markdown <FILE>"), Description("Also write the report as Markdown to FILE")]
        public string? Markdown { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for bench.json and bench.md (default: data/runs/bench-<time>)")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Steps < 1) return ValidationResult.Error($"--steps {Steps}: must be ≥ 1.");
            if (MemorySteps < 4) return ValidationResult.Error($"--memory-steps {MemorySteps}: must be ≥ 4.");
            var unknown = Profiles.FirstOrDefault(p => p is not ("quick" or "standard" or "full"));
            return unknown is null ? ValidationResult.Success() : ValidationResult.Error($"--notebooks {Notebooks}: '{unknown}' is not quick, standard or full.");
        }

        public IReadOnlyList<string> Profiles => Notebooks?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        Devices.ConfigureThreads(s.Threads);
        var folder = RunFolders.Create("bench", s.Out);
        var options = new BenchOptions(s.Steps, s.MemorySteps, DataRoot: s.DataRoot,
            NotebookFolder: s.Profiles.Count > 0 ? Path.Combine(Repository.Root(), "notebooks") : null, NotebookProfiles: s.Profiles);
        var report = ConsoleProgress.Run(progress => BenchSuite.Run(options, progress));
        var json = JsonSerializer.Serialize(report, JsonFiles.Options);
        var markdown = report.ToMarkdown();
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.json"), json);
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.md"), markdown);
        if (s.Json is not null) AtomicFile.WriteAllText(s.Json, json);
        if (s.Markdown is not null) AtomicFile.WriteAllText(s.Markdown, markdown);
        Console.WriteLine(markdown);
        AnsiConsole.MarkupLine($"bench.json and bench.md in {Markup.Escape(folder)}");
        return 0;
    }
}
