using System.ComponentModel;
using FaceGen.Jobs;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

public sealed class TrainVaeCommand : Command<TrainVaeCommand.Settings>
{
    public sealed class Settings : TrainingSettings
    {
        [CommandOption("--dataset <NAME|FOLDER>"), Description("synthetic (default), att, utkface, fashion-mnist, … or a folder"), DefaultValue("synthetic")]
        public string Dataset { get; init; } = "synthetic";

        [CommandOption("--arch <ARCH>"), Description("mlp (784-400-20, for 28×28 grey) or conv"), DefaultValue("conv")]
        public string Arch { get; init; } = "conv";

        [CommandOption("--conditional"), Description("Condition encoder and decoder on the identity label")]
        public bool Conditional { get; init; }

        [CommandOption("--image-size <PIXELS>"), Description("Image size (mlp: 28)")]
        public int? ImageSize { get; init; }

        [CommandOption("--latent <D>"), DefaultValue(32)]
        public int Latent { get; init; }

        [CommandOption("--width <W>"), Description("conv: channels of the first layer"), DefaultValue(32)]
        public int Width { get; init; }

        [CommandOption("--beta <B>"), Description("Weight of the KL term (β-VAE); 1 = the ELBO"), DefaultValue(1.0)]
        public double Beta { get; init; }

        [CommandOption("--warmup <STEPS>"), Description("KL warm-up: β rises linearly from 0 over this many steps"), DefaultValue(0L)]
        public long Warmup { get; init; }

        [CommandOption("--likelihood <L>"), Description("bernoulli | gaussian | laplace"), DefaultValue("bernoulli")]
        public string Likelihood { get; init; } = "bernoulli";

        [CommandOption("--scale <S>"), Description("gaussian σ / laplace b; omit to learn it per pixel")]
        public double? Scale { get; init; }

        [CommandOption("--epochs <N>"), DefaultValue(10)]
        public int Epochs { get; init; }

        [CommandOption("--steps <N>"), Description("Steps instead of epochs (0 = use --epochs)"), DefaultValue(0)]
        public int Steps { get; init; }

        [CommandOption("--batch <B>"), DefaultValue(128)]
        public int Batch { get; init; }

        [CommandOption("--lr <RATE>"), DefaultValue(1e-3)]
        public double LearningRate { get; init; }

        [CommandOption("--sample-every <N>"), DefaultValue(500)]
        public int SampleEvery { get; init; }

        [CommandOption("--eval-every <N>"), Description("Held-out ELBO every N steps (0 = once per epoch)"), DefaultValue(0)]
        public int EvalEvery { get; init; }

        [CommandOption("--checkpoint-every <N>"), DefaultValue(1000)]
        public int CheckpointEvery { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for the run (default: data/runs/train-vae-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        var result = ResumeSupport.Run(context, s, s.Steps, "train-vae", s.Out,
            () =>
            {
                bool mlp = s.Arch == "mlp";
                return new VaeJobOptions
                {
                    Dataset = s.Dataset, DataRoot = s.DataRoot, Arch = s.Arch, Conditional = s.Conditional,
                    ImageSize = s.ImageSize ?? (mlp ? 28 : s.Size), Channels = s.Channels ?? (mlp ? 1 : 3),
                    Latent = s.Latent, Width = s.Width, Beta = s.Beta, WarmupSteps = s.Warmup, Likelihood = s.Likelihood, Scale = s.Scale,
                    Epochs = s.Epochs, Steps = s.Steps, Batch = s.Batch, LearningRate = s.LearningRate, Seed = s.Seed,
                    Identities = s.Identities, PerIdentity = s.PerIdentity, MaxImages = s.MaxImages, SkipBad = s.SkipBad,
                    SampleEvery = s.SampleEvery, EvaluateEvery = s.EvalEvery, CheckpointEvery = s.CheckpointEvery, Device = s.Device,
                };
            },
            (options, folder, from) => ConsoleProgress.Run(progress => VaeJob.Run(options, folder, progress, from)));
        if (result is null) return 0;
        AnsiConsole.MarkupLine(Markup.Escape($"{result.Steps} steps ({(double)result.Steps / result.BatchesPerEpoch:F1} epochs) in {result.Seconds:F1} s; " +
            $"held-out ELBO {result.TestElbo:F2} nats/image (best {result.BestTestElbo:F2} at step {result.BestStep})"));
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.Combine(result.Folder, "report.html"))}");
        return 0;
    }
}

public sealed class EvalVaeCommand : Command<EvalVaeCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--checkpoint <DIR>"), Description("A VAE run folder (its best checkpoint) or a checkpoint folder")]
        public string Checkpoint { get; init; } = "";

        [CommandOption("--dataset <NAME|FOLDER>"), Description("Default: the run's own data set (its held-out part)")]
        public string? Dataset { get; init; }

        [CommandOption("--importance-samples <K>"), Description("Samples for the IWAE bound / log p(x) estimate"), DefaultValue(100)]
        public int ImportanceSamples { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for metrics.json (default: data/runs/eval-vae-<time>)")]
        public string? Out { get; init; }

        /// <summary>K importance samples cost K decoder passes per test image.</summary>
        public const int MaxImportanceSamples = 10_000;

        public override ValidationResult Validate() => ImportanceSamples is < 1 or > MaxImportanceSamples
            ? ValidationResult.Error($"--importance-samples {ImportanceSamples}: expected 1 to {MaxImportanceSamples}.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(s.Checkpoint)) throw new ArgumentException("--checkpoint is required.");
        Devices.ConfigureThreads(s.Threads);
        var device = Devices.Resolve(s.Device);
        var (model, options) = VaeJob.Load(s.Checkpoint, device);
        using (model)
        {
            var evaluated = options with { Dataset = s.Dataset ?? options.Dataset, DataRoot = s.DataRoot ?? options.DataRoot };
            var (folder, result) = RunFolders.Use("eval-vae", s.Out, folder =>
            {
                var (train, test) = ConsoleProgress.Run(progress => VaeJob.LoadSplit(evaluated, progress));
                using (train)
                using (test)
                {
                    var result = VaeJob.Evaluate(model, evaluated.ParsedLikelihood, test, s.ImportanceSamples, device);
                    VaeJob.WriteEvaluation(folder, s.Checkpoint, result);
                    return (folder, result);
                }
            });
            {
                var table = new Table().AddColumn("on the test split").AddColumn("per image");
                table.AddRow("images", result.Images.ToString());
                table.AddRow("ELBO (β = 1)", $"{result.Elbo:F3} nats");
                table.AddRow("  reconstruction log-likelihood", $"{result.Reconstruction:F3} nats");
                table.AddRow("  KL(q(z|x) ‖ p(z))", $"{result.Kl:F3} nats");
                table.AddRow($"IWAE bound, K = {result.ImportanceSamples} (log p(x) estimate)", $"{result.LogLikelihood:F3} nats");
                table.AddRow("  in bits per dimension", $"{result.BitsPerDimension:F4}");
                AnsiConsole.Write(table);
                AnsiConsole.MarkupLine($"metrics: {Markup.Escape(Path.Combine(folder, "metrics.json"))}");
            }
        }
        return 0;
    }
}
