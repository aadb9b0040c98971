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
}
