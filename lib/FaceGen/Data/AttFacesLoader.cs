using System.Globalization;
using System.Text.RegularExpressions;
using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>
/// Loads the AT&amp;T (ORL, "Olivetti") face database in its original layout <c>root/sN/M.pgm</c>:
/// subject N (1..40) is the identity, M (1..10) the image index; 92×112 grey PGM (P5). Class names are
/// the folder names ("s1" … "s40") in natural order, images follow in natural order (s1/1 … s1/10, s2/1 …),
/// so "the first k images of each subject" are images 1..k. Attributes: "subject" = N, "image" = M.
/// Files that do not match <c>sN/M.pgm</c> are malformed names: an error, or skipped with SkipBad.
/// </summary>
public static partial class AttFacesLoader
{
    [GeneratedRegex(@"^s(\d+)$", RegexOptions.IgnoreCase)] private static partial Regex SubjectPattern();
    [GeneratedRegex(@"^(\d+)\.pgm$", RegexOptions.IgnoreCase)] private static partial Regex ImagePattern();

    /// <summary>Loads the AT&amp;T faces under <paramref name="root"/> (the folder holding s1 … s40).</summary>
    public static FaceDataset Load(string root, ImageLoadOptions? options = null, LoadReport? report = null,
        IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            const string layout = "the AT&T layout sN/M.pgm (s1 … s40, 1.pgm … 10.pgm)";
            var folder = FolderScan.RequireFolder(root, layout);
            var inputs = FolderScan.FilesInSubfolders(folder);
            var misplaced = FolderScan.MisplacedImages(folder, depth: 2); // in the cache key, so that they are never silent
            return DatasetCache.GetOrLoad("att", "att sN/M.pgm", [.. inputs, .. misplaced], o, r, () =>
            {
                FolderScan.RejectMisplaced(folder, misplaced, 2, layout, o, r);
                return Decode(folder, inputs, o, r, progress);
            });
        });

    /// <summary>Parses "sN/M.pgm" (the last folder and the file name of <paramref name="path"/>) into
    /// (subject N, image M); null when the name does not match.</summary>
    public static (int Subject, int Image)? ParseName(string path)
    {
        var subject = SubjectPattern().Match(Path.GetFileName(Path.GetDirectoryName(path) ?? ""));
        var image = ImagePattern().Match(Path.GetFileName(path));
        if (!subject.Success || !image.Success) return null;
        if (!int.TryParse(subject.Groups[1].Value, CultureInfo.InvariantCulture, out int n) ||
            !int.TryParse(image.Groups[1].Value, CultureInfo.InvariantCulture, out int m)) return null;
        return (n, m);
    }

    static FaceDataset Decode(string folder, string[] inputs, ImageLoadOptions options, LoadReport report, IProgress<ProgressReport>? progress)
    {
        var parsed = new List<(string Path, int Subject, int Image)>();
        foreach (var file in inputs)
        {
            if (ParseName(file) is (int subject, int image)) parsed.Add((file, subject, image));
            else LoadSession.Reject(new DataException(file, "malformed AT&T name: expected sN/M.pgm (subject folder sN, image M.pgm). " +
                "Rename or remove the file, or load with SkipBad to skip it."), options, report);
        }
        if (parsed.Count == 0)
            throw new DataException(folder, "no AT&T images (sN/M.pgm) found. Point to the folder that holds s1 … s40, " +
                "or fetch the set with `facegen data fetch att_faces`.");
        var classNames = parsed.Select(p => Path.GetFileName(Path.GetDirectoryName(p.Path)!)).Distinct().ToArray();
        var index = classNames.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i);
        var chosen = LoadSession.Spread(parsed, options.MaxImages);
        var files = chosen.Select(p => new LabelledFile(p.Path, index[Path.GetFileName(Path.GetDirectoryName(p.Path)!)])).ToArray();
        var attributes = new Dictionary<string, int[]>
        {
            ["subject"] = chosen.Select(p => p.Subject).ToArray(),
            ["image"] = chosen.Select(p => p.Image).ToArray(),
        };
        return ImageFileDecoder.Decode("att", folder, files, classNames, attributes, options, report, progress);
    }
}
