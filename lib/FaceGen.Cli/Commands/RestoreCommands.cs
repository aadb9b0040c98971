using System.ComponentModel;
using FaceGen.Evaluation;
using FaceGen.Experiments;
using FaceGen.Restoration;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class TrainRestoreCommand : Command<TrainRestoreCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--task <TASK>"), Description("sr4 (×4 super-resolution) | denoise | inpaint"), DefaultValue("inpaint")]
        public string Task { get; init; } = "inpaint";

        [CommandOption("--model <MODEL>"), Description("unet (L1/L2 only) | unet-gan (plus an adversarial term) | vae"), DefaultValue("unet-gan")]
        public string Model { get; init; } = "unet-gan";

        [CommandOption("--dataset <NAME|FOLDER>"), Description("synthetic (default), att, utkface, … or a folder of identity folders"), DefaultValue("synthetic")]
        public string Dataset { get; init; } = "synthetic";

        [CommandOption("--width <W>"), DefaultValue(32)]
        public int Width { get; init; }

        [CommandOption("--latent <D>"), Description("vae: latent size"), DefaultValue(64)]
        public int Latent { get; init; }

        [CommandOption("--beta <B>"), Description("vae: KL weight"), DefaultValue(1.0)]
        public double Beta { get; init; }

        [CommandOption("--adversarial-weight <λ>"), Description("unet-gan: weight of the adversarial term"), DefaultValue(0.01)]
        public double AdversarialWeight { get; init; }

        [CommandOption("--noise <SIGMAS>"), Description("denoise: noise levels, comma-separated"), DefaultValue("0.05,0.1,0.2")]
        public string Noise { get; init; } = "0.05,0.1,0.2";

        [CommandOption("--masks <KINDS>"), Description("inpaint: randomboxes,eyeband,mouth,strokes (default: all)")]
        public string? Masks { get; init; }

        [CommandOption("--steps <N>"), DefaultValue(1000)]
        public int Steps { get; init; }

        [CommandOption("--batch <B>"), DefaultValue(32)]
        public int Batch { get; init; }

        [CommandOption("--lr <RATE>"), DefaultValue(2e-4)]
        public double LearningRate { get; init; }

        [CommandOption("--evaluation-images <N>"), Description("Held-out faces scored at the end"), DefaultValue(256)]
        public int EvaluationImages { get; init; }

        [CommandOption("--recognizer <RUN>"), Description("A recogniser run: also score identity similarity and verification of the restored faces")]
        public string? Recognizer { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for the run (default: data/runs/train-restore-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = ResumeSupport.Run(context, s, s.Steps, "train-restore", s.Out,
            () => new RestorationJobOptions
            {
                Task = s.Task, Model = s.Model, Dataset = s.Dataset, DataRoot = s.DataRoot, ImageSize = s.Size, Channels = s.Channels ?? 3,
                Width = s.Width, Latent = s.Latent, Beta = s.Beta, AdversarialWeight = s.AdversarialWeight,
                NoiseSigmas = ParseSigmas(s.Noise), Masks = ParseMasks(s.Masks), Steps = s.Steps, Batch = s.Batch, LearningRate = s.LearningRate,
                Seed = s.Seed, Identities = s.Identities, PerIdentity = s.PerIdentity, MaxImages = s.MaxImages, SkipBad = s.SkipBad,
                EvaluationImages = s.EvaluationImages, Device = s.Device,
            },
            (options, folder, from) => ConsoleProgress.Run(progress => RestorationJob.Run(options, folder, progress, s.Recognizer, from)), "--recognizer");
        if (result is null) return 0;
        AnsiConsole.MarkupLine(Markup.Escape($"{result.Steps} steps in {result.Seconds:F1} s; final loss {result.LastStep["loss"]:F4}"));
        AnsiConsole.Write(EvalRestoreCommand.Table(result.Evaluation));
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.Combine(result.Folder, "report.html"))}");
        return 0;
    }

    static double[] ParseSigmas(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(t => double.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 ? v
            : throw new ArgumentException($"--noise {text}: '{t}' is not a noise level ≥ 0."))
        .ToArray();

    static MaskKind[] ParseMasks(string? text) => text is null ? Enum.GetValues<MaskKind>()
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => OptionNames.Parse<MaskKind>(t, "--masks"))
            .ToArray();
}

public sealed class EvalRestoreCommand : Command<EvalRestoreCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("A restoration run folder (its final checkpoint) or a checkpoint folder")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--recognizer <RUN>"), Description("A recogniser run: also score identity similarity and verification")]
        public string? Recognizer { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for metrics.json (default: data/runs/eval-restore-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint is required.");
        Devices.ConfigureThreads(s.Threads);
        var device = Devices.Resolve(s.Device);
        var (restorer, options) = RestorationJob.Load(s.Checkpoint, device);
        using (restorer)
        {
            // The run's own split, so the faces scored are ones it never trained on.
            var evaluated = options with { DataRoot = s.DataRoot ?? options.DataRoot };
            var (folder, evaluation) = RunFolders.Use("eval-restore", s.Out, folder =>
            {
                var evaluation = ConsoleProgress.Run(progress =>
                {
                    var (train, test) = RestorationJob.LoadSplit(evaluated, progress);
                    using (train)
                    using (test)
                        return RestorationJob.Evaluate(restorer, evaluated, test, s.Recognizer, device);
                });
                JsonFiles.Write(Path.Combine(folder, "metrics.json"), new { Checkpoint = Path.GetFullPath(s.Checkpoint), Evaluation = evaluation });
                return (folder, evaluation);
            });
            AnsiConsole.Write(Table(evaluation));
            AnsiConsole.MarkupLine($"metrics: {Markup.Escape(Path.Combine(folder, "metrics.json"))}");
        }
        return 0;
    }

    /// <summary>The evaluation as a console table, one row per (degradation, method).</summary>
    public static Table Table(RestorationEvaluation e)
    {
        var table = new Table().AddColumn("degradation").AddColumn("method").AddColumn("PSNR dB").AddColumn("hole PSNR dB").AddColumn("SSIM")
            .AddColumn("identity cos").AddColumn("verification AUC").AddColumn("verification acc.");
        static string F(double? v, string format) => v is { } x ? x.ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";
        foreach (var r in e.Scores)
            table.AddRow(Markup.Escape(r.Degradation), Markup.Escape(r.Method), F(r.Psnr, "F2"), F(r.HolePsnr, "F2"), F(r.Ssim, "F3"),
                F(r.IdentitySimilarity, "F3"), F(r.VerificationAuc, "F4"), F(r.VerificationAccuracy, "P1"));
        return table;
    }
}
