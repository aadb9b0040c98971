namespace FaceGen.Runtime;

/// <summary>
/// Enum values by the names people write on a command line or in a spec, one rule for both: any case, with '-', '_' and
/// spaces ignored (non-saturating = NonSaturating, wgan-gp = WganGp), plus the usual short names: lsgan (least
/// squares), ns (non-saturating), bn / batchnorm and sn / spectralnorm (batch and spectral normalisation).
/// </summary>
public static class OptionNames
{
    static readonly Dictionary<string, string> Aliases = new()
    {
        ["lsgan"] = "leastsquares", ["ns"] = "nonsaturating", ["bn"] = "batch", ["sn"] = "spectral",
        ["batchnorm"] = "batch", ["spectralnorm"] = "spectral",
    };

    /// <summary>The value of <typeparamref name="T"/> that <paramref name="text"/> names (by the rule above), if any.</summary>
    public static bool TryParse<T>(string text, out T value) where T : struct, Enum
    {
        var key = Normalise(text);
        key = Aliases.GetValueOrDefault(key, key);
        foreach (var candidate in Enum.GetValues<T>())
            if (Normalise(candidate.ToString()) == key)
            {
                value = candidate;
                return true;
            }
        value = default;
        return false;
    }

    /// <summary>The value <paramref name="text"/> names; otherwise an <see cref="ArgumentException"/> that quotes the
    /// option and the value and lists the names accepted.</summary>
    public static T Parse<T>(string text, string option) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value
        : throw new ArgumentException($"{option} {text}: expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}.");

    static string Normalise(string text) => new(text.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>"; did you mean 'x'?" for the candidate nearest to <paramref name="name"/> by edit distance (at most
    /// a third of its length away), else "".</summary>
    public static string Suggest(string name, IEnumerable<string> candidates)
    {
        var best = candidates.Select(c => (Name: c, Distance: EditDistance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    /// <summary>Levenshtein distance: the fewest insertions, deletions and substitutions that turn a into b.</summary>
    public static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
