using System.Text.Json.Nodes;
using FaceGen.Data;
using FaceGen.Experiments;
using FaceGen.Jobs;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;

namespace FaceGen.Tests;

public class ExperimentSpecTests
{
    const string Minimal = """{ "name": "t", "model": "gan", "base": { "steps": 5 }, "grid": { "loss": ["hinge", "lsgan"] } }""";

    static string WriteSpec(string json)
    {
        var path = Path.Combine(TestPaths.NewTempFolder("facegen-spec"), "spec.json");
        File.WriteAllText(path, json);
        return path;
    }

    /// <summary>Loading <paramref name="json"/> from a file fails with a DataException naming the file and every fragment.</summary>
    static void AssertRejected(string json, params string[] fragments)
    {
        var path = WriteSpec(json);
        var error = Assert.Throws<DataException>(() => ExperimentSpec.Load(path));
        Assert.Contains(path, error.Message);
        foreach (var fragment in fragments) Assert.Contains(fragment, error.Message);
    }

    [Theory]
    [InlineData("gan-losses.json", ExperimentModel.Gan, 15, 5)]
    [InlineData("gan-norms.json", ExperimentModel.Gan, 14, 7)]
    [InlineData("vae-beta.json", ExperimentModel.Vae, 16, 8)]
    [InlineData("recognizer-heads.json", ExperimentModel.Recognizer, 9, 3)]
    public void ShippedSpecsLoadAndExpand(string file, ExperimentModel model, int standardRuns, int settings)
    {
        var spec = ExperimentSpec.Load(Path.Combine(TestPaths.RepoRoot, "data", "experiments", file));
        Assert.Equal(model, spec.Model);
        var runs = spec.Expand("standard");
        Assert.Equal(standardRuns, runs.Count);
        Assert.Equal(settings, runs.Select(r => r.Setting).Distinct().Count());
        Assert.True(spec.Expand("quick").Count < standardRuns);
    }

    [Fact]
    public void GanLossesSpecResolvesEveryLossOfTheFamily()
    {
        var spec = ExperimentSpec.Load(Path.Combine(TestPaths.RepoRoot, "data", "experiments", "gan-losses.json"));
        var losses = spec.Expand("standard").Select(r => ((GanJobOptions)r.Options).Loss).Distinct().ToArray();
        Assert.Equal(Enum.GetValues<GanLoss>(), losses);
        Assert.Equal((200, 40, 32, 3), (spec.RecognizerOptions("standard")!.Steps, spec.RecognizerOptions("quick")!.Steps,
            spec.RecognizerOptions("quick")!.ImageSize, spec.RecognizerOptions("quick")!.Channels));
    }

    [Fact]
    public void GridExpandsSeedBySeedWithTheLastAxisFastestThenNamedSettings()
    {
        var spec = ExperimentSpec.Parse("""
            {
              // comments and trailing commas are allowed
              "name": "grid", "model": "gan",
              "base": { "steps": 7, "imageSize": 16, "width": 8 },
              "grid": { "loss": ["hinge", "non-saturating"], "norm": ["batch", "spectral"], "seed": [3, 4], },
              "settings": { "sn+ema": { "loss": "hinge", "norm": "sn", "emaDecay": 0.99 } },
              "profiles": { "quick": { "base": { "steps": 2 }, "grid": { "seed": [9], "norm": ["none"] } } }
            }
            """);
        var runs = spec.Expand("standard");
        Assert.Equal(10, runs.Count);   // (2 × 2 + 1 named) settings × 2 seeds
        Assert.Equal(new[]
        {
            "loss=hinge, norm=batch", "loss=hinge, norm=spectral", "loss=non-saturating, norm=batch", "loss=non-saturating, norm=spectral", "sn+ema",
        }, runs.Take(5).Select(r => r.Setting));
        Assert.Equal(new[] { 3, 3, 3, 3, 3, 4, 4, 4, 4, 4 }, runs.Select(r => r.Seed));
        Assert.Equal(Enumerable.Range(0, 10), runs.Select(r => r.Index));
        Assert.Equal("loss-hinge-norm-batch-s3", runs[0].FolderName);
        Assert.Equal("sn+ema-s4", runs[9].FolderName);

        var named = (GanJobOptions)runs[4].Options;
        Assert.Equal((GanLoss.Hinge, DiscriminatorNorm.Spectral, 0.99, 7, 16, 8, 3), (named.Loss, named.Norm, named.EmaDecay, named.Steps, named.ImageSize, named.Width, named.Seed));
        var cell = (GanJobOptions)runs[7].Options;
        Assert.Equal((GanLoss.NonSaturating, DiscriminatorNorm.Batch, 0.0, 4), (cell.Loss, cell.Norm, cell.EmaDecay, cell.Seed));
        Assert.Equal(64, cell.Batch);   // not in the spec: the job's default
        Assert.Equal("spectral", runs[1].Overrides["norm"]);

        // The quick profile replaces the seed and norm axes and the base's steps.
        var quick = spec.Expand("quick");
        Assert.Equal(new[] { "loss=hinge, norm=none", "loss=non-saturating, norm=none", "sn+ema" }, quick.Select(r => r.Setting));
        Assert.All(quick, r => Assert.Equal((2, 9), (((GanJobOptions)r.Options).Steps, r.Seed)));
    }

    [Fact]
    public void WithoutAxesOrSettingsTheBaseIsTheOneSetting()
    {
        var runs = ExperimentSpec.Parse("""{ "name": "b", "model": "vae", "base": { "beta": 2 } }""").Expand("standard");
        var run = Assert.Single(runs);
        Assert.Equal(("base", 1, 2.0), (run.Setting, run.Seed, ((VaeJobOptions)run.Options).Beta));
    }

    [Fact]
    public void ProfilesTheSpecDoesNotNameLeaveItUnchanged()
    {
        var spec = ExperimentSpec.Parse(Minimal);
        Assert.Equal(spec.Expand("standard").Select(r => r.Options), spec.Expand("full").Select(r => r.Options));
        Assert.Throws<ArgumentException>(() => spec.Expand("huge"));
    }

    [Fact]
    public void UnknownKeysNameTheFileTheKeyAndTheNearestValidName()
    {
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "los": "hinge" } }""", "base.los", "unknown key 'los'", "did you mean 'loss'?");
        AssertRejected("""{ "name": "t", "model": "gan", "grid": { "imageSzie": [32] } }""", "grid.imageSzie", "did you mean 'imageSize'?");
        AssertRejected("""{ "name": "t", "model": "gan", "setings": {} }""", "unknown top-level key 'setings'", "did you mean 'settings'?");
        AssertRejected("""{ "name": "t", "model": "vae", "settings": { "a": { "betta": 2 } } }""", "settings.a.betta", "did you mean 'beta'?");
        AssertRejected("""{ "name": "t", "model": "gan", "metrics": ["fid"] }""", "unknown metric 'fid'");
        AssertRejected("""{ "name": "t", "model": "gann" }""", "model 'gann'");
        AssertRejected("""{ "name": "t", "model": "gan", "profiles": { "fast": {} } }""", "profiles.fast", "expected quick, standard or full");
    }

    [Fact]
    public void WrongTypesAndEmptyAxesNameTheKeyAndTheValue()
    {
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "steps": "many" } }""", "base.steps", "\"many\" is not an integer");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "steps": 1.5 } }""", "base.steps", "1.5 is not an integer");
        AssertRejected("""{ "name": "t", "model": "gan", "grid": { "loss": ["hinge", "wasserstein"] } }""", "grid.loss[1]", "\"wasserstein\" is not one of minimax, nonsaturating");
        AssertRejected("""{ "name": "t", "model": "gan", "grid": { "loss": [] } }""", "grid.loss", "the axis is empty");
        AssertRejected("""{ "name": "t", "model": "gan", "grid": { "loss": "hinge" } }""", "grid.loss", "expected a list");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "conditional": "yes" } }""", "base.conditional", "true or false");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "batch": null } }""", "base.batch", "null is not an integer");
        AssertRejected("""{ "name": "t", "model": "gan" """, "not valid JSON");
        AssertRejected("""{ "model": "gan" }""", "missing \"name\"");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "steps": 3, "steps": 4 } }""", "not valid JSON", "steps");
    }

    [Fact]
    public void ImpossibleCombinationsNameTheSettingAndTheKeys()
    {
        AssertRejected("""{ "name": "t", "model": "gan", "grid": { "loss": ["hinge", "wgan-gp"] }, "settings": { "bn": { "loss": "wgangp", "norm": "batch" } } }""",
            "setting 'bn'", "norm 'batch': with loss wgangp");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "steps": 0 } }""", "steps 0: must be ≥ 1");
        AssertRejected("""{ "name": "t", "model": "gan", "base": { "imageSize": 48 } }""", "imageSize 48");
        AssertRejected("""{ "name": "t", "model": "recognizer", "base": { "dataset": "utkface" } }""", "dataset 'utkface' has no identities");
        AssertRejected("""{ "name": "t", "model": "recognizer", "base": { "trainPerIdentity": 10, "perIdentity": 10 } }""", "leaves no test images");
        AssertRejected("""{ "name": "t", "model": "vae", "grid": { "beta": [1, -1] } }""", "setting 'beta=-1'", "beta -1: must be ≥ 0");
        // Combinations only a profile produces are found too.
        AssertRejected("""{ "name": "t", "model": "gan", "profiles": { "quick": { "base": { "steps": -3 } } } }""", "(profile quick)", "steps -3");
        AssertRejected("""{ "name": "t", "model": "vae", "recognizer": { "steps": 3 } }""", "recognizer: only GAN experiments");
    }

    [Fact]
    public void EnumsAcceptTheUsualSpellings()
    {
        var runs = ExperimentSpec.Parse("""{ "name": "t", "model": "gan", "grid": { "loss": ["Minimax", "non_saturating", "WGAN-GP", "lsgan", "least-squares"] } }""").Expand("standard");
        Assert.Equal(new[] { GanLoss.Minimax, GanLoss.NonSaturating, GanLoss.WganGp, GanLoss.LeastSquares, GanLoss.LeastSquares },
            runs.Select(r => ((GanJobOptions)r.Options).Loss));
    }
}

public class AblationRunnerTests
{
    const string Spec = """
        { "name": "fake", "model": "gan", "base": { "steps": 3 }, "grid": { "loss": ["hinge", "lsgan", "minimax"], "seed": [1, 2] },
          "metrics": ["fd_pixels8_best", "wall_s"] }
        """;

    /// <summary>A stand-in for the jobs: records which runs it was asked for, writes a file into the run folder, and
    /// reports fd_pixels8_best = 10·seed + position of the loss in the grid.</summary>
    sealed class FakeJobs
    {
        public List<string> Calls { get; } = [];
        public string? FailOn { get; init; }
        public Action? OnRun { get; init; }

        public RunMeasurement Run(PlannedRun run, string folder, IProgress<ProgressReport>? progress)
        {
            Calls.Add(run.FolderName);
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));   // every attempt starts from an empty folder
            File.WriteAllText(Path.Combine(folder, "partial.txt"), "training …");
            OnRun?.Invoke();
            if (run.FolderName == FailOn) throw new InvalidOperationException("killed");
            double loss = ((GanJobOptions)run.Options).Loss switch { GanLoss.Hinge => 1, GanLoss.LeastSquares => 2, _ => 3 };
            return new RunMeasurement(new Dictionary<string, double> { ["fd_pixels8_best"] = 10 * run.Seed + loss }, 3, 1.5, 100);
        }
    }

    static AblationOptions Options(FakeJobs jobs) => new() { Profile = "standard", Executor = jobs.Run, Charts = false };

    [Fact]
    public void AnInterruptedRunIsRedoneAndFinishedRunsAreKept()
    {
        var folder = TestPaths.NewTempFolder("facegen-ablate");
        var spec = ExperimentSpec.Parse(Spec);
        var first = new FakeJobs { FailOn = "loss-minimax-s1" };
        Assert.Throws<InvalidOperationException>(() => Ablation.Run(spec, folder, Options(first)));
        Assert.Equal(new[] { "loss-hinge-s1", "loss-lsgan-s1", "loss-minimax-s1" }, first.Calls);
        var killed = Path.Combine(folder, "runs", "loss-minimax-s1");
        Assert.True(File.Exists(Path.Combine(killed, "partial.txt")));
        Assert.False(File.Exists(Path.Combine(killed, "result.json")));   // no half-written result
        Assert.Equal(2, AblationResult.Load(folder).Runs.Count);

        var second = new FakeJobs();
        var result = Ablation.Run(spec, folder, Options(second));
        Assert.Equal(new[] { "loss-minimax-s1", "loss-hinge-s2", "loss-lsgan-s2", "loss-minimax-s2" }, second.Calls);
        Assert.Equal((4, 2, 0), (result.RanNow, result.Resumed, result.Remaining));
        Assert.Equal(6, result.Runs.Count);

        var third = new FakeJobs();
        Assert.Equal(6, Ablation.Run(spec, folder, Options(third)).Resumed);
        Assert.Empty(third.Calls);
    }

    [Fact]
    public void ResumingWithChangedOptionsIsRefused()
    {
        var folder = TestPaths.NewTempFolder("facegen-ablate");
        Ablation.Run(ExperimentSpec.Parse(Spec), folder, Options(new FakeJobs()));
        var changed = ExperimentSpec.Parse(Spec.Replace("\"steps\": 3", "\"steps\": 4"));
        var error = Assert.Throws<DataException>(() => Ablation.Run(changed, folder, Options(new FakeJobs())));
        Assert.Contains("the same 6 cells with other options", error.Message);
        Assert.Contains("nothing was run", error.Message);
    }

    [Fact]
    public void TheTimeBudgetStopsBetweenRuns()
    {
        var folder = TestPaths.NewTempFolder("facegen-ablate");
        var now = TimeSpan.Zero;
        var jobs = new FakeJobs { OnRun = () => now += TimeSpan.FromSeconds(10) };
        // 35 s: runs start at 0, 10 and 20 s; at 30 s the next (10 s, the mean so far) would overrun.
        var result = Ablation.Run(ExperimentSpec.Parse(Spec), folder, Options(jobs) with { MaxMinutes = 35 / 60.0, Clock = () => now });
        Assert.Equal(3, jobs.Calls.Count);
        Assert.True(result.BudgetSpent);
        Assert.Equal((3, 3), (result.Runs.Count, result.Remaining));
        Assert.All(Directory.GetDirectories(Path.Combine(folder, "runs")), d => Assert.True(File.Exists(Path.Combine(d, "result.json"))));
        Assert.Contains("3 remain", File.ReadAllText(Path.Combine(folder, "summary.md")));

        Assert.False(Ablation.OverBudget(20, 10, 30));
        Assert.True(Ablation.OverBudget(21, 10, 30));
        Assert.True(Ablation.OverBudget(30, 0, 30));
    }

    [Fact]
    public void TheReportRebuiltFromTheRunFoldersEqualsTheRunnersOutput()
    {
        var folder = TestPaths.NewTempFolder("facegen-ablate");
        Ablation.Run(ExperimentSpec.Parse(Spec), folder, Options(new FakeJobs()));
        var csv = File.ReadAllText(Path.Combine(folder, "results.csv"));
        var summary = File.ReadAllText(Path.Combine(folder, "summary.md"));
        File.Delete(Path.Combine(folder, "results.csv"));
        File.Delete(Path.Combine(folder, "summary.md"));

        var rebuilt = AblationReport.Rebuild(folder);
        Assert.Equal(csv, File.ReadAllText(Path.Combine(folder, "results.csv")));
        Assert.Equal(summary, File.ReadAllText(Path.Combine(folder, "summary.md")));
        Assert.StartsWith("run,setting,seed,fd_pixels8_best,wall_s,steps_per_s,peak_rss_mb,parameters\nloss-hinge-s1,loss=hinge,1,11,", csv);
        Assert.Equal(7, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("| loss=hinge | 2 | **16.00 ± 7.07** |", summary);
        var charts = File.ReadAllText(Path.Combine(folder, "charts.html"));
        Assert.Contains("fake: fd_pixels8_best (lower is better), mean ± std over seeds", charts);
        Assert.Equal(6, rebuilt.Runs.Count);
    }
}

public class AblationTableTests
{
    static RunRecord Record(int index, string setting, int seed, double fd, double precision) =>
        new(index, "hand", ExperimentModel.Gan, "standard", setting, seed, $"{setting}-s{seed}", new Dictionary<string, string>(),
            new Dictionary<string, double> { ["fd_pixels8_best"] = fd, ["precision"] = precision, ["parameters"] = 1000 }, new JsonObject());

    static AblationResult HandMade() => new("/nowhere", "hand", ExperimentModel.Gan, null, "standard", 7, ["a", "b", "c"], [],
    [
        Record(0, "a", 1, 2, 0.5), Record(1, "b", 1, 1, 0.25), Record(2, "c", 1, 4, 0.75),
        Record(3, "a", 2, 4, 0.5), Record(4, "b", 2, 3, 0.75), Record(5, "c", 2, double.NaN, 0.75),
    ]);

    [Fact]
    public void MeanAndSampleStdOverSeedsPerSetting()
    {
        var summary = HandMade().Summary();
        Assert.Equal(new[] { "a", "b", "c" }, summary.Select(s => s.Setting));
        // a: fd {2, 4} → mean 3, s = √((1 + 1) / 1) = √2; b: fd {1, 3} → 2 ± √2; precision {0.25, 0.75} → 0.5 ± √0.125
        Assert.Equal(3, summary[0].Metrics["fd_pixels8_best"].Mean, 12);
        Assert.Equal(Math.Sqrt(2), summary[0].Metrics["fd_pixels8_best"].Std, 12);
        Assert.Equal(0.5, summary[1].Metrics["precision"].Mean, 12);
        Assert.Equal(Math.Sqrt(0.125), summary[1].Metrics["precision"].Std, 12);
        // c: the NaN of seed 2 is left out: one value, undefined std.
        Assert.Equal(4, summary[2].Metrics["fd_pixels8_best"].Mean);
        Assert.True(double.IsNaN(summary[2].Metrics["fd_pixels8_best"].Std));
    }

    [Fact]
    public void TheBestSettingIsMarkedInTheDirectionOfBetter()
    {
        var result = HandMade();
        Assert.Equal(new[] { "b" }, result.Best(AblationMetrics.Info("fd_pixels8_best")));   // lower is better
        Assert.Equal(new[] { "c" }, result.Best(AblationMetrics.Info("precision")));         // higher is better
        Assert.Empty(result.Best(AblationMetrics.Info("parameters")));                       // no direction
        var tie = result with { Runs = result.Runs.Select(r => r with { Metrics = new Dictionary<string, double> { ["precision"] = 0 } }).ToList() };
        Assert.Empty(tie.Best(AblationMetrics.Info("precision")));                           // every setting ties: none marked

        var table = result.SummaryTable();
        Assert.Contains("| setting | runs | fd_pixels8_best ↓ | precision ↑ | parameters |", table);
        Assert.Contains("| a | 2 | 3.000 ± 1.414 | 0.5000 ± 0.0000 | 1000 ± 0 |", table);
        Assert.Contains("| b | 2 | **2.000 ± 1.414** | 0.5000 ± 0.3536 | 1000 ± 0 |", table);
        Assert.Contains("| c | 2 | 4.000 ± — | **0.7500 ± 0.0000** | 1000 ± 0 |", table);
        Assert.Contains("<td><b>2.000 ± 1.414</b></td>", result.SummaryTable(TableFormat.Html));
        Assert.Equal(1, result.Remaining);
    }

    [Fact]
    public void MeanStdFormatsFourSignificantDigits()
    {
        Assert.Equal(0, MeanStdDecimals(1234.5));
        Assert.Equal(3, MeanStdDecimals(3));
        Assert.Equal(5, MeanStdDecimals(0.01234));
        Assert.Equal("2.000 ± 1.414", FaceGen.Metrics.MeanStd.Of(new[] { 1.0, 3.0 }).ToString());

        static int MeanStdDecimals(double v) => FaceGen.Metrics.MeanStd.SignificantDecimals(v);
    }
}

public class AblateCliTests
{
    [Fact]
    public void TinyAblationAndReportThroughTheCommandLine()
    {
        var root = TestPaths.NewTempFolder("facegen-ablate-cli");
        var spec = Path.Combine(root, "tiny.json");
        File.WriteAllText(spec, """
            { "name": "tiny", "model": "gan",
              "base": { "imageSize": 16, "width": 4, "latent": 8, "identities": 4, "perIdentity": 8, "batch": 16, "steps": 4,
                        "evaluateEvery": 2, "sampleEvery": 4, "checkpointEvery": 1000 },
              "grid": { "loss": ["hinge", "lsgan"], "seed": [5] } }
            """);
        var output = Path.Combine(root, "out");
        var run = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "standard"]);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("2 runs now, 0 kept from before, 0 remain", run.Output);
        Assert.Contains("| loss=hinge | 1 |", run.Output);
        var csv = File.ReadAllLines(Path.Combine(output, "results.csv"));
        Assert.Equal(3, csv.Length);
        Assert.StartsWith("run,setting,seed,fd_pixels8_best,fd_pixels8_final,wall_s,steps_per_s,peak_rss_mb,parameters", csv[0]);
        Assert.StartsWith("loss-lsgan-s5,loss=lsgan,5,", csv[2]);
        Assert.True(File.Exists(Path.Combine(output, "runs", "loss-hinge-s5", "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "charts.html")));

        var again = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "standard"]);
        Assert.True(again.ExitCode == 0, again.All);
        Assert.Contains("0 runs now, 2 kept from before, 0 remain", again.Output);

        var summary = File.ReadAllText(Path.Combine(output, "summary.md"));
        File.Delete(Path.Combine(output, "summary.md"));
        var report = CliProcess.Run(["report", output]);
        Assert.True(report.ExitCode == 0, report.All);
        Assert.Equal(summary, File.ReadAllText(Path.Combine(output, "summary.md")));

        var bad = CliProcess.Run(["ablate", Path.Combine(root, "missing.json"), "--out", output]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("missing.json", bad.All);
    }

    [Fact]
    public void TwoCommandsOnOneFolderShareItsCellsAndTheReportCountsTheMissingOnes()
    {
        var root = TestPaths.NewTempFolder("facegen-ablate-cli");
        var spec = ClusterSpec.Write(root);
        var output = Path.Combine(root, "grid");
        var plan = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "quick", "--plan"]);
        Assert.True(plan.ExitCode == 0, plan.All);
        Assert.Contains("4 cells (id, setting, seed)", plan.Output);
        Assert.Contains("  3 loss-lsgan-s2  loss=lsgan  seed 2", plan.Output);

        var one = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "quick", "--cell", "loss-hinge-s1"], new Dictionary<string, string> { ["FACEGEN_THREADS"] = "1" });
        Assert.True(one.ExitCode == 0, one.All);
        var report = CliProcess.Run(["report", output]);
        Assert.True(report.ExitCode == 0, report.All);
        Assert.Contains("3 of 4 cells missing: loss-lsgan-s1, loss-hinge-s2, loss-lsgan-s2", report.Output);

        // Two commands at once on the folder: each remaining cell is run by exactly one of them.
        var environment = new Dictionary<string, string> { ["FACEGEN_THREADS"] = "1" };
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(() => CliProcess.Run(["ablate", spec, "--out", output, "--profile", "quick"], environment))).ToArray();
        Task.WaitAll(workers);
        Assert.All(workers, w => Assert.True(w.Result.ExitCode == 0, w.Result.All));
        Assert.Equal(3, workers.Sum(w => int.Parse(System.Text.RegularExpressions.Regex.Match(w.Result.Output, @"(\d+) runs now").Groups[1].Value)));
        Assert.All(CellClaims.Attempts(output).Values, n => Assert.Equal(1, n));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(output, "results.csv")).Length);
    }
}

public class AblationClaimTests
{
    const string Spec = """
        { "name": "claims", "model": "gan", "base": { "steps": 3 }, "grid": { "loss": ["hinge", "lsgan"], "seed": [1, 2] },
          "metrics": ["fd_pixels8_best"] }
        """;

    /// <summary>Records every cell it is asked to run (thread-safe) and reports fd = 10·seed + 1 for hinge, + 2 otherwise.</summary>
    sealed class CountingJobs
    {
        public System.Collections.Concurrent.ConcurrentBag<string> Calls { get; } = [];
        public TimeSpan Delay { get; init; }

        public RunMeasurement Run(PlannedRun run, string folder, IProgress<ProgressReport>? progress)
        {
            Calls.Add(run.FolderName);
            Thread.Sleep(Delay);
            double loss = ((GanJobOptions)run.Options).Loss == GanLoss.Hinge ? 1 : 2;
            return new RunMeasurement(new Dictionary<string, double> { ["fd_pixels8_best"] = 10 * run.Seed + loss }, 3, 1, 10);
        }
    }

    static AblationOptions Options(CountingJobs jobs) => new() { Profile = "standard", Executor = jobs.Run, Charts = false };

    /// <summary>Writes a claim on <paramref name="cell"/> as a worker on <paramref name="host"/> with process
    /// <paramref name="pid"/> whose last heartbeat was <paramref name="age"/> ago.</summary>
    static void ForgeClaim(string folder, string cell, string host, int pid, TimeSpan age)
    {
        var claim = Directory.CreateDirectory(Path.Combine(folder, "claims", cell)).FullName;
        File.WriteAllText(Path.Combine(claim, "owner"), $"host {host}\npid {pid}\nstarted {DateTime.UtcNow - age:O}\n");
        File.WriteAllText(Path.Combine(claim, "heartbeat"), (DateTime.UtcNow - age).ToString("O"));
    }

    /// <summary>The id of a process that has exited.</summary>
    static int DeadProcessId()
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        process.WaitForExit();
        return process.Id;
    }

    [Fact]
    public void TwoWorkersOnOneFolderRunEachCellOnce()
    {
        var folder = TestPaths.NewTempFolder("facegen-claims");
        var spec = ExperimentSpec.Parse(Spec);
        var jobs = new CountingJobs { Delay = TimeSpan.FromMilliseconds(150) };
        var results = new AblationResult[2];
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => results[i] = Ablation.Run(spec, folder, Options(jobs)));
        Assert.Equal(4, jobs.Calls.Count);
        Assert.Equal(4, jobs.Calls.Distinct().Count());
        Assert.Equal(4, results.Sum(r => r.RanNow));
        Assert.All(CellClaims.Attempts(folder).Values, n => Assert.Equal(1, n));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "claims")));   // every claim released
        Assert.Equal(4, AblationResult.Load(folder).Runs.Count);
    }

    [Fact]
    public void ShardsPartitionTheGridAndACellCanBeRunAlone()
    {
        var folder = TestPaths.NewTempFolder("facegen-claims");
        var spec = ExperimentSpec.Parse(Spec);
        var first = new CountingJobs();
        var second = new CountingJobs();
        var partial = Ablation.Run(spec, folder, Options(first) with { Shard = Shard.Parse("0/2") });
        Assert.Equal(new[] { "loss-hinge-s1", "loss-hinge-s2" }, first.Calls.Order());
        Assert.Equal(new[] { "loss-lsgan-s1", "loss-lsgan-s2" }, partial.MissingCells.Order());
        Ablation.Run(spec, folder, Options(second) with { Shard = Shard.Parse("1/2") });
        Assert.Equal(new[] { "loss-lsgan-s1", "loss-lsgan-s2" }, second.Calls.Order());

        var single = TestPaths.NewTempFolder("facegen-claims");
        var alone = new CountingJobs();
        Ablation.Run(spec, single, Options(alone) with { Cell = "loss-lsgan-s2" });
        Assert.Equal(new[] { "loss-lsgan-s2" }, alone.Calls);
        Assert.Contains("no such cell", Assert.Throws<ArgumentException>(() => Ablation.Run(spec, single, Options(alone) with { Cell = "loss-lsgn-s2" })).Message);
        Assert.Contains("0 ≤ I < N", Assert.Throws<ArgumentException>(() => Shard.Parse("2/2")).Message);
        Assert.Contains("only 4 cells", Assert.Throws<ArgumentException>(() => Ablation.Run(spec, single, Options(alone) with { Shard = new Shard(0, 5) })).Message);
    }

    [Fact]
    public void ADeadWorkersClaimIsRedoneALiveOneIsLeftAndAFinishedCellIsNeverRedone()
    {
        var folder = TestPaths.NewTempFolder("facegen-claims");
        var spec = ExperimentSpec.Parse(Spec);
        Ablation.Plan(spec, folder, "standard");
        ForgeClaim(folder, "loss-hinge-s1", Environment.MachineName, DeadProcessId(), TimeSpan.Zero);        // this host, process gone
        ForgeClaim(folder, "loss-lsgan-s1", "node-17", 4242, TimeSpan.FromMinutes(30));                         // other host, silent 30 min
        ForgeClaim(folder, "loss-hinge-s2", "node-18", 4242, TimeSpan.FromSeconds(10));                         // other host, alive
        var jobs = new CountingJobs();
        var result = Ablation.Run(spec, folder, Options(jobs));
        Assert.Equal(new[] { "loss-hinge-s1", "loss-lsgan-s1", "loss-lsgan-s2" }, jobs.Calls.Order());
        Assert.Equal((3, 1, 1), (result.RanNow, result.HeldElsewhere, result.Remaining));
        Assert.Equal(new[] { "loss-hinge-s2" }, result.MissingCells);
        Assert.True(Directory.Exists(Path.Combine(folder, "claims", "loss-hinge-s2")));   // the live claim is untouched

        // The live worker dies (its heartbeat stops): the next run takes the cell over; finished cells stay finished
        // even when a stale claim on them is lying around.
        ForgeClaim(folder, "loss-hinge-s2", "node-18", 4242, TimeSpan.FromMinutes(30));
        ForgeClaim(folder, "loss-hinge-s1", "node-19", 4242, TimeSpan.FromMinutes(30));
        var again = new CountingJobs();
        var final = Ablation.Run(spec, folder, Options(again));
        Assert.Equal(new[] { "loss-hinge-s2" }, again.Calls);
        Assert.Equal((1, 3, 0), (final.RanNow, final.Resumed, final.Remaining));
        Assert.Equal(4, AblationResult.Load(folder).Runs.Count);
    }

    [Fact]
    public void AFolderWithAnotherPlanOrNoExperimentIsRefusedAndLeftUntouched()
    {
        var folder = TestPaths.NewTempFolder("facegen-claims");
        Ablation.Run(ExperimentSpec.Parse(Spec), folder, Options(new CountingJobs()));
        var csv = File.ReadAllText(Path.Combine(folder, "results.csv"));
        var fewerSeeds = ExperimentSpec.Parse(Spec.Replace("\"seed\": [1, 2]", "\"seed\": [1]"));
        var error = Assert.Throws<DataException>(() => Ablation.Run(fewerSeeds, folder, Options(new CountingJobs())));
        Assert.Contains("cells removed: loss-hinge-s2, loss-lsgan-s2", error.Message);
        var settingAdded = ExperimentSpec.Parse(Spec.Replace("[\"hinge\", \"lsgan\"]", "[\"hinge\", \"lsgan\", \"minimax\"]"));
        Assert.Contains("cells added: loss-minimax-s1, loss-minimax-s2", Assert.Throws<DataException>(() => Ablation.Run(settingAdded, folder, Options(new CountingJobs()))).Message);
        Assert.Contains("other options or profile", Assert.Throws<DataException>(() => Ablation.Run(ExperimentSpec.Parse(Spec), folder, Options(new CountingJobs()) with { Profile = "quick" })).Message);
        Assert.Equal(csv, File.ReadAllText(Path.Combine(folder, "results.csv")));
        // The same plan written differently (comments, key order) is the same experiment: resumed, nothing run.
        var reordered = ExperimentSpec.Parse("// same cells\n" + Spec.Replace("\"loss\": [\"hinge\", \"lsgan\"], \"seed\": [1, 2]", "\"seed\": [1, 2], \"loss\": [\"hinge\", \"lsgan\"]"));
        var jobs = new CountingJobs();
        Assert.Equal(4, Ablation.Run(reordered, folder, Options(jobs)).Resumed);
        Assert.Empty(jobs.Calls);

        var user = TestPaths.NewTempFolder("facegen-claims");
        File.WriteAllText(Path.Combine(user, "results.csv"), "mine");
        File.WriteAllText(Path.Combine(user, "summary.md"), "mine too");
        Assert.Contains("not an experiment folder", Assert.Throws<DataException>(() => Ablation.Run(ExperimentSpec.Parse(Spec), user, Options(new CountingJobs()))).Message);
        Assert.Equal(new[] { "results.csv", "summary.md" }, Directory.GetFileSystemEntries(user).Select(Path.GetFileName).Order());
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "results.csv")));
    }

    [Fact]
    public void AGridOfTenMillionCellsIsRefusedAtOnce()
    {
        var values = string.Join(", ", Enumerable.Range(1, 100));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<DataException>(() => ExperimentSpec.Parse(
            $$"""{ "name": "huge", "model": "gan", "grid": { "steps": [{{values}}], "batch": [{{values}}], "latent": [{{values}}], "seed": [{{string.Join(", ", Enumerable.Range(1, 10))}}] } }"""));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Contains("10,000,000 cells (steps 100 × batch 100 × latent 100 × seed 10)", error.Message);
        Assert.Contains("at most 10,000", error.Message);
    }
}
