using System.ComponentModel;
using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class TrainRecognizerCommand : Command<TrainRecognizerCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--dataset <NAME|FOLDER>"), Description("synthetic (default), att, utkface, … or a folder of identity folders"), DefaultValue("synthetic")]
        public string Dataset { get; init; } = "synthetic";

        [CommandOption("--head <HEAD>"), Description("softmax | cosface | arcface"), DefaultValue("arcface")]
        public string Head { get; init; } = "arcface";

        [CommandOption("--train-per-identity <K>"), Description("Training images per identity; the rest are the test set"), DefaultValue(5)]
        public int TrainPerIdentity { get; init; }

        [CommandOption("--split-seed <SEED>"), Description("Choose the k training images at random with this seed (default: the first k)")]
        public int? SplitSeed { get; init; }

        [CommandOption("--image-size <PIXELS>"), Description("Image size, a multiple of 8 (32 or 64; default: --size)")]
        public int? ImageSize { get; init; }

        [CommandOption("--width <W>"), Description("Channels of the first convolution (then 2w, 4w, 8w)"), DefaultValue(16)]
        public int Width { get; init; }

        [CommandOption("--embedding <D>"), DefaultValue(128)]
        public int Embedding { get; init; }

        [CommandOption("--scale <S>"), Description("Margin heads: logit scale s (default 30)")]
        public double? Scale { get; init; }

        [CommandOption("--margin <M>"), Description("Margin heads: m (default: cosface 0.35, arcface 0.5 rad)")]
        public double? Margin { get; init; }

        [CommandOption("--steps <N>"), DefaultValue(300)]
        public int Steps { get; init; }

        [CommandOption("--batch <B>"), DefaultValue(64)]
        public int Batch { get; init; }

        [CommandOption("--lr <RATE>"), Description("AdamW learning rate at step 1 (cosine decay to 0)"), DefaultValue(2e-3)]
        public double LearningRate { get; init; }

        [CommandOption("--weight-decay <W>"), DefaultValue(5e-4)]
        public double WeightDecay { get; init; }

        [CommandOption("--no-flip"), Description("Turn off random left–right flips")]
        public bool NoFlip { get; init; }

        [CommandOption("--crop <PIXELS>"), Description("Random crop: shift by up to ± this many pixels (0 = off)"), DefaultValue(4)]
        public int Crop { get; init; }

        [CommandOption("--jitter <J>"), Description("Brightness/contrast jitter strength (0 = off)"), DefaultValue(0.2)]
        public double Jitter { get; init; }

        [CommandOption("--checkpoint-every <N>"), DefaultValue(500)]
        public int CheckpointEvery { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for the run (default: data/runs/train-recognizer-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = ResumeSupport.Run(context, s, s.Steps, "train-recognizer", s.Out,
            () => new RecognizerJobOptions
            {
                Dataset = s.Dataset, DataRoot = s.DataRoot, Head = s.Head, TrainPerIdentity = s.TrainPerIdentity, SplitSeed = s.SplitSeed,
                ImageSize = s.ImageSize ?? s.Size, Channels = s.Channels ?? DatasetRegistry.DefaultChannels(s.Dataset),
                Width = s.Width, Embedding = s.Embedding, Scale = s.Scale, Margin = s.Margin, Steps = s.Steps, Batch = s.Batch,
                LearningRate = s.LearningRate, WeightDecay = s.WeightDecay, Flip = !s.NoFlip, CropPadding = s.Crop, Jitter = s.Jitter,
                Seed = s.Seed, Identities = s.Identities, PerIdentity = s.PerIdentity, MaxImages = s.MaxImages, SkipBad = s.SkipBad,
                CheckpointEvery = s.CheckpointEvery, Device = s.Device,
            },
            (options, folder, from) => ConsoleProgress.Run(progress => RecognizerJob.Run(options, folder, progress, from)));
        if (result is null) return 0;
        AnsiConsole.MarkupLine(Markup.Escape($"{result.Steps} steps in {result.Seconds:F1} s; final loss {result.LastStep["loss"]:F3}"));
        AnsiConsole.Write(EvalRecognizerCommand.Table(result.Evaluation));
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.Combine(result.Folder, "report.html"))}");
        return 0;
    }
}

public sealed class EvalRecognizerCommand : Command<EvalRecognizerCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("A recogniser run folder (its final checkpoint) or a checkpoint folder")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--out <DIR>"), Description("New folder for metrics.json (default: data/runs/eval-recognizer-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint is required.");
        Devices.ConfigureThreads(s.Threads);
        var device = Devices.Resolve(s.Device);
        var (embedder, options) = RecognizerJob.Load(s.Checkpoint, device);
        using (embedder)
        {
            // The run's own split (same data set, k and split seed), so the test images are those it never trained on.
            var evaluated = options with { DataRoot = s.DataRoot ?? options.DataRoot };
            var (folder, result) = RunFolders.Use("eval-recognizer", s.Out, folder =>
            {
                var result = ConsoleProgress.Run(progress =>
                {
                    var (train, test) = RecognizerJob.LoadSplit(evaluated, progress);
                    using (train)
                    using (test)
                        return RecognizerJob.Evaluate(embedder, train, test, evaluated, progress);
                });
                RecognizerJob.WriteEvaluation(folder, s.Checkpoint, result);
                return (folder, result);
            });
            AnsiConsole.Write(Table(result));
            AnsiConsole.MarkupLine($"metrics: {Markup.Escape(Path.Combine(folder, "metrics.json"))}");
        }
        return 0;
    }

    /// <summary>The evaluation as a console table: identification of the recogniser and the baselines, then verification.</summary>
    public static Table Table(RecognizerEvaluation e)
    {
        var v = e.Verification;
        var table = new Table().AddColumn($"{e.Identities} identities, k = {e.TrainPerIdentity}: {e.TrainImages} gallery / {e.TestImages} test images").AddColumn("value");
        table.AddRow("identification 1-NN: recogniser", $"{e.RecognizerAccuracy:P1}");
        table.AddRow($"identification 1-NN: eigenfaces ({e.EigenfacesComponents} components)", $"{e.EigenfacesAccuracy:P1}");
        table.AddRow("identification 1-NN: pixels", $"{e.PixelNearestNeighbourAccuracy:P1}");
        table.AddRow($"verification pairs (genuine / impostor)", $"{v.GenuinePairs} / {v.ImpostorPairs}");
        table.AddRow("verification AUC", $"{v.Auc:F4}");
        table.AddRow("equal error rate", $"{v.EqualErrorRate:P2}");
        table.AddRow("TAR at FAR = 1e-2", $"{v.TarAtFar1e2:P1}");
        table.AddRow("TAR at FAR = 1e-3", $"{v.TarAtFar1e3:P1}");
        table.AddRow("best-threshold accuracy, balanced (threshold chosen on these pairs)", $"{v.BestAccuracy:P1} at cos ≥ {v.BestThreshold:F3}");
        return table;
    }
}
