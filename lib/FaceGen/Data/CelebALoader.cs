using System.Globalization;
using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads CelebA's aligned images, <c>root/img_align_celeba/*.jpg</c> (178×218 RGB), with identities from
/// <c>root/identity_CelebA.txt</c> (lines "000001.jpg 2880": file name, identity number). Class names are the
/// identity numbers present, in numeric order; attribute "identity" holds the number itself. Without the
/// identity file every image gets label 0 (class "unknown") and the report says so — enough for GAN/VAE
/// training, which needs no labels. The usual 64×64 pipeline (centre crop 178×178, resize) is the default.
/// </summary>
public static class CelebALoader
{
    /// <summary>The image folder under the root.</summary>
    public const string ImageFolder = "img_align_celeba";
    /// <summary>The identity file under the root.</summary>
    public const string IdentityFile = "identity_CelebA.txt";

    /// <summary>Loads CelebA from <paramref name="root"/> (the folder holding img_align_celeba).</summary>
    public static FaceDataset Load(string root, ImageLoadOptions? options = null, LoadReport? report = null,
        IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            const string layout = "root/img_align_celeba/*.jpg and root/identity_CelebA.txt";
            var folder = FolderScan.RequireFolder(root, layout);
            var images = FolderScan.RequireFolder(Path.Combine(folder, ImageFolder), layout);
            var identityPath = Path.Combine(folder, IdentityFile);
            var inputs = FolderScan.Files(images);
            return DatasetCache.GetOrLoad("celeba", "celeba", inputs.Append(identityPath), o, r,
                () => Decode(images, inputs, identityPath, o, r, progress));
        });

    /// <summary>Reads identity_CelebA.txt: one "file identity" pair per line. A malformed line is an error
    /// naming the file and line, or skipped with SkipBad.</summary>
    static Dictionary<string, int> ReadIdentities(string path, ImageLoadOptions options, LoadReport report)
    {
        var identities = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                identities[parts[0]] = id;
            else
                LoadSession.Reject(new DataException($"{path}#{lineNumber}", $"malformed line '{line}': expected '<file>.jpg <identity number>'."), options, report);
        }
        return identities;
    }

    static FaceDataset Decode(string imageFolder, string[] inputs, string identityPath, ImageLoadOptions options, LoadReport report,
        IProgress<ProgressReport>? progress)
    {
        var images = FolderScan.SupportedImages(inputs, options, report);
        if (images.Count == 0)
            throw new DataException(imageFolder, "no images found. Fetch the set with `facegen data fetch celeba`, or place the aligned JPEGs there.");
        Dictionary<string, int>? identities = null;
        if (File.Exists(identityPath)) identities = ReadIdentities(identityPath, options, report);
        else report.Note($"{identityPath} not found: all images labelled 0 (class \"unknown\").");

        var labelled = new List<(string Path, int Identity)>();
        foreach (var file in images)
        {
            if (identities is null) labelled.Add((file, 0));
            else if (identities.TryGetValue(Path.GetFileName(file), out int id)) labelled.Add((file, id));
            else LoadSession.Reject(new DataException(file, $"has no line in {identityPath}. Restore the complete identity file, " +
                "or load with SkipBad to skip such images."), options, report);
        }
        if (labelled.Count == 0) throw new DataException(imageFolder, $"no image has an identity in {identityPath}.");
        var chosen = LoadSession.Spread(labelled, options.MaxImages);
        var ids = chosen.Select(p => p.Identity).Distinct().Order().ToArray();
        var classNames = identities is null ? ["unknown"] : ids.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var index = ids.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var files = chosen.Select(p => new LabelledFile(p.Path, identities is null ? 0 : index[p.Identity])).ToArray();
        var attributes = identities is null ? new Dictionary<string, int[]>()
            : new Dictionary<string, int[]> { ["identity"] = chosen.Select(p => p.Identity).ToArray() };
        return ImageFileDecoder.Decode("celeba", imageFolder, files, classNames, attributes, options, report, progress);
    }
}
