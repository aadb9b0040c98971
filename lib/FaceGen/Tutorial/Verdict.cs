namespace FaceGen.Tutorial;

/// <summary>One condition a run must meet before a verdict computed from it may be printed, e.g. "at least 3 seeds".</summary>
/// <param name="Condition">What is required, in words, with the measured values (printed when it is not met).</param>
/// <param name="Met">Whether this run meets it.</param>
public sealed record Requirement(string Condition, bool Met)
{
    /// <summary>Samples count as resembling the data when their distance to the data (e.g. a Fréchet distance of
    /// features) is below <paramref name="fraction"/> of the same distance for a noise baseline (an untrained
    /// generator's output, or noise images): <c>d_samples &lt; fraction · d_noise</c>.</summary>
    public static Requirement SamplesResembleData(double sampleDistance, double noiseDistance, double fraction = 0.5)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "expected 0 < fraction ≤ 1.");
        return new($"samples' distance to the data ({sampleDistance:G3}) below {fraction:G2} × that of the noise baseline ({noiseDistance:G3})",
            sampleDistance < fraction * noiseDistance);
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
