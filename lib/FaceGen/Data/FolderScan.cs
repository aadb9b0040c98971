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
