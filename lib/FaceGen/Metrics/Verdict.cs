namespace FaceGen.Metrics;

/// <summary>One condition a run must meet before a verdict computed from it may be printed, e.g. "at least 3 seeds".</summary>
/// <param name="Condition">What is required, in words, with the measured values (printed when it is not met).</param>
/// <param name="Met">Whether this run meets it.</param>
public sealed record Requirement(string Condition, bool Met)
{
    /// <summary>Samples count as resembling the data when they lie nearer the data than a noise baseline does, by more
    /// than half the way: on a distance to the data (e.g. a Fréchet distance of features), the samples' position between
    /// real images (0, distance <paramref name="realDistance"/>, e.g. held-out faces; 0 when there is none) and the noise
    /// baseline (1, <paramref name="noiseDistance"/>: an untrained generator's output or noise images) is
    /// <c>p = (d_samples − d_real) / (d_noise − d_real)</c>, and the requirement is <c>p &lt; fraction</c>
    /// (with <c>d_real = 0</c>: <c>d_samples &lt; fraction · d_noise</c>).</summary>
    public static Requirement SamplesResembleData(double sampleDistance, double noiseDistance, double fraction = 0.5, double realDistance = 0)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "expected 0 < fraction ≤ 1.");
        double position = (sampleDistance - realDistance) / (noiseDistance - realDistance);
        string condition = realDistance == 0
            ? $"samples' distance to the data ({sampleDistance:G3}) below {fraction:G2} × that of the noise baseline ({noiseDistance:G3})"
            : $"samples' position between real images (0, distance {realDistance:G3}) and noise (1, distance {noiseDistance:G3}) below {fraction:G2} (this run: {position:F2})";
        return new(condition, position < fraction && noiseDistance > realDistance);
    }

    /// <summary>A comparison between settings needs repeated runs: at least <paramref name="minimum"/> seeds.</summary>
    public static Requirement EnoughSeeds(int seeds, int minimum = 3) => new($"at least {minimum} seeds (this run: {seeds})", seeds >= minimum);
}

/// <summary>
/// A verdict computed from a run's measurements, printed only when the run can support it. A notebook states a
/// claim ("VAE samples are blurrier than GAN samples"), the test that decides it from measured numbers, and the
/// requirements under which that test means anything (samples that resemble the data, enough seeds). When a
/// requirement is not met the claim is left undecided and the printed line says which requirement failed, instead of
/// a "holds" or "does not hold" read off noise.
/// </summary>
/// <param name="Claim">The claim in words.</param>
/// <param name="Holds">True or false when decided; null when a requirement was not met.</param>
/// <param name="Unmet">The conditions not met (empty when decided).</param>
public sealed record Verdict(string Claim, bool? Holds, IReadOnlyList<string> Unmet)
{
    /// <summary>Decides <paramref name="claim"/> with <paramref name="holds"/> when every requirement is met; otherwise
    /// leaves it undecided without evaluating <paramref name="holds"/>.</summary>
    public static Verdict Of(string claim, Func<bool> holds, params Requirement[] requirements)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(claim);
        var unmet = requirements.Where(r => !r.Met).Select(r => r.Condition).ToArray();
        return new(claim, unmet.Length == 0 ? holds() : null, unmet);
    }

    /// <summary>Whether the run could decide the claim.</summary>
    public bool Decided => Holds is not null;

    /// <summary>"claim: holds", "claim: does not hold", or "claim: not decided by this run — needs …".</summary>
    public override string ToString() => Holds switch
    {
        true => $"{Claim}: holds",
        false => $"{Claim}: does not hold",
        null => $"{Claim}: not decided by this run — needs {string.Join("; ", Unmet)}",
    };
}
