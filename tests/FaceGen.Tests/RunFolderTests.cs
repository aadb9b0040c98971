using FaceGen.Runtime;

namespace FaceGen.Tests;

/// <summary>One writer per run folder (issue 16): the claim is atomic, an earlier run's files are never touched.</summary>
public class RunFolderTests
{
    [Fact]
    public void OfManyProcessesGivenTheSameOutExactlyOneGetsIt()
    {
        var root = TestPaths.NewTempFolder("facegen-claim");
        var target = Path.Combine(root, "run");
        using var start = new Barrier(8);
        var outcomes = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(8).Select(_ =>
        {
            start.SignalAndWait();
            try { return RunFolders.Create("test", target); }
            catch (IOException e) { return "refused: " + e.Message; }
        }).ToList();
        Assert.Equal(target, Assert.Single(outcomes, o => !o.StartsWith("refused")));
        Assert.All(outcomes.Where(o => o.StartsWith("refused")), o => Assert.Contains(target, o));
        var owner = File.ReadAllText(Path.Combine(target, RunFolders.OwnerFile));
        Assert.Contains($"pid {Environment.ProcessId}", owner);
        Assert.Contains("command test", owner);
    }

    [Fact]
    public void ANonEmptyFolderIsRefusedAndLeftAsItWas()
    {
        var folder = TestPaths.NewTempFolder("facegen-claim");
        File.WriteAllText(Path.Combine(folder, "results.csv"), "mine");
        var e = Assert.Throws<IOException>(() => RunFolders.Create("test", folder));
        Assert.Contains("not empty", e.Message);
        Assert.Equal(["results.csv"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(folder, "results.csv")));

        // A second run into the first run's folder is refused as well.
        var first = RunFolders.Create("test", Path.Combine(folder, "first"));
        Assert.Throws<IOException>(() => RunFolders.Create("test", first));
    }
}
