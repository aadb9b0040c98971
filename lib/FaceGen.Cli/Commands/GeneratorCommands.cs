using System.ComponentModel;
using FaceGen.Evaluation;
using FaceGen.Jobs;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class EvalGeneratorCommand : Command<EvalGeneratorCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("A GAN run (trained with --hold-out; its best checkpoint) or VAE run folder, or one of its checkpoint folders")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--recognizer <RUN>"), Description("A recogniser run: also FD/KID and precision/recall in its embedding space, and the embedding-space memorisation check")]
        public string? Recognizer { get; init; }

        [CommandOption("--samples <N>"), Description("Generated images to score"), DefaultValue(512)]
        public int Samples { get; init; }

        [CommandOption("--percentile <P>"), Description("Memorization: a sample nearer to the training set than this quantile of held-out real faces counts as a copy"), DefaultValue(0.05)]
        public double Percentile { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for metrics.json, results.md/html, nearest.png, closest.png (default: data/runs/eval-generator-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint is required.");
        var options = new GeneratorEvaluationOptions { Samples = s.Samples, Seed = s.Seed, Percentile = s.Percentile, DataRoot = s.DataRoot };
        options.Validate();
        Devices.ConfigureThreads(s.Threads);
        var device = Devices.Resolve(s.Device);
        // Load (and so check) both runs and their compatibility before a folder is created, so a refused command leaves nothing behind.
        using (var generator = TrainedGenerator.Load(s.Checkpoint))
            if (s.Recognizer is not null)
            {
                var (embedder, recognizerOptions) = RecognizerJob.Load(s.Recognizer);
                embedder.Dispose();
                GeneratorEvaluator.Compatibility(generator, recognizerOptions, s.Recognizer);
            }
        var (folder, evaluation) = RunFolders.Use("eval-generator", s.Out,
            folder => (folder, ConsoleProgress.Run(progress => GeneratorEvaluator.Run(s.Checkpoint, s.Recognizer, folder, options, device, progress))));
        foreach (var note in evaluation.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        AnsiConsole.Write(Table(evaluation));
        AnsiConsole.MarkupLine($"results: {Markup.Escape(Path.Combine(folder, "results.md"))}; pictures: nearest.png, closest.png");
        return 0;
    }

    /// <summary>The sets' scores and the memorisation check as console tables.</summary>
    static Rows Table(GeneratorEvaluation e)
    {
        static string F(double? v, string format) => v is { } x ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";
        var sets = new Table().AddColumn("set (vs training images)").AddColumn("images").AddColumn("pixel FD").AddColumn("FD (recogniser embedding)")
            .AddColumn("KID (recogniser embedding)").AddColumn("precision").AddColumn("recall");
        foreach (var r in e.Sets)
            sets.AddRow(Markup.Escape(r.Set), r.Images.ToString(), F(r.PixelFd, "F4"), F(r.EmbeddingFd, "F4"), F(r.EmbeddingKid, "F5"), F(r.Precision, "P1"), F(r.Recall, "P1"));
        var copies = new Table().AddColumn("memorisation").AddColumn("sample NN distance, median").AddColumn("held-out NN distance, median")
            .AddColumn("copy threshold").AddColumn("copy rate").AddColumn("held-out rate");
        foreach (var m in new[] { e.Pixels, e.Embedding }.OfType<FaceGen.Metrics.MemorizationResult>())
            copies.AddRow(Markup.Escape(m.Space), F(m.SampleDistances.Median, "F4"), F(m.HeldOutDistances.Median, "F4"), F(m.Threshold, "F4"),
                F(m.CopyRate, "P1"), F(m.HeldOutRate, "P1"));
        return new Rows(sets, copies);
    }
}
