namespace FaceGen.Data;

/// <summary>File-system helpers shared by the folder loaders: existence checks with a useful message,
/// and listings that ignore hidden entries (".DS_Store", "._x.jpg") and are sorted in natural order.</summary>
internal static class FolderScan
{
    /// <summary>The full path of an existing folder, else a <see cref="DataException"/> describing the expected layout.</summary>
    public static string RequireFolder(string path, string layout)
    {
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full))
            throw new DataException(full, $"folder not found. Expected {layout}.");
        return full;
    }

    /// <summary>The visible files of a folder, naturally sorted.</summary>
    public static string[] Files(string folder) => Sorted(Directory.EnumerateFiles(folder));

    /// <summary>The visible subfolders of a folder, naturally sorted.</summary>
    public static string[] Folders(string folder) => Sorted(Directory.EnumerateDirectories(folder));

    /// <summary>The visible files one level down: folder/*/*, sorted by folder then file, both naturally.</summary>
    public static string[] FilesInSubfolders(string folder) => Folders(folder).SelectMany(Files).ToArray();

    /// <summary>The supported image files anywhere under <paramref name="root"/> (hidden entries aside) that a layout of
    /// <paramref name="depth"/> levels does not read (depth 1: root/*; depth 2: root/*/*): loose in the root, or in
    /// nested subfolders. Naturally sorted.</summary>
    public static string[] MisplacedImages(string root, int depth) =>
        Sorted(Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true })
            .Where(f => ImageTransforms.IsSupported(f) && Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Length != depth));

    /// <summary>
    /// An image the loader would not read must never vanish without a word (issue 16): without SkipBad the load fails,
    /// naming how many there are and the first; with SkipBad each is listed in the report's skipped files. An error
    /// rather than a note, as for a file of an unsupported type: a folder of photos given where identity folders are
    /// expected, or a person's photos sorted one level too deep, would otherwise train on part of the data.
    /// </summary>
    public static void RejectMisplaced(string root, IReadOnlyList<string> misplaced, int depth, string layout, ImageLoadOptions options, LoadReport report)
    {
        if (misplaced.Count == 0) return;
        bool Loose(string f) => Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Length < depth;
        if (!options.SkipBad)
        {
            int loose = misplaced.Count(Loose);
            throw new DataException(root, $"{misplaced.Count} image file(s) lie outside the expected layout ({layout}) and would not be loaded " +
                $"({loose} loose in the folder itself, {misplaced.Count - loose} in nested subfolders); the first is {misplaced[0]}. " +
                "Move them into place, or load with SkipBad to skip them.");
        }
        foreach (var file in misplaced) report.Skip(file, $"outside the expected layout ({layout}), {(Loose(file) ? "loose in the data set folder" : "in a nested subfolder")}; not loaded.");
    }

    static string[] Sorted(IEnumerable<string> paths) =>
        paths.Where(p => !Path.GetFileName(p).StartsWith('.')).Order(NaturalOrder.Instance).ToArray();

    /// <summary>Rejects (or, with SkipBad, skips) files whose extension is not a supported image type;
    /// returns the others.</summary>
    public static List<string> SupportedImages(IEnumerable<string> files, ImageLoadOptions options, LoadReport report)
    {
        var images = new List<string>();
        foreach (var file in files)
        {
            if (ImageTransforms.IsSupported(file)) images.Add(file);
            else LoadSession.Reject(new DataException(file, $"unsupported file type '{Path.GetExtension(file)}'; supported: " +
                $"{string.Join(", ", ImageTransforms.SupportedExtensions)}. Remove the file, or load with SkipBad to skip it."), options, report);
        }
        return images;
    }
}
