using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>Where a named data set stands: found or not, where, and the layout that is looked for.</summary>
/// <param name="Name">The name, e.g. "att".</param>
/// <param name="Description">One line about the set.</param>
/// <param name="Found">True when its files were found (always for "synthetic", which is built in).</param>
/// <param name="Location">The folder it loads from, or where it was looked for when not found.</param>
/// <param name="Layout">The files expected, relative to the data root.</param>
/// <param name="HowToGet">What to do when it is missing, e.g. "run `facegen data fetch cifar10`" (empty for "synthetic").</param>
public sealed record DatasetInfo(string Name, string Description, bool Found, string Location, string Layout, string HowToGet);

/// <summary>
/// The kit's named data sets under one data root — the root is an explicit argument, else the
/// environment variable <c>FACEGEN_DATA</c>, else <c>shared/data</c> beside the FaceGen checkout that holds the
/// current folder (when it exists), else <c>~/.local/share/facegen/data</c>. Layout under the root
/// (what <c>facegen data fetch</c> writes): <c>att_faces/sN/M.pgm</c>; <c>utkface/crop_part1/*.jpg</c> (or
/// <c>utkface/*.jpg</c>); <c>lfw/&lt;Person_Name&gt;/*.jpg</c>; <c>celeba/img_align_celeba/*.jpg</c> +
/// <c>celeba/identity_CelebA.txt</c>; <c>fashion-mnist/*-ubyte(.gz)</c> (also found in
/// /usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist package);
/// <c>cifar10/cifar-10-batches-bin/*.bin</c>. "synthetic" is generated in memory. A folder path given
/// instead of a name is loaded as identity folders (<see cref="IdentityFolderLoader"/>). "att_faces" (the
/// fetch catalogue's name) is accepted for "att".
/// </summary>
public sealed class DatasetRegistry
{
    /// <summary>The environment variable that sets the data root.</summary>
    public const string RootVariable = "FACEGEN_DATA";

    /// <summary>Debian's dataset-fashion-mnist package installs the IDX files here.</summary>
    public const string DebianFashionMnist = "/usr/share/datasets/fashion-mnist";

    /// <summary>HowToGet: the remedy when the set is missing. Alias: another accepted name (the fetch catalogue's).
    /// Channels: what a job reads the set with unless told otherwise.</summary>
    sealed record Entry(string Name, string Description, string Layout, Func<DatasetRegistry, string?> Locate, string HowToGet, string? Alias = null,
        int Channels = 3);

    static readonly Entry[] Entries =
    [
        new("synthetic", "procedural faces with identities, built in (no files)", "(generated)", _ => "(built in)", ""),
        new("att", "AT&T / ORL faces: 40 people × 10 grey 92×112 images", "att_faces/sN/M.pgm",
            r => Existing(Path.Combine(r.Root, "att_faces")),
            "run `facegen data fetch att_faces`", Alias: "att_faces", Channels: 1),
        new("utkface", "UTKFace aligned crops: 200×200 RGB, age/gender/race in the file names", "utkface/crop_part1/*.jpg or utkface/*.jpg",
            r => Existing(Path.Combine(r.Root, "utkface", "crop_part1")) ?? ExistingWith(Path.Combine(r.Root, "utkface"), "*.jpg"),
            "download crop_part1 from the UTKFace homepage (https://susanqq.github.io/UTKFace/) and unpack it into utkface/crop_part1"),
        new("lfw", "Labeled Faces in the Wild: 250×250 RGB, one folder per person", "lfw/<Person_Name>/*.jpg",
            r => Existing(Path.Combine(r.Root, "lfw")),
            "run `facegen data fetch lfw`"),
        new("celeba", "CelebA aligned: 178×218 RGB celebrity faces with identities", "celeba/img_align_celeba/*.jpg + celeba/identity_CelebA.txt",
            r => Existing(Path.Combine(r.Root, "celeba", CelebALoader.ImageFolder)) is null ? null : Path.Combine(r.Root, "celeba"),
            "run `facegen data fetch celeba`"),
        new("fashion-mnist", "Fashion-MNIST: 28×28 grey clothing, 10 classes (a non-face reference)", "fashion-mnist/*-ubyte(.gz)",
            r => ExistingWith(Path.Combine(r.Root, "fashion-mnist"), "train-images-idx3-ubyte*") ?? ExistingWith(DebianFashionMnist, "train-images-idx3-ubyte*"),
            "install Debian's dataset-fashion-mnist package, or put the four IDX files in fashion-mnist/"),
        new("cifar10", "CIFAR-10 binary: 32×32 RGB, 10 classes (the tutorial's code)", "cifar10/cifar-10-batches-bin/*.bin",
            r => ExistingWith(Path.Combine(r.Root, "cifar10", "cifar-10-batches-bin"), "*.bin"),
            "run `facegen data fetch cifar10`"),
    ];

    /// <summary>The data root of this registry.</summary>
    public string Root { get; }

    /// <summary>A registry over <see cref="ResolveRoot"/>(<paramref name="root"/>).</summary>
    public DatasetRegistry(string? root = null) => Root = ResolveRoot(root);

    /// <summary>The names of the known data sets, in listing order.</summary>
    public static IReadOnlyList<string> Names { get; } = Entries.Select(e => e.Name).ToArray();

    /// <summary>The file that marks the root of a FaceGen checkout.</summary>
    public const string CheckoutMarker = "FaceGenNotebooks.sln";

    /// <summary>The data root: <paramref name="explicitRoot"/>, else <c>FACEGEN_DATA</c>, else the folder
    /// <c>shared/data</c> beside the FaceGen checkout that holds <paramref name="startFolder"/> (default: the current
    /// folder — a notebook runs in <c>notebooks/</c>, the command line anywhere in the checkout) when that folder
    /// exists, else <c>~/.local/share/facegen/data</c>; made absolute. The doctor, <c>facegen data list</c> and the
    /// notebooks all resolve the root here, so they agree.</summary>
    public static string ResolveRoot(string? explicitRoot = null, string? startFolder = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitRoot)) return Path.GetFullPath(explicitRoot);
        var fromEnvironment = Environment.GetEnvironmentVariable(RootVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Path.GetFullPath(fromEnvironment);
        if (BesideCheckout(startFolder ?? Environment.CurrentDirectory) is string beside) return beside;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "facegen", "data");
    }

    /// <summary><c>&lt;checkout&gt;/../shared/data</c> for the nearest folder at or above <paramref name="folder"/> that holds
    /// <see cref="CheckoutMarker"/>, when that data folder exists; otherwise null.</summary>
    static string? BesideCheckout(string folder)
    {
        for (var dir = new DirectoryInfo(Path.GetFullPath(folder)); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, CheckoutMarker)))
                return Existing(Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data")));
        return null;
    }

    /// <summary>The doctor's rows for the data: the root (and whether it exists) and the names of the sets found there,
    /// for <see cref="DoctorReport.With"/>.</summary>
    public IEnumerable<DoctorCheck> DoctorChecks()
    {
        yield return new("Data root", Root + (Directory.Exists(Root) ? "" : " (does not exist)"));
        yield return new("Data sets found", string.Join(", ", List().Where(d => d.Found).Select(d => d.Name)));
    }

    /// <summary>Every known data set with whether and where it was found (<c>facegen data list</c>).</summary>
    public IReadOnlyList<DatasetInfo> List() =>
        Entries.Select(e => e.Locate(this) is string found
            ? new DatasetInfo(e.Name, e.Description, true, found, e.Layout, e.HowToGet)
            : new DatasetInfo(e.Name, e.Description, false, Path.Combine(Root, e.Layout.Split('/')[0]), e.Layout, e.HowToGet)).ToArray();

    /// <summary>The channels a job reads <paramref name="dataset"/> with when none are given: 1 for AT&amp;T (grey
    /// photographs, by name or alias), 3 (RGB) for every other set and for folders.</summary>
    public static int DefaultChannels(string dataset) => Find(dataset)?.Channels ?? 3;

    /// <summary>The other accepted name of a registry set (att → att_faces, the fetch catalogue's name), or null.</summary>
    public static string? AliasOf(string name) => Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase))?.Alias;

    static Entry? Find(string nameOrAlias) => Entries.FirstOrDefault(e => string.Equals(e.Name, nameOrAlias, StringComparison.OrdinalIgnoreCase)
        || string.Equals(e.Alias, nameOrAlias, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Loads a named data set, or a folder of identity folders when <paramref name="nameOrPath"/> is not a
    /// name. <paramref name="part"/> applies to fashion-mnist and cifar10, <paramref name="seed"/> to
    /// synthetic; UTKFace is labelled by gender (use <see cref="UtkFaceLoader"/> for race or age). An unknown
    /// name, or a known set whose files are missing, raises <see cref="DataException"/> saying what exists
    /// and how to get it.
    /// </summary>
    public FaceDataset Load(string nameOrPath, ImageLoadOptions? options = null, DatasetPart part = DatasetPart.Train, int seed = 0,
        LoadReport? report = null, IProgress<ProgressReport>? progress = null, SyntheticFaceOptions? synthetic = null)
    {
        var entry = Find(nameOrPath);
        if (entry is null)
        {
            if (Directory.Exists(nameOrPath)) return IdentityFolderLoader.Load(nameOrPath, options, report, progress);
            throw new DataException(nameOrPath, $"unknown data set, and not a folder. Known names: {string.Join(", ", Names)}; " +
                "or give the path of a folder with one subfolder of images per identity.");
        }
        if (entry.Name == "synthetic") return LoadSynthetic(options, synthetic ?? new SyntheticFaceOptions(Seed: seed), report, progress);
        var location = entry.Locate(this)
            ?? throw new DataException(Path.Combine(Root, entry.Layout.Split('/')[0]),
                $"data set '{entry.Name}' not found under the data root {Root} (expected {entry.Layout}). " +
                $"To get it: {entry.HowToGet}; or set {RootVariable} / --data-root to the folder that holds it.");
        return entry.Name switch
        {
            "att" => AttFacesLoader.Load(location, options, report, progress),
            "utkface" => UtkFaceLoader.Load(location, UtkFaceLabel.Gender, options, report, progress),
            "lfw" => IdentityFolderLoader.Load(location, options, report, progress, name: "lfw"),
            "celeba" => CelebALoader.Load(location, options, report, progress),
            "fashion-mnist" => IdxLoader.LoadFashionMnist(location, part, options, report, progress),
            "cifar10" => Cifar10Loader.Load(location, part, options, report, progress),
            _ => throw new InvalidOperationException($"no loader for '{entry.Name}'"),
        };
    }

    /// <summary>The synthetic set: identities, images per identity and seed from <paramref name="synthetic"/>, size and
    /// channels from <paramref name="options"/>; MaxImages keeps an evenly spread subset.</summary>
    static FaceDataset LoadSynthetic(ImageLoadOptions? options, SyntheticFaceOptions synthetic, LoadReport? report, IProgress<ProgressReport>? progress) =>
        LoadSession.Run(options, report, (o, _) =>
        {
            var generated = SyntheticFaces.Generate(synthetic with { ImageSize = o.ImageSize ?? 64, Channels = o.Channels }, progress);
            var indices = LoadSession.Spread(Enumerable.Range(0, generated.Count).ToArray(), o.MaxImages);
            if (indices.Count == generated.Count) return generated;
            using (generated) return generated.Subset(indices);
        });

    static string? Existing(string folder) => Directory.Exists(folder) ? folder : null;

    static string? ExistingWith(string folder, string pattern) =>
        Directory.Exists(folder) && Directory.EnumerateFiles(folder, pattern).Any() ? folder : null;
}
