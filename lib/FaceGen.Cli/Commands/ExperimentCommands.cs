using System.ComponentModel;
using System.Globalization;
using FaceGen.Data;
using FaceGen.Experiments;
using FaceGen.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace FaceGen.Cli.Commands;

/// <summary><c>facegen experiment augment</c>: the few-shot simulation / augmentation experiment
/// (<see cref="AugmentationExperiment"/>).</summary>
public sealed class ExperimentAugmentCommand : Command<ExperimentAugmentCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--dataset <NAME|FOLDER>"), Description("att (default), synthetic, … or a folder of identity folders"), DefaultValue("att")]
        public string Dataset { get; init; } = "att";

        [CommandOption("--image-size <PIXELS>"), Description("32 or 64"), DefaultValue(32)]
        public int ImageSize { get; init; }

        [CommandOption("--channels <1|3>"), Description("1 = grey, 3 = RGB (default: 1 for att, else 3)")]
        public int? Channels { get; init; }

        [CommandOption("-k|--train-per-identity <LIST>"), Description("Training images per identity, e.g. 1,2,3; the rest of each identity is its test set (Spectre.Console allows no one-letter long option: -k, not --k)"), DefaultValue("1,2,3")]
        public string K { get; init; } = "1,2,3";

        [CommandOption("--seeds <SEEDS>"), Description("N (= seeds 1..N), a range a..b, or a list a,b,c; each seed picks the split, weights and batches"), DefaultValue("5")]
        public string Seeds { get; init; } = "5";

        [CommandOption("--conditions <LIST>"), Description("Which of real,classic,generated,pretrained (or a,b,c,d) to run"), DefaultValue("real,classic,generated,pretrained")]
        public string Conditions { get; init; } = "real,classic,generated,pretrained";

        [CommandOption("--generator <KIND>"), Description("Generator of condition (c): cgan | cvae"), DefaultValue("cgan")]
        public string Generator { get; init; } = "cgan";

        [CommandOption("--steps <N>"), Description("Recogniser training (and fine-tuning) steps"), DefaultValue(200)]
        public int Steps { get; init; }

        [CommandOption("--generator-steps <N>"), Description("Training steps of the generator of (c), per k and seed"), DefaultValue(300)]
        public int GeneratorSteps { get; init; }

        [CommandOption("--pretrain-steps <N>"), Description("Pre-training steps of (d) on synthetic faces, per seed"), DefaultValue(400)]
        public int PretrainSteps { get; init; }

        [CommandOption("--synthetic-ratio <R>"), Description("Generated images per real image in each batch of (c) (1 = as many as real)"), DefaultValue(1.0)]
        public double SyntheticRatio { get; init; }

        [CommandOption("--synthetic-per-identity <N>"), Description("Generated images drawn per identity (the pool (c) samples from)"), DefaultValue(20)]
        public int SyntheticPerIdentity { get; init; }

        [CommandOption("--pretrain-identities <N>"), Description("Rendered synthetic identities for (d)"), DefaultValue(200)]
        public int PretrainIdentities { get; init; }

        [CommandOption("--pretrain-per-identity <N>"), Description("Rendered images per synthetic identity for (d)"), DefaultValue(10)]
        public int PretrainPerIdentity { get; init; }

        [CommandOption("--head <HEAD>"), Description("softmax | cosface | arcface"), DefaultValue("arcface")]
        public string Head { get; init; } = "arcface";

        [CommandOption("--width <W>"), Description("Recogniser channels of the first convolution"), DefaultValue(16)]
        public int Width { get; init; }

        [CommandOption("--embedding <D>"), Description("Recogniser embedding size"), DefaultValue(128)]
        public int Embedding { get; init; }

        [CommandOption("--generator-width <W>"), Description("Generator of (c): channels before the image"), DefaultValue(32)]
        public int GeneratorWidth { get; init; }

        [CommandOption("--generator-latent <Z>"), Description("Generator of (c): latent size"), DefaultValue(32)]
        public int GeneratorLatent { get; init; }

        [CommandOption("--batch <B>"), Description("Real images per recogniser batch (at most the training set)"), DefaultValue(64)]
        public int Batch { get; init; }

        [CommandOption("--identities <N>"), Description("synthetic only: number of identities"), DefaultValue(40)]
        public int Identities { get; init; }

        [CommandOption("--per-identity <N>"), Description("synthetic only: images per identity"), DefaultValue(10)]
        public int PerIdentity { get; init; }

        [CommandOption("--max-images <N>"), Description("Load at most N images (evenly spread over the set)")]
        public int? MaxImages { get; init; }

        [CommandOption("--skip-bad"), Description("Skip corrupt files and malformed names instead of stopping")]
        public bool SkipBad { get; init; }

        [CommandOption("--out <DIR>"), Description("New folder for the results (default: data/runs/experiment-augment-<time>)")]
        public string? Out { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        Devices.ConfigureThreads(s.Threads);
        var options = new AugmentExperimentOptions
        {
            Dataset = s.Dataset, DataRoot = s.DataRoot, ImageSize = s.ImageSize, Channels = s.Channels ?? DatasetRegistry.DefaultChannels(s.Dataset),
            K = ParseIntegers(s.K, "-k"), Seeds = ParseSeeds(s.Seeds),
            Conditions = s.Conditions.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(AugmentationExperiment.ParseCondition).Distinct().Order().ToArray(),
            Generator = s.Generator, Steps = s.Steps, GeneratorSteps = s.GeneratorSteps, PretrainSteps = s.PretrainSteps,
            SyntheticRatio = s.SyntheticRatio, SyntheticPerIdentity = s.SyntheticPerIdentity,
            PretrainIdentities = s.PretrainIdentities, PretrainPerIdentity = s.PretrainPerIdentity,
            Head = s.Head, Width = s.Width, Embedding = s.Embedding, GeneratorWidth = s.GeneratorWidth, GeneratorLatent = s.GeneratorLatent, Batch = s.Batch, Identities = s.Identities, PerIdentity = s.PerIdentity, DataSeed = s.Seed,
            MaxImages = s.MaxImages, SkipBad = s.SkipBad, Device = s.Device,
        };
        options.Validate();
        var result = RunFolders.Use("experiment-augment", s.Out, folder =>
        {
            AnsiConsole.MarkupLine($"run folder: {Markup.Escape(folder)}");
            return ConsoleProgress.Run(progress => AugmentationExperiment.Run(options, folder, progress));
        });
        var folder = result.Folder;
        AnsiConsole.WriteLine(File.ReadAllText(Path.Combine(folder, "results.md")));
        AnsiConsole.MarkupLine(Markup.Escape($"{result.Runs.Count} runs in {result.Seconds:F0} s; runs: {Path.Combine(folder, "runs.csv")}; table: {Path.Combine(folder, "results.md")}"));
        return 0;
    }

    /// <summary>"5" → 1..5; "3..7" → 3, 4, 5, 6, 7; "1,4,9" → 1, 4, 9.</summary>
    public static int[] ParseSeeds(string text)
    {
        var parts = text.Split("..");
        if (parts.Length == 2)
        {
            int from = ParseInteger(parts[0], "--seeds"), to = ParseInteger(parts[1], "--seeds");
            if (to < from) throw new ArgumentException($"--seeds {text}: the range ends before it starts.");
            return Enumerable.Range(from, to - from + 1).ToArray();
        }
        if (!text.Contains(','))
        {
            int count = ParseInteger(text, "--seeds");
            if (count < 1) throw new ArgumentException($"--seeds {text}: expected at least one seed.");
            return Enumerable.Range(1, count).ToArray();
        }
        return ParseIntegers(text, "--seeds");
    }

    static int[] ParseIntegers(string text, string option) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => ParseInteger(p, option)).Distinct().ToArray();

    static int ParseInteger(string text, string option) =>
        int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value
            : throw new ArgumentException($"{option} {text}: expected an integer (e.g. {option} 1,2,3).");
}
