using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// The data a job trains or evaluates on. Every job's options record (GAN, VAE, recogniser, restoration, the augmentation
/// experiment) derives from this one, so the keys stay flat in <c>config.json</c> and in ablation specs (<c>dataset</c>,
/// <c>imageSize</c>, …) while the block and its loading are written once. Defaults: 64 synthetic identities × 16 images,
/// 64 px RGB; a job may start from others (its constructor says which).
/// </summary>
public abstract record DatasetOptions
{
    /// <summary>synthetic, a registered name (att, utkface, …; <see cref="DatasetRegistry.Names"/>) or a folder of identity folders.</summary>
    public string Dataset { get; init; } = "synthetic";
    /// <summary>Folder holding the real data sets; null = the registry's default (<see cref="DatasetRegistry.ResolveRoot"/>).</summary>
    public string? DataRoot { get; init; }
    /// <summary>Square image size in pixels, after centre crop and resize.</summary>
    public int ImageSize { get; init; } = 64;
    /// <summary>1 = grey (BT.601 luminance), 3 = RGB.</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Synthetic data set only: identities, and images per identity.</summary>
    public int Identities { get; init; } = 64;
    public int PerIdentity { get; init; } = 16;
    /// <summary>Load at most this many images (evenly spread over the set); null = all.</summary>
    public int? MaxImages { get; init; }
    /// <summary>Skip corrupt files and malformed names (and report how many) instead of stopping.</summary>
    public bool SkipBad { get; init; }

    /// <summary>The sizes the convolutional models (DCGAN, conv VAE) are built for: 4·2^k pixels, 16 to 128.</summary>
    public static readonly int[] ConvolutionalSizes = [16, 32, 64, 128];

    /// <summary>Refuses, with an <see cref="ArgumentException"/> naming the option, the value and the limit, any value the
    /// job cannot run — before a run folder is claimed or a model built. The command line and the spec reader call the
    /// same method; each job's record adds its own options to these data options.</summary>
    public virtual void Validate(OptionSpelling spelling = OptionSpelling.CommandLine)
    {
        var check = new OptionCheck(spelling);
        check.Require(!string.IsNullOrWhiteSpace(Dataset), "--dataset", "dataset", Dataset, "expected a data set name or folder");
        check.OneOf(Channels, [1, 3], "--channels", "channels", " (1 = grey, 3 = RGB)");
        check.AtLeast(Identities, 1, "--identities", "identities");
        check.AtLeast(PerIdentity, 1, "--per-identity", "perIdentity");
        check.AtLeast(MaxImages, 1, "--max-images", "maxImages");
    }

    /// <summary>The data set these options name (its <paramref name="part"/>: train or test where the set has them);
    /// <paramref name="seed"/> renders the synthetic faces.</summary>
    public FaceDataset LoadData(int seed, DatasetPart part = DatasetPart.Train, IProgress<ProgressReport>? progress = null) =>
        new DatasetRegistry(DataRoot).Load(Dataset, new ImageLoadOptions(ImageSize, Channels, SkipBad, MaxImages), part, seed,
            progress: progress, synthetic: new SyntheticFaceOptions(Identities, PerIdentity, ImageSize, Channels, seed));
}
