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

/// <summary>Checkpoint folders are replaced so that one complete copy always exists, and a killed save leaves nothing behind
/// for long (issue 16).</summary>
public class ReplaceFolderTests
{
    static string Folder(string parent, string name, string content)
    {
        var path = Path.Combine(parent, name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "trainer.json"), content);
        return path;
    }

    [Fact]
    public void TheNewFolderReplacesTheOldAndTheLeftoversOfDeadProcessesGo()
    {
        var parent = TestPaths.NewTempFolder("facegen-replace");
        var target = Path.Combine(parent, "last");
        AtomicFile.ReplaceFolder(Folder(parent, "first", "1"), target);      // no target yet: a plain move
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "trainer.json")));

        // What a save killed at various points leaves: a temp copy and an old copy of processes that are gone (pid 2^22 − 1
        // is above Linux's default pid_max), and an unrelated sibling that must stay.
        Folder(parent, "last.tmp4194303", "partial");
        Folder(parent, "last.old4194303", "stale");
        Folder(parent, "last.notes", "mine");
        AtomicFile.ReplaceFolder(Folder(parent, $"last.tmp{Environment.ProcessId}", "2"), target);

        Assert.Equal("2", File.ReadAllText(Path.Combine(target, "trainer.json")));
        Assert.Equal(["last", "last.notes"], Directory.GetDirectories(parent).Select(Path.GetFileName).Order());
    }
}
