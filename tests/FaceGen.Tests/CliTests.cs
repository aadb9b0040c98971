using FaceGen.Runtime;

namespace FaceGen.Tests;

public class CliTests
{
    [Fact]
    public void DoctorInAFreshProcessBuildsItsOwnCompatCopyAndIsGreen()
    {
        var cache = TestPaths.NewTempFolder("facegen-cache");
        var result = CliProcess.Run(new[] { "doctor", "--device", "cpu" }, new Dictionary<string, string> { ["FACEGEN_CACHE"] = cache });
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("doctor: healthy", result.Output);
        Assert.Contains("[[7,10],[15,22]]", result.Output);
        bool compatNeeded = TorchRuntime.EnsureInitialized().CompatCopyInUse;
        Assert.Equal(compatNeeded, Directory.Exists(Path.Combine(cache, "native")));
    }

    [Fact]
    public void DoctorExitsNonZeroWithTheCauseForABadDevice()
    {
        var result = CliProcess.Run(new[] { "doctor" }, new Dictionary<string, string> { ["FACEGEN_DEVICE"] = "tpu" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FACEGEN_DEVICE=tpu", result.All);
    }
}
