using System.Text.Json;
using System.Text.Json.Nodes;
using FaceGen.Data;
using FaceGen.Experiments;
using FaceGen.Jobs;
using FaceGen.Runtime;
using Xunit;

namespace FaceGen.Tests.BadInput;

/// <summary>Issue 16, items 6, 8 and 9: one validation per options record, shared by the command line and the spec
/// reader; a refused or failed start leaves no run folder behind; a checkpoint that does not fit its run says so.
/// Every refusal: exit 2, the option or key and the value named, no stack trace, and nothing left in the working folder.</summary>
public sealed class ValidationTests(ValidationTests.TrainedRun trained) : IClassFixture<ValidationTests.TrainedRun>
{
    /// <summary>The smallest data and models the commands accept: 32 synthetic 16 px faces.</summary>
    static readonly string[] Tiny = ["--dataset", "synthetic", "--identities", "4", "--per-identity", "8", "--size", "16"];

    /// <summary>One tiny GAN run (two steps, a checkpoint every step, no evaluation), trained once for the checkpoint cases.</summary>
    public sealed class TrainedRun : IDisposable
    {
        public string Folder { get; } = TestPaths.NewTempFolder("facegen-valid-run");
        public string Run => Path.Combine(Folder, "gan");

        public TrainedRun()
        {
            var result = CliProcess.Run(["train", "gan", .. Tiny, "--steps", "2", "--batch", "8", "--width", "4", "--latent", "8",
                "--checkpoint-every", "1", "--eval-every", "0", "--sample-every", "0", "--out", Run], workingDirectory: Folder);
            Assert.True(result.ExitCode == 0, result.All);
        }

        public void Dispose() => Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Runs facegen in a fresh working folder; the refusal must leave that folder as it was.</summary>
    static CliProcess.Result RunInEmptyFolder(string[] args, out string folder)
    {
        folder = TestPaths.NewTempFolder("facegen-valid");
        return CliProcess.Run(args, new Dictionary<string, string> { ["FACEGEN_RUNS"] = Path.Combine(folder, "runs") }, workingDirectory: folder);
    }

    static void AssertRefusedLeavingNothing(string[] args, params string[] mentions)
    {
        var result = RunInEmptyFolder(args, out var folder);
        try
        {
            Refusal.Assert(result, mentions, maxPeakMegabytes: 600);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Theory]
    // Each was measured before the fix: "Index was out of range" (steps 0, -5) after claiming --out, 10 silent epochs
    // (vae steps -3), a native LibTorch dump (latent 0).
    [InlineData("train gan --steps 0", "--steps 0", "≥ 1")]
    [InlineData("train gan --steps -5", "--steps -5", "≥ 1")]
    [InlineData("train vae --steps -3", "--steps -3", "or 0 to train for the given epochs")]
    [InlineData("train gan --latent 0", "--latent 0", "≥ 1")]
    [InlineData("train gan --image-size 24", "--image-size 24", "16, 32, 64 or 128")]
    [InlineData("train vae --lr NaN", "--lr NaN", "> 0")]
    [InlineData("train recognizer --lr 0", "--lr 0", "> 0")]
    [InlineData("train restore --steps 0", "--steps 0", "≥ 1")]
    [InlineData("experiment augment -k 0 --dataset synthetic", "-k 0", "k ≥ 1")]
    public void ATrainingOptionOutOfItsLimitsIsRefusedBeforeAnyFolderIsMade(string command, string mention, string limit)
    {
        var args = command.Split(' ');
        // The tiny data options go first so that the case's own value is the one in force.
        var withData = args.Take(2).Concat(args[0] == "experiment" ? [] : Tiny).Concat(args.Skip(2)).Concat(["--out", "r1"]).ToArray();
        AssertRefusedLeavingNothing(withData, mention, limit);
    }

    [Theory]
    // Measured before the fix: bench trainer --batch 0 and --image-size 24 were refused by the model code without naming
    // the option ("BatchSize=0", 1.1 GB peak); preview --rows 0 said "error: tensors"; --columns 100000 ran 28 s to an
    // 11 GB peak and a LibTorch trace.
    [InlineData("bench trainer --batch 0", "--batch 0", "≥ 1")]
    [InlineData("bench trainer --image-size 24", "--image-size 24", "16, 32, 64, 128")]
    [InlineData("data preview synthetic --rows 0", "--rows 0", "1 to 64")]
    [InlineData("data preview synthetic --columns 100000", "--columns 100000", "1 to 64")]
    public void ABenchOrPreviewSizeOutOfItsLimitsIsRefused(string command, string mention, string limit) =>
        AssertRefusedLeavingNothing(command.Split(' '), mention, limit);

    /// <summary>Every numeric option of every job's record, in process (the command-line cases above each start a
    /// process): −1 for a count, size or seed and NaN for a real number are refused naming the spec key and the value.
    /// An option added without a limit fails here.</summary>
    [Fact]
    public void EveryNumericOptionOfEveryRecordHasALimit()
    {
        DatasetOptions[] records = [new GanJobOptions(), new VaeJobOptions(), new RecognizerJobOptions(), new RestorationJobOptions(), new AugmentExperimentOptions()];
        foreach (var record in records)
        {
            record.Validate(OptionSpelling.Key);   // the defaults pass
            foreach (var property in record.GetType().GetProperties().Where(p => p.CanWrite))
            {
                var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                object? bad = type == typeof(int) ? -1 : type == typeof(long) ? -1L : type == typeof(double) ? double.NaN : null;
                if (bad is null) continue;
                var copy = record with { };
                property.SetValue(copy, bad);
                var key = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
                var error = Assert.Throws<ArgumentException>(() => copy.Validate(OptionSpelling.Key));
                Assert.StartsWith($"{key} {(bad is double ? "NaN" : "-1")}:", error.Message);
            }
        }
    }

    [Fact]
    public void AnOptionOfAnotherCommandIsNotSuggestedBackToItself()
    {
        // Before: "Unknown option 'max-minutes'; did you mean '--max-minutes'?".
        var result = RunInEmptyFolder(["train", "gan", "--max-minutes", "NaN", "--out", "r1"], out var folder);
        try
        {
            Refusal.Assert(result, ["--max-minutes", "belongs", "other"]);   // (Spectre wraps messages at 80 columns)
            Assert.DoesNotContain("did you mean '--max-minutes'", result.All);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    public void AnAblationTimeBudgetMustBeAFiniteNumberOfMinutes(string minutes)
    {
        var spec = Path.Combine(TestPaths.RepoRoot, "data", "experiments", "gan-losses.json");
        AssertRefusedLeavingNothing(["ablate", spec, "--profile", "quick", "--max-minutes", minutes, "--out", "a1"], $"--max-minutes {minutes}", "> 0");
    }

    [Theory]
    // Before: learningRate -1 passed validation and the experiment started.
    [InlineData("vae", """{ "learningRate": -1 }""", "learningRate -1", "> 0")]
    [InlineData("gan", """{ "latent": 0 }""", "latent 0", "≥ 1")]
    [InlineData("gan", """{ "imageSize": 24 }""", "imageSize 24", "16, 32, 64 or 128")]
    [InlineData("recognizer", """{ "maxImages": 0 }""", "maxImages 0", "≥ 1")]
    public void ASpecValueOutOfItsLimitsIsRefusedNamingTheKey(string model, string baseOptions, string mention, string limit)
    {
        var folder = TestPaths.NewTempFolder("facegen-valid-spec");
        try
        {
            var spec = Path.Combine(folder, "spec.json");
            File.WriteAllText(spec, $$"""{ "name": "t", "model": "{{model}}", "base": {{baseOptions}} }""");
            var result = CliProcess.Run(["ablate", spec, "--out", "a1"], workingDirectory: folder);
            Refusal.Assert(result, ["spec.json", mention, limit]);
            Assert.Equal(["spec.json"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void AFailureBeforeTheFirstCheckpointRemovesOnlyWhatTheCommandMade()
    {
        var folder = TestPaths.NewTempFolder("facegen-valid");
        try
        {
            // --batch 64 of 32 images passes the option limits and fails once the data is loaded, after --out was claimed.
            string[] failing = ["train", "gan", .. Tiny, "--steps", "1", "--batch", "64", "--width", "4", "--latent", "8"];
            Refusal.Assert(CliProcess.Run([.. failing, "--out", "new"], workingDirectory: folder), ["--batch 64", "32 images"]);
            Assert.False(Directory.Exists(Path.Combine(folder, "new")), "the folder the command created is removed");

            Directory.CreateDirectory(Path.Combine(folder, "empty"));
            Refusal.Assert(CliProcess.Run([.. failing, "--out", "empty"], workingDirectory: folder), ["--batch 64"]);
            Assert.True(Directory.Exists(Path.Combine(folder, "empty")), "a folder that existed before is kept");
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "empty")));

            // The same --out can then be used: before, it was refused as "already exists and is not empty".
            var retry = CliProcess.Run(["train", "gan", .. Tiny, "--steps", "1", "--batch", "8", "--width", "4", "--latent", "8",
                "--eval-every", "0", "--sample-every", "0", "--out", "new"], workingDirectory: folder);
            Assert.True(retry.ExitCode == 0, retry.All);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void ARefusedOptionLeavesAnEarlierRunUntouched()
    {
        var before = Snapshot(trained.Run);
        var result = CliProcess.Run(["train", "gan", .. Tiny, "--steps", "0", "--out", "gan"], workingDirectory: trained.Folder);
        Refusal.Assert(result, ["--steps 0"]);
        Assert.Equal(before, Snapshot(trained.Run));
    }

    [Fact]
    public void ARunStoppedBeforeItsFirstEvaluationIsSampledFromItsLastCheckpoint()
    {
        var run = Copy(trained.Run, "last-only");
        Directory.Delete(Path.Combine(trained.Folder, run, "checkpoints", "final"), recursive: true);
        var png = "last-only.png";
        var result = CliProcess.Run(["sample", "gan", "--checkpoint", run, "-n", "4", "--out", png], workingDirectory: trained.Folder);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("note: using checkpoints/last", result.All);
        Assert.True(File.Exists(Path.Combine(trained.Folder, png)));
    }

    [Fact]
    public void ARunWithNoCheckpointSaysSo()
    {
        const string run = "no-checkpoint";
        Directory.CreateDirectory(Path.Combine(trained.Folder, run));
        foreach (var file in new[] { "config.json", "model.json" }) File.Copy(Path.Combine(trained.Run, file), Path.Combine(trained.Folder, run, file));
        AssertSampleRefused(run, "no-checkpoint", "no checkpoint yet");
    }

    [Fact]
    public void ACheckpointOfAnotherSizeNamesTheFileWhatTheRunSaysAndWhy()
    {
        // Before: "Mismatched tensor shape while loading. Make sure that the model you are loading into is exactly the same as the origin."
        var run = EditedConfig("wider", config => config["Width"] = 16);
        AssertSampleRefused(run, "wider/checkpoints/final/generator.module", "does not fit", "width", "16", "wider/config.json", "Mismatched");
    }

    [Fact]
    public void ACheckpointOfAnotherKindSaysWhatItHolds()
    {
        var result = CliProcess.Run(["eval", "vae", "--checkpoint", "gan", "--out", "e1"], workingDirectory: trained.Folder);
        Refusal.Assert(result, ["gan/checkpoints/final", "vae.module", "VAE", "GAN", "generator.module"]);
        Assert.False(Directory.Exists(Path.Combine(trained.Folder, "e1")));
    }

    [Fact]
    public void AHandEditedConfigNamesTheFileAndTheKey()
    {
        var broken = Copy(trained.Run, "broken-json");
        File.WriteAllText(Path.Combine(trained.Folder, broken, "config.json"), """{ "Width": 4 """);
        AssertSampleRefused(broken, "broken-json/config.json", "not valid JSON");
        AssertSampleRefused(EditedConfig("wrong-type", config => config["Width"] = "wide"), "wrong-type/config.json", "key 'Width'", "GanJobOptions");
        AssertSampleRefused(EditedConfig("out-of-limits", config => config["Latent"] = 0), "out-of-limits/config.json", "latent 0", "≥ 1");
    }

    /// <summary>sample gan on <paramref name="run"/> (relative to the fixture's folder: Spectre wraps long paths in
    /// the message at 80 columns) is refused and writes no picture.</summary>
    void AssertSampleRefused(string run, params string[] mentions)
    {
        var png = $"{run}.png";
        Refusal.Assert(CliProcess.Run(["sample", "gan", "--checkpoint", run, "-n", "4", "--out", png], workingDirectory: trained.Folder), mentions);
        Assert.False(File.Exists(Path.Combine(trained.Folder, png)));
    }

    /// <summary>A copy of the fixture's run (its name, relative to the fixture's folder) with config.json edited.</summary>
    string EditedConfig(string name, Action<JsonObject> edit)
    {
        var run = Copy(trained.Run, name);
        var path = Path.Combine(trained.Folder, run, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
        return run;
    }

    /// <summary>Copies <paramref name="run"/> to <paramref name="name"/> in the fixture's folder; returns the name.</summary>
    string Copy(string run, string name)
    {
        var copy = Path.Combine(trained.Folder, name);
        foreach (var file in Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(run, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return name;
    }

    static Dictionary<string, string> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));
}
