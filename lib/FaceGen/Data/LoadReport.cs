namespace FaceGen.Data;

/// <summary>One file (or record) left out of a data set, and why.</summary>
/// <param name="Path">The file, or "file#record" for a record inside an array file.</param>
/// <param name="Reason">What was wrong with it, e.g. "malformed name: gender 3, expected 0 or 1".</param>
public sealed record SkippedItem(string Path, string Reason);

/// <summary>
/// What a load did, for the CLI and notebooks to show: how many images were loaded, which files were
/// skipped (with <see cref="ImageLoadOptions.SkipBad"/>) and why, whether the decoded-tensor cache was
/// used, and remarks such as "no identity file: all images labelled 0". Pass one in to a loader and
/// read it afterwards; each load clears it first, fills it, and does not keep it.
/// </summary>
public sealed class LoadReport
{
    readonly List<SkippedItem> skipped = [];
    readonly List<string> notes = [];

    /// <summary>Images in the returned data set.</summary>
    public int Loaded { get; internal set; }
    /// <summary>Files or records left out, in file order.</summary>
    public IReadOnlyList<SkippedItem> Skipped => skipped;
    /// <summary>Remarks about the load that are not errors.</summary>
    public IReadOnlyList<string> Notes => notes;
    /// <summary>True when the images came from the decoded-tensor cache instead of the files.</summary>
    public bool FromCache { get; internal set; }
    /// <summary>The cache file read or written; null when the cache was not used.</summary>
    public string? CachePath { get; internal set; }
    /// <summary>Wall time of the load.</summary>
    public TimeSpan Elapsed { get; internal set; }

    internal void Skip(string path, string reason) { lock (skipped) skipped.Add(new SkippedItem(path, reason)); }
    internal void Note(string note) => notes.Add(note);

    internal void Reset()
    {
        skipped.Clear();
        notes.Clear();
        Loaded = 0;
        FromCache = false;
        CachePath = null;
        Elapsed = TimeSpan.Zero;
    }

    internal void SortSkipped() => skipped.Sort((a, b) => NaturalOrder.Instance.Compare(a.Path, b.Path));

    /// <summary>One line: "400 images loaded (from cache), 2 skipped".</summary>
    public override string ToString() =>
        $"{Loaded} images loaded{(FromCache ? " (from cache)" : "")}, {Skipped.Count} skipped in {Elapsed.TotalSeconds:F1} s";
}
