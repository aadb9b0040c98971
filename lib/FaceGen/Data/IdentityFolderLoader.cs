using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads the common "one folder per person" layout: <c>root/&lt;identity&gt;/*.png|jpg|jpeg|bmp|pgm…</c>
/// (LFW, a user's own photos). Class names are the folder names in natural order (s2 before s10);
/// the label of an image is the index of its folder. Hidden files are ignored; files with another
/// extension, and images loose in the root or in nested subfolders, are errors (or skipped with SkipBad); folders
/// without images are left out and noted.
/// </summary>
public static class IdentityFolderLoader
{
    const string Layout = "root/<identity>/<image files>, one folder per person";

    /// <summary>Loads <paramref name="root"/>; <paramref name="name"/> defaults to the folder's name.</summary>
    public static FaceDataset Load(string root, ImageLoadOptions? options = null, LoadReport? report = null,
        IProgress<ProgressReport>? progress = null, string? name = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            var folder = FolderScan.RequireFolder(root, Layout);
            name ??= Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar));
            var inputs = FolderScan.FilesInSubfolders(folder);
            // Misplaced images are part of the cache key: their appearance invalidates a cached load, so that it is never silent.
            var misplaced = FolderScan.MisplacedImages(folder, depth: 2);
            return DatasetCache.GetOrLoad(name, "identity-folders", [.. inputs, .. misplaced], o, r, () =>
            {
                FolderScan.RejectMisplaced(folder, misplaced, 2, Layout, o, r);
                return Decode(name, folder, inputs, o, r, progress);
            });
        });

    static FaceDataset Decode(string name, string folder, string[] inputs, ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        var images = FolderScan.SupportedImages(inputs, options, report);
        var identities = images.Select(f => Path.GetFileName(Path.GetDirectoryName(f)!)).Distinct().ToArray(); // already in natural order
        int empty = FolderScan.Folders(folder).Length - identities.Length;
        if (identities.Length == 0)
            throw new DataException(folder, $"no image files in any subfolder ({FolderScan.Files(folder).Length} files directly in the folder). " +
                $"Expected one folder per identity holding {string.Join("/", ImageTransforms.SupportedExtensions)} files.");
        if (empty > 0) report.Note($"{empty} subfolder(s) of {folder} hold no usable images and are not classes.");
        var index = identities.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i);
        var files = LoadSession.Spread(images.Select(f => new LabelledFile(f, index[Path.GetFileName(Path.GetDirectoryName(f)!)])).ToArray(), options.MaxImages);
        return ImageFileDecoder.Decode(name, folder, files, identities, new Dictionary<string, int[]>(), options, report, progress);
    }
}
