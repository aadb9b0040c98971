using System.Globalization;
using FaceGen.Runtime;

namespace FaceGen.Data;

/// <summary>Which UTKFace attribute becomes <see cref="FaceDataset.Labels"/>.</summary>
public enum UtkFaceLabel
{
    /// <summary>0 male, 1 female.</summary>
    Gender,
    /// <summary>0 White, 1 Black, 2 Asian, 3 Indian, 4 Others.</summary>
    Race,
    /// <summary>Age in years; class names "0" … the oldest age present.</summary>
    Age,
}

/// <summary>The attributes encoded in a UTKFace file name.</summary>
public readonly record struct UtkFaceAttributes(int Age, int Gender, int Race);

/// <summary>
/// Loads UTKFace from a flat folder of <c>age_gender_race_date.jpg.chip.jpg</c> files (the aligned and
/// cropped "crop_part1" / "UTKFace" sets, 200×200 RGB). Every image gets the attributes "age", "gender"
/// (0 male, 1 female) and "race" (0..4: White, Black, Asian, Indian, Others); the label is one of them,
/// gender by default. UTKFace has no identities. The real data holds a few malformed names (a missing
/// race field, a gender of 3): each is an error naming the file, or skipped and listed with SkipBad.
/// </summary>
public static class UtkFaceLoader
{
    /// <summary>Race names, indexed by the race field.</summary>
    public static IReadOnlyList<string> RaceNames { get; } = ["White", "Black", "Asian", "Indian", "Others"];
    /// <summary>Gender names, indexed by the gender field.</summary>
    public static IReadOnlyList<string> GenderNames { get; } = ["male", "female"];

    /// <summary>Oldest accepted age; anything above is a malformed name (UTKFace's oldest is 116).</summary>
    public const int MaxAge = 130;

    /// <summary>Loads the UTKFace images in <paramref name="folder"/> (not recursive).</summary>
    public static FaceDataset Load(string folder, UtkFaceLabel label = UtkFaceLabel.Gender, ImageLoadOptions? options = null,
        LoadReport? report = null, IProgress<ProgressReport>? progress = null) =>
        LoadSession.Run(options, report, (o, r) =>
        {
            const string layout = "a folder of UTKFace files age_gender_race_date.jpg.chip.jpg";
            var root = FolderScan.RequireFolder(folder, layout);
            var inputs = FolderScan.Files(root);
            var misplaced = FolderScan.MisplacedImages(root, depth: 1); // in the cache key, so that they are never silent
            return DatasetCache.GetOrLoad("utkface", $"utkface label={label}", [.. inputs, .. misplaced], o, r, () =>
            {
                FolderScan.RejectMisplaced(root, misplaced, 1, layout, o, r);
                return Decode(root, inputs, label, o, r, progress);
            });
        });

    /// <summary>Parses a UTKFace file name "age_gender_race_date…" (only the part before the first '.'
    /// matters). Returns the attributes, or the reason the name is malformed.</summary>
    public static (UtkFaceAttributes? Attributes, string? Error) ParseName(string fileName)
    {
        string stem = Path.GetFileName(fileName).Split('.')[0];
        var fields = stem.Split('_');
        if (fields.Length != 4)
            return (null, $"malformed UTKFace name: {fields.Length} fields in '{stem}', expected age_gender_race_date");
        if (!TryField(fields[0], out int age) || age > MaxAge) return (null, $"malformed UTKFace name: age '{fields[0]}' is not 0..{MaxAge}");
        if (!TryField(fields[1], out int gender) || gender > 1) return (null, $"malformed UTKFace name: gender '{fields[1]}', expected 0 (male) or 1 (female)");
        if (!TryField(fields[2], out int race) || race > 4) return (null, $"malformed UTKFace name: race '{fields[2]}', expected 0..4 (White, Black, Asian, Indian, Others)");
        if (fields[3].Length == 0 || !fields[3].All(char.IsAsciiDigit)) return (null, $"malformed UTKFace name: date '{fields[3]}' is not digits");
        return (new UtkFaceAttributes(age, gender, race), null);
    }

    static bool TryField(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    static FaceDataset Decode(string root, string[] inputs, UtkFaceLabel label, ImageLoadOptions options, LoadReport report,
        IProgress<ProgressReport>? progress)
    {
        var parsed = new List<(string Path, UtkFaceAttributes A)>();
        foreach (var file in FolderScan.SupportedImages(inputs, options, report))
        {
            var (parsedName, error) = ParseName(file);
            if (parsedName is { } a) parsed.Add((file, a));
            else LoadSession.Reject(new DataException(file, $"{error}. Rename or remove the file, or load with SkipBad to skip it."), options, report);
        }
        if (parsed.Count == 0)
            throw new DataException(root, "no UTKFace images (age_gender_race_date.jpg.chip.jpg) found. " +
                "Point to the folder that holds them (e.g. utkface/crop_part1), or download crop_part1 from the UTKFace homepage (https://susanqq.github.io/UTKFace/).");
        var chosen = LoadSession.Spread(parsed, options.MaxImages);
        int LabelOf(UtkFaceAttributes a) => label switch { UtkFaceLabel.Race => a.Race, UtkFaceLabel.Age => a.Age, _ => a.Gender };
        IReadOnlyList<string> classNames = label switch
        {
            UtkFaceLabel.Race => RaceNames,
            UtkFaceLabel.Age => Enumerable.Range(0, chosen.Max(p => p.A.Age) + 1).Select(a => a.ToString(CultureInfo.InvariantCulture)).ToArray(),
            _ => GenderNames,
        };
        var attributes = new Dictionary<string, int[]>
        {
            ["age"] = chosen.Select(p => p.A.Age).ToArray(),
            ["gender"] = chosen.Select(p => p.A.Gender).ToArray(),
            ["race"] = chosen.Select(p => p.A.Race).ToArray(),
        };
        var files = chosen.Select(p => new LabelledFile(p.Path, LabelOf(p.A))).ToArray();
        return ImageFileDecoder.Decode("utkface", root, files, classNames, attributes, options, report, progress);
    }
}
