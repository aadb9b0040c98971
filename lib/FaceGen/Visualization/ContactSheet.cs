using FaceGen.Data;
using static TorchSharp.torch;

namespace FaceGen.Visualization;

/// <summary>A contact sheet of a data set: rows grouped by class (identity), images spread evenly over each
/// class, so that a reader sees both how identities differ and how much one identity varies.</summary>
public static class ContactSheet
{
    /// <summary>Up to <paramref name="rows"/> × <paramref name="columns"/> images. With at least as many classes as
    /// rows, one row per class (the first classes); with fewer classes (UTKFace by gender), the rows are shared
    /// out between them.</summary>
    public static ImageGrid Of(FaceDataset data, int rows = 8, int columns = 8)
    {
        if (data.Count == 0) throw new ArgumentException($"Data set '{data.Name}' is empty: nothing to show.");
        var labels = data.LabelArray();
        var classes = Enumerable.Range(0, labels.Length).GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToList();
        int rowsPerClass = classes.Count >= rows ? 1 : Math.Max(1, rows / classes.Count);
        var cells = new List<long>(); // −1 = blank cell
        foreach (var members in classes.Take(rows))
        {
            var chosen = Spread(members, rowsPerClass * columns);
            int classRows = (chosen.Length + columns - 1) / columns;
            cells.AddRange(chosen.Select(i => (long)i));
            cells.AddRange(Enumerable.Repeat(-1L, classRows * columns - chosen.Length));
        }
        using var scope = NewDisposeScope();
        var blank = full(new[] { 1L, data.Channels, data.Height, data.Width }, 255, ScalarType.Byte);
        var images = cat(cells.Select(i => i < 0 ? blank : data.Images.narrow(0, i, 1)).ToList(), 0);
        int shownClasses = Math.Min(rows, classes.Count);
        return ImageGrid.FromBytes(images, columns: columns).WithCaption(
            $"{data.Name}: {data.Count} images, {data.ClassCount} classes, {data.Channels}×{data.Height}×{data.Width}; " +
            $"rows grouped by class ({shownClasses} shown: {string.Join(", ", classes.Take(rows).Select(c => data.ClassNames[labels[c[0]]]))})");
    }

    /// <summary>At most <paramref name="count"/> members, evenly spaced (all of them when there are fewer).</summary>
    static int[] Spread(int[] members, int count) => members.Length <= count
        ? members
        : Enumerable.Range(0, count).Select(k => members[(int)((long)k * members.Length / count)]).ToArray();
}
