using System.Globalization;

namespace FaceGen.Metrics;

/// <summary>Mean and sample standard deviation (n − 1 in the denominator; NaN for a single value): how the kit's
/// experiment tables summarise runs over seeds (notebook 04's table of remedies).</summary>
public readonly record struct MeanStd(double Mean, double Std)
{
    /// <summary>x̄ and s of <paramref name="values"/> (at least one).</summary>
    public static MeanStd Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values to average.");
        double mean = values.Average();
        // s = √(Σ(xᵢ − x̄)² / (n − 1))
        double std = values.Count < 2 ? double.NaN : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new MeanStd(mean, std);
    }

    /// <summary>"x̄ ± s" in invariant culture with <paramref name="decimals"/> decimals for both; "—" for an undefined s.</summary>
    public string Format(int decimals) =>
        $"{Mean.ToString($"F{decimals}", CultureInfo.InvariantCulture)} ± {(double.IsNaN(Std) ? "—" : Std.ToString($"F{decimals}", CultureInfo.InvariantCulture))}";

    /// <summary>"x̄ ± s" with four significant digits of the mean (at least 0, at most 6 decimals).</summary>
    public override string ToString() => Format(SignificantDecimals(Mean));

    /// <summary>Decimals that show four significant digits of <paramref name="value"/>: 1234.5 → 0, 0.01234 → 5.</summary>
    public static int SignificantDecimals(double value)
    {
        if (value == 0 || !double.IsFinite(value)) return 2;
        int magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return Math.Clamp(3 - magnitude, 0, 6);
    }
}
