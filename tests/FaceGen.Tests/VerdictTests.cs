using FaceGen.Metrics;

namespace FaceGen.Tests;

public class VerdictTests
{
    [Fact]
    public void DecidesOnlyWhenEveryRequirementIsMet()
    {
        var decided = Verdict.Of("A is larger than B", () => 3 > 2, Requirement.EnoughSeeds(3), Requirement.SamplesResembleData(1.0, 4.0));
        Assert.True(decided.Decided);
        Assert.Equal("A is larger than B: holds", decided.ToString());
        Assert.Equal("A is larger than B: does not hold", Verdict.Of("A is larger than B", () => false).ToString());

        bool evaluated = false;
        var undecided = Verdict.Of("A is larger than B", () => evaluated = true, Requirement.EnoughSeeds(2), Requirement.SamplesResembleData(3.0, 4.0));
        Assert.False(evaluated);   // the test is not even run on a run that cannot support it
        Assert.Null(undecided.Holds);
        Assert.Equal(2, undecided.Unmet.Count);
        Assert.StartsWith("A is larger than B: not decided by this run — needs at least 3 seeds (this run: 2); samples' distance", undecided.ToString());
    }

    [Fact]
    public void SampleRequirementComparesWithAFractionOfTheNoiseBaseline()
    {
        Assert.True(Requirement.SamplesResembleData(1.9, 4.0).Met);
        Assert.False(Requirement.SamplesResembleData(2.0, 4.0).Met);   // strictly below half
        Assert.True(Requirement.SamplesResembleData(2.9, 4.0, fraction: 0.75).Met);
        Assert.False(Requirement.SamplesResembleData(double.NaN, 4.0).Met);
        Assert.Throws<ArgumentOutOfRangeException>(() => Requirement.SamplesResembleData(1, 4, fraction: 0));
        Assert.False(Requirement.EnoughSeeds(2).Met);
        Assert.True(Requirement.EnoughSeeds(5, minimum: 5).Met);
    }

    [Fact]
    public void WithARealReferenceTheSamplesPositionBetweenRealAndNoiseIsCompared()
    {
        // Held-out faces at distance 2, noise at 10: 5.9 is 0.49 of the way (met), 6.0 exactly half (not met).
        Assert.True(Requirement.SamplesResembleData(5.9, 10, realDistance: 2).Met);
        Assert.False(Requirement.SamplesResembleData(6.0, 10, realDistance: 2).Met);
        Assert.Contains("this run: 0.49", Requirement.SamplesResembleData(5.9, 10, realDistance: 2).Condition);
        // A noise baseline no farther than the real images cannot separate anything.
        Assert.False(Requirement.SamplesResembleData(1, 2, realDistance: 3).Met);
    }
}
