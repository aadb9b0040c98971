using System.Diagnostics;
using System.Text.Json;
using FaceGen.Runtime;

namespace FaceGen.Tests.BadInput;

/// <summary><c>facegen train … --resume RUN</c> (issue 16, item 8): a run killed after a checkpoint and resumed ends
/// with exactly the numbers of the uninterrupted run, and folders that cannot be resumed are refused untouched.</summary>
public class ResumeTests
{
    // A tiny run whose steps take milliseconds; a checkpoint every 5 steps, evaluations and samples on their own schedules,
    // so that the resumed part crosses both. One thread: the same thread count on both sides is what makes it bitwise.
    static readonly string[] Gan = { "train", "gan", "--image-size", "16", "--width", "4", "--latent", "8", "--identities", "4",
        "--per-identity", "8", "--batch", "8", "--steps", "300", "--sample-every", "50", "--eval-every", "25", "--checkpoint-every", "5",
        "--threads", "1", "--device", "cpu" };

    static readonly string[] Vae = { "train", "vae", "--image-size", "16", "--channels", "1", "--width", "4", "--latent", "4",
        "--identities", "4", "--per-identity", "10", "--batch", "8", "--steps", "300", "--sample-every", "50", "--eval-every", "25",
        "--checkpoint-every", "5", "--threads", "1", "--device", "cpu" };

    [Fact]
    public void GanKilledAfterItsFirstCheckpointAndResumedEqualsTheUninterruptedRunBitwise()
    {
        var root = TestPaths.NewTempFolder();
        string full = Path.Combine(root, "full"), killed = Path.Combine(root, "killed");
        Succeeds(CliProcess.Run(Gan.Append("--out").Append(full)));
        int killedPid = RunAndKillAfterFirstCheckpoint(Gan, killed);
        // A kill in the middle of a save leaves checkpoints/last.tmp<pid>; make sure there is one to clean up.
        var leftover = Path.Combine(killed, "checkpoints", $"last.tmp{killedPid}");
        Directory.CreateDirectory(leftover);
        File.WriteAllText(Path.Combine(leftover, "generator.module"), "half-written");

        var resumed = CliProcess.Run(new[] { "train", "gan", "--resume", killed, "--threads", "1", "--device", "cpu" });
        Succeeds(resumed);
        Assert.Contains("resuming", resumed.Output);

        Assert.Equal(Losses(full), Losses(killed));
        Assert.Equal(301, File.ReadAllLines(Path.Combine(killed, "history.csv")).Length);   // header + steps 1…300, none twice
        foreach (var file in new[] { "checkpoints/final/generator.module", "checkpoints/final/discriminator.module",
                     "checkpoints/best/generator.module", "samples_000300.png" })
            Assert.True(File.ReadAllBytes(Path.Combine(full, file)).SequenceEqual(File.ReadAllBytes(Path.Combine(killed, file))), $"{file} differs");
        Assert.Equal(Measured(full), Measured(killed));
        Assert.Empty(Leftovers(killed));

        // Given again, the finished run says so and changes nothing.
        var history = File.ReadAllBytes(Path.Combine(killed, "history.csv"));
        var again = Resume(new[] { "train", "gan", "--resume", killed });
        Succeeds(again);
        Assert.Contains("has finished: 300 steps", again.Output);
        Assert.Equal(history, File.ReadAllBytes(Path.Combine(killed, "history.csv")));

        // With a larger --steps it trains on, appending to the same history.
        Succeeds(CliProcess.Run(new[] { "train", "gan", "--resume", killed, "--steps", "310", "--threads", "1" }));
        var longer = File.ReadAllLines(Path.Combine(killed, "history.csv"));
        Assert.Equal(311, longer.Length);
        Assert.Equal(File.ReadAllLines(Path.Combine(full, "history.csv"))[1..].Select(WithoutSeconds), longer[1..301].Select(WithoutSeconds));
        Assert.Contains("\"Steps\": 310", File.ReadAllText(Path.Combine(killed, "config.json")));
    }

    [Fact]
    public void VaeKilledAfterItsFirstCheckpointAndResumedEndsWithTheSameNumbers()
    {
        var root = TestPaths.NewTempFolder();
        string full = Path.Combine(root, "full"), killed = Path.Combine(root, "killed");
        Succeeds(CliProcess.Run(Vae.Append("--out").Append(full)));
        RunAndKillAfterFirstCheckpoint(Vae, killed);
        Succeeds(CliProcess.Run(new[] { "train", "vae", "--resume", killed, "--threads", "1", "--device", "cpu" }));
        Assert.Equal(Losses(full), Losses(killed));
        Assert.Equal(Measured(full), Measured(killed));
        Assert.True(File.ReadAllBytes(Path.Combine(full, "checkpoints/final/vae.module"))
            .SequenceEqual(File.ReadAllBytes(Path.Combine(killed, "checkpoints/final/vae.module"))));
        Assert.Empty(Leftovers(killed));
    }

    [Fact]
    public void AFolderThatIsNotARunIsRefusedAndLeftEmpty()
    {
        var empty = TestPaths.NewTempFolder();
        Refusal.Assert(Resume(new[] { "train", "gan", "--resume", empty }), new[] { empty, "not a training run", "config.json" });
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));

        var missing = Path.Combine(empty, "no-such-run");
        Refusal.Assert(Resume(new[] { "train", "vae", "--resume", missing }), new[] { missing, "no such folder" });
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void ARunWithoutACheckpointYetIsRefusedUntouched()
    {
        var run = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(run, "config.json"), "{}");
        var before = Snapshot(run);
        Refusal.Assert(Resume(new[] { "train", "gan", "--resume", run }), new[] { run, "no checkpoint yet", "checkpoints/last" });
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void OptionsBesideResumeThatConfigJsonDecidesAreRefused()
    {
        var run = FakeRun("train-gan", step: 10);
        var before = Snapshot(run);
        Refusal.Assert(Resume(new[] { "train", "gan", "--resume", run, "--loss", "hinge", "--batch=4", "--steps", "20" }),
            new[] { "--loss, --batch cannot be given with --resume", Path.Combine(run, "config.json"), "--steps" });
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void ARunOfAnotherCommandIsRefused()
    {
        var run = FakeRun("train-gan", step: 10);
        var before = Snapshot(run);
        Refusal.Assert(Resume(new[] { "train", "vae", "--resume", run }), new[] { "this is a train-gan run", "facegen train gan --resume" });
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void FewerStepsThanTheCheckpointHasAreRefused()
    {
        var run = FakeRun("train-gan", step: 10);
        var before = Snapshot(run);
        Refusal.Assert(Resume(new[] { "train", "gan", "--resume", run, "--steps", "5" }), new[] { "--steps 5", "already at step 10", "at least 10" });
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void ARunStillBeingWrittenByALiveProcessIsRefused()
    {
        // The claim of a live writer on this host: this test process, which started before the claim was written.
        var run = FakeRun("train-gan", step: 10, claim: $"host {Environment.MachineName}\npid {Environment.ProcessId}\ncommand train-gan\nstarted {DateTime.UtcNow:O}\n");
        var before = Snapshot(run);
        Refusal.Assert(Resume(new[] { "train", "gan", "--resume", run }),
            new[] { "still being written by process " + Environment.ProcessId, "Wait for it to finish or stop it" });
        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void AClaimFromAnotherHostIsLiveUntilItsHeartbeatIsStale()
    {
        var run = FakeRun("train-gan", step: 10, claim: "host some-other-node\npid 1\ncommand train-gan\nstarted 2026-01-01T00:00:00Z\n");
        var claim = Path.Combine(run, RunFolders.OwnerFile);
        File.SetLastWriteTimeUtc(claim, DateTime.UtcNow - TimeSpan.FromMinutes(1));
        Assert.Contains("some-other-node", RunFolders.LiveWriter(run));
        File.SetLastWriteTimeUtc(claim, DateTime.UtcNow - RunFolders.StaleAfter - TimeSpan.FromMinutes(1));
        Assert.Null(RunFolders.LiveWriter(run));

        // Taken over: the claim is now this process's.
        RunFolders.Reclaim(run, "train-gan");
        Assert.Equal(Environment.ProcessId.ToString(), RunFolders.ReadClaim(run)!["pid"]);
        Assert.Equal(new[] { RunFolders.OwnerFile }, Directory.EnumerateFiles(run, ".facegen-run*").Select(Path.GetFileName));
    }

    /// <summary>The command's result with the console's line wrapping (80 columns when redirected) undone: the wrapped
    /// line keeps its trailing space, so dropping the line breaks gives back the one-paragraph message.</summary>
    static CliProcess.Result Resume(string[] arguments)
    {
        var result = CliProcess.Run(arguments);
        return result with { Output = result.Output.Replace("\n", ""), Error = result.Error.Replace("\n", "") };
    }

    static void Succeeds(CliProcess.Result result) => Assert.True(result.ExitCode == 0, result.All);

    /// <summary>Starts the run, kills it (SIGKILL) once checkpoints/last exists, and checks that it really was cut short.</summary>
    static int RunAndKillAfterFirstCheckpoint(string[] arguments, string folder)
    {
        using var process = CliProcess.Start(arguments.Append("--out").Append(folder));
        _ = process.StandardOutput.ReadToEndAsync();   // drained, so that a full pipe never stalls the child
        _ = process.StandardError.ReadToEndAsync();
        var state = Path.Combine(folder, "checkpoints", "last", "trainer.json");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(state) && !process.HasExited && clock.Elapsed < TimeSpan.FromMinutes(2)) Thread.Sleep(10);
        int pid = process.Id;
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.False(File.Exists(Path.Combine(folder, "metrics.json")), "the run finished before it could be killed; give it more steps");
        Assert.True(File.Exists(state), "no checkpoint was written before the kill");
        return pid;
    }

    /// <summary>history.csv without its seconds column (wall-clock time, the one thing a resumed run cannot repeat).</summary>
    static string[] Losses(string run) => File.ReadAllLines(Path.Combine(run, "history.csv")).Select(WithoutSeconds).ToArray();

    static string WithoutSeconds(string line)
    {
        var cells = line.Split(',');
        return string.Join(',', cells.Take(1).Concat(cells.Skip(2)));
    }

    /// <summary>metrics.json without what depends on the folder and the clock.</summary>
    static string Measured(string run)
    {
        var fields = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(File.ReadAllText(Path.Combine(run, "metrics.json")))!;
        return string.Join("\n", fields.Where(f => f.Key is not ("Folder" or "Seconds" or "StepsPerSecond")).Select(f => $"{f.Key}={f.Value}"));
    }

    /// <summary>Temporary or set-aside folders of interrupted saves (<c>last.tmp&lt;pid&gt;</c>, <c>best.old&lt;pid&gt;</c>, …).</summary>
    static IEnumerable<string?> Leftovers(string run) =>
        Directory.EnumerateFileSystemEntries(Path.Combine(run, "checkpoints")).Select(Path.GetFileName)
            .Where(n => n is not ("last" or "best" or "final"));

    /// <summary>Every file under <paramref name="folder"/> with its bytes, to show that a refusal changed nothing.</summary>
    static string Snapshot(string folder) => string.Join("\n", Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order()
        .Select(f => $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}"));

    /// <summary>The files --resume looks at before it loads anything: config.json, a checkpoint's trainer.json, the claim.</summary>
    static string FakeRun(string command, long step, string? claim = null)
    {
        var run = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(run, "config.json"), "{}");
        File.WriteAllText(Path.Combine(run, "model.json"), "{}");
        Directory.CreateDirectory(Path.Combine(run, "checkpoints", "last"));
        File.WriteAllText(Path.Combine(run, "checkpoints", "last", "trainer.json"), $"{{ \"Step\": {step}, \"DataPosition\": {step} }}");
        File.WriteAllText(Path.Combine(run, RunFolders.OwnerFile),
            claim ?? $"host some-other-node\npid 1\ncommand {command}\nstarted 2026-01-01T00:00:00Z\n");
        if (claim is null) File.SetLastWriteTimeUtc(Path.Combine(run, RunFolders.OwnerFile), DateTime.UtcNow - TimeSpan.FromHours(1));
        return run;
    }
}
