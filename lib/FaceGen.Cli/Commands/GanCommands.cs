using System.ComponentModel;
using FaceGen.Evaluation;
using FaceGen.Jobs;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class TrainGanCommand : Command<TrainGanCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--dataset <NAME|FOLDER>"), Description("synthetic (default), att, utkface, … or a folder of identity folders"), DefaultValue("synthetic")]
        public string Dataset { get; init; } = "synthetic";

        [CommandOption("--arch <ARCH>"), Description("dcgan, or tutorial (the source's Keras networks: explains why they cannot train)"), DefaultValue("dcgan")]
        public string Arch { get; init; } = "dcgan";

        [CommandOption("--loss <LOSS>"), Description("minimax | nonsaturating | hinge | wgan-gp | lsgan"), DefaultValue("nonsaturating")]
        public string Loss { get; init; } = "nonsaturating";

        [CommandOption("--conditional"), Description("Condition G and D on the identity label (embedding + projection discriminator)")]
        public bool Conditional { get; init; }

        [CommandOption("--image-size <PIXELS>"), Description("32 or 64 (also 16, 128)")]
        public int? ImageSize { get; init; }

        [CommandOption("--steps <N>"), Description("Training steps (each: the critic steps and one generator step)"), DefaultValue(2000)]
        public int Steps { get; init; }

        [CommandOption("--batch <B>"), DefaultValue(64)]
        public int Batch { get; init; }

        [CommandOption("--width <W>"), Description("Channels of the widest layer / 8 (DCGAN: 64)"), DefaultValue(64)]
        public int Width { get; init; }

        [CommandOption("--latent <D>"), Description("Size of z"), DefaultValue(100)]
        public int Latent { get; init; }

        [CommandOption("--d-norm <NORM>"), Description("batch | none | spectral (default: batch; none for wgan-gp)")]
        public string? DNorm { get; init; }

        [CommandOption("--critic-steps <K>"), Description("Discriminator steps per generator step (default: 5 for wgan-gp, else 1)")]
        public int? CriticSteps { get; init; }

        [CommandOption("--ema <DECAY>"), Description("Keep an exponential moving average of G's weights (e.g. 0.999); 0 = off"), DefaultValue(0.0)]
        public double Ema { get; init; }

        [CommandOption("--r1 <GAMMA>"), Description("R1 penalty weight on real images; 0 = off"), DefaultValue(0.0)]
        public double R1 { get; init; }

        [CommandOption("--no-flip"), Description("No random horizontal flips of the training images")]
        public bool NoFlip { get; init; }

        [CommandOption("--hold-out <FRACTION>"), Description("Hold this fraction of each identity's images out of training (for facegen eval generator's memorisation check); 0 = off"), DefaultValue(0.0)]
        public double HoldOut { get; init; }

        [CommandOption("--sample-every <N>"), DefaultValue(250)]
        public int SampleEvery { get; init; }

        [CommandOption("--eval-every <N>"), Description("Pixel-space Fréchet distance every N steps (chooses the best checkpoint)"), DefaultValue(250)]
        public int EvalEvery { get; init; }

        [CommandOption("--checkpoint-every <N>"), DefaultValue(500)]
        public int CheckpointEvery { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for the run (default: data/runs/train-gan-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = ResumeSupport.Run(context, s, s.Steps, "train-gan", s.Out,
            () => new GanJobOptions
            {
                Dataset = s.Dataset, DataRoot = s.DataRoot, Arch = s.Arch, Loss = OptionNames.Parse<GanLoss>(s.Loss, "--loss"), Conditional = s.Conditional,
                ImageSize = s.ImageSize ?? s.Size, Channels = s.Channels ?? 3, Steps = s.Steps, Batch = s.Batch, Seed = s.Seed,
                Width = s.Width, Latent = s.Latent, Norm = s.DNorm is null ? null : OptionNames.Parse<DiscriminatorNorm>(s.DNorm, "--d-norm"), CriticSteps = s.CriticSteps,
                EmaDecay = s.Ema, R1Gamma = s.R1, Flip = !s.NoFlip, Identities = s.Identities, PerIdentity = s.PerIdentity,
                MaxImages = s.MaxImages, SkipBad = s.SkipBad, HoldOutFraction = s.HoldOut, SampleEvery = s.SampleEvery, EvaluateEvery = s.EvalEvery,
                CheckpointEvery = s.CheckpointEvery, Device = s.Device,
            },
            (options, folder, from) => ConsoleProgress.Run(progress => GanJob.Run(options, folder, progress, from)));
        if (result is null) return 0;
        AnsiConsole.MarkupLine(Markup.Escape($"{result.Steps} steps in {result.Seconds:F1} s ({result.StepsPerSecond:F2} steps/s); " +
            $"last: {string.Join(", ", result.LastStep.Select(kv => $"{kv.Key} {kv.Value:G4}"))}"));
        if (result.BestFrechetDistance is double fd)
            AnsiConsole.MarkupLine(Markup.Escape($"best pixel-space Fréchet distance {fd:F4} at step {result.BestStep} (checkpoints/best)"));
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.Combine(result.Folder, "report.html"))}");
        return 0;
    }
}

public sealed class SampleGanCommand : Command<SampleGanCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("A run folder (uses its best checkpoint) or a checkpoint folder")]
        public string Checkpoint { get; init; } = "";

        /// <summary>The most samples one grid may hold: 64×64 tiles of 128 px make an 8,192 px square PNG (≈ 200 MB of
        /// pixels while it is built); ten million samples once grew without limit.</summary>
        public const int MaxCount = 4096;

        [CommandOption("-n|--count <N>"), Description("Number of samples (1 to 4096)"), DefaultValue(64)]
        public int Count { get; init; }

        [CommandOption("--out <FILE>"), Description("PNG to write"), DefaultValue("samples.png")]
        public string Out { get; init; } = "samples.png";

        public override ValidationResult Validate() =>
            Count is < 1 or > MaxCount ? ValidationResult.Error($"-n {Count}: expected 1 to {MaxCount} samples in one grid.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint is required.");
        if (File.Exists(s.Out)) throw new IOException($"--out {s.Out} already exists; choose a new file name.");
        using var generator = TrainedGenerator.Load(s.Checkpoint, Devices.Resolve(s.Device));
        if (Path.GetFileName(generator.Checkpoint) == "last")
            AnsiConsole.MarkupLine(Markup.Escape($"note: using checkpoints/last of {generator.Run}: the run has no best or final checkpoint (it stopped before its first evaluation)."));
        using var samples = generator.Sample(s.Count, s.Seed);
        ImageGrid.FromUnit(samples, columns: (int)Math.Ceiling(Math.Sqrt(s.Count))).Save(s.Out);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(s.Out)} ({s.Count} samples, seed {s.Seed})");
        return 0;
    }
}
