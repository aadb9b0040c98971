using System.Globalization;

namespace FaceGen.Runtime;

/// <summary>How a refused value is named: as the command line spells its option (<c>--steps</c>) or as the key of a
/// spec and of <c>config.json</c> (<c>steps</c>). One set of limits per options record serves both.</summary>
public enum OptionSpelling { CommandLine, Key }

/// <summary>The limits an options record's <c>Validate</c> checks; each refusal is an <see cref="ArgumentException"/>
/// whose message names the option (in the spelling asked for), the value and the limit.
/// <c>flag</c> is the command-line option, or null where the command line has none (the key is used then).</summary>
public sealed class OptionCheck(OptionSpelling spelling)
{
    public void Require(bool ok, string? flag, string key, object? value, string limit)
    {
        if (ok) return;
        var name = spelling == OptionSpelling.CommandLine && flag is not null ? flag : key;
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{name} {Text(value, quoted: spelling == OptionSpelling.Key)}: {limit}."));
    }

    public void AtLeast(long value, long min, string? flag, string key) => Require(value >= min, flag, key, value, $"must be ≥ {min}");

    public void AtLeast(long? value, long min, string? flag, string key)
    {
        if (value is long v) AtLeast(v, min, flag, key);
    }

    /// <summary>Finite and &gt; 0: NaN and ∞ pass every comparison test written the other way round.</summary>
    public void Positive(double value, string? flag, string key) =>
        Require(double.IsFinite(value) && value > 0, flag, key, value, "must be > 0 (and finite)");

    public void Positive(double? value, string? flag, string key)
    {
        if (value is double v) Positive(v, flag, key);
    }

    public void NonNegative(double value, string? flag, string key) =>
        Require(double.IsFinite(value) && value >= 0, flag, key, value, "must be ≥ 0 (and finite)");

    /// <summary>A fraction in [0, 1), or in (0, 1) when <paramref name="zeroAllowed"/> is false.</summary>
    public void Fraction(double value, bool zeroAllowed, string? flag, string key) =>
        Require((zeroAllowed ? value >= 0 : value > 0) && value < 1, flag, key, value, $"expected a fraction in {(zeroAllowed ? "[0" : "(0")}, 1)");

    public void OneOf(int value, int[] allowed, string? flag, string key, string why = "") =>
        Require(allowed.Contains(value), flag, key, value, $"expected {string.Join(", ", allowed[..^1])} or {allowed[^1]}{why}");

    /// <summary>A value as the user wrote it: bare on the command line, a string quoted as in a spec ("arch 'x'"), a
    /// list as a comma-separated one, numbers in invariant culture.</summary>
    static string Text(object? value, bool quoted) => value switch
    {
        null => "null",
        string s => quoted ? $"'{s}'" : s,
        System.Collections.IEnumerable list => string.Join(",", list.Cast<object?>().Select(v => v is Enum ? v.ToString()!.ToLowerInvariant() : Text(v, quoted: false))),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
