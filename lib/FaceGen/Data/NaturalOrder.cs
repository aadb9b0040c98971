namespace FaceGen.Data;

/// <summary>
/// "Natural" string order: runs of digits compare by numeric value, everything else ordinally, so
/// that <c>s2 &lt; s10</c> and <c>2.pgm &lt; 10.pgm</c>. Ties (e.g. <c>s01</c> vs <c>s1</c>) fall back to
/// ordinal order, so the order is total and the same on every platform.
/// </summary>
public sealed class NaturalOrder : IComparer<string>
{
    /// <summary>The one shared instance.</summary>
    public static NaturalOrder Instance { get; } = new();

    /// <summary>Compares two strings in natural order (see the class summary).</summary>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int c = CompareDigitRuns(x, ref i, y, ref j);
                if (c != 0) return c;
                continue;
            }
            int ch = x[i].CompareTo(y[j]);
            if (ch != 0) return ch;
            i++;
            j++;
        }
        int rest = (x.Length - i).CompareTo(y.Length - j);
        return rest != 0 ? rest : string.CompareOrdinal(x, y);
    }

    /// <summary>Compares the digit runs starting at x[i] and y[j] by value (leading zeros ignored),
    /// without parsing, so runs longer than a long compare correctly; advances both indices.</summary>
    static int CompareDigitRuns(string x, ref int i, string y, ref int j)
    {
        int xs = i, ys = j;
        while (i < x.Length && char.IsAsciiDigit(x[i])) i++;
        while (j < y.Length && char.IsAsciiDigit(y[j])) j++;
        var a = x.AsSpan(xs, i - xs).TrimStart('0');
        var b = y.AsSpan(ys, j - ys).TrimStart('0');
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        return a.SequenceCompareTo(b);
    }
}
