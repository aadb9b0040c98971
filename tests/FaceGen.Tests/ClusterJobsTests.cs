using System.Diagnostics;
using FaceGen.Experiments;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace FaceGen.Tests;

/// <summary>The experiment of the cluster tests: 4 cells (2 losses × 2 seeds) of a tiny GAN, a few seconds each.
/// Its summary shows only the quality metrics, which are deterministic per seed; wall time, steps/s and memory differ
/// from run to run.</summary>
static class ClusterSpec
{
    public const string Json = """
        { "name": "slurm-tiny", "model": "gan",
          "base": { "imageSize": 16, "width": 4, "latent": 8, "identities": 4, "perIdentity": 8, "batch": 16, "steps": 150,
                    "evaluateEvery": 50, "sampleEvery": 150, "checkpointEvery": 1000 },
          "grid": { "loss": ["hinge", "lsgan"], "seed": [1, 2] },
          "metrics": ["fd_pixels8_best", "fd_pixels8_final"] }
        """;

    /// <summary>The columns of results.csv that differ between two runs of the same cell (timing and memory).</summary>
    public static readonly string[] MeasuredColumns = ["wall_s", "steps_per_s", "peak_rss_mb"];

    public static string Write(string root)
    {
        var path = Path.Combine(root, "spec.json");
        File.WriteAllText(path, Json);
        return path;
    }

    /// <summary>results.csv without <see cref="MeasuredColumns"/>: run, setting, seed, the quality metrics, parameters.</summary>
    public static string[] DeterministicColumns(string csvPath)
    {
        var lines = File.ReadAllLines(csvPath);
        var header = lines[0].Split(',');
        var keep = Enumerable.Range(0, header.Length).Where(i => !MeasuredColumns.Contains(header[i])).ToArray();
        Assert.True(keep.Length >= 6, $"{csvPath}: expected run, setting, seed, two FDs and parameters in {lines[0]}");
        return lines.Select(l => string.Join(',', keep.Select(i => l.Split(',')[i]))).ToArray();
    }
}

public class ClusterJobsTests
{
    [Fact]
    public void TheSlurmArrayHasOneTaskPerCellThrottledWithTheSettingsPassedThrough()
    {
        var root = TestPaths.NewTempFolder("facegen-emit");
        var spec = ClusterSpec.Write(root);
        var output = Path.Combine(root, "grid");
        var run = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "quick", "--emit", "slurm", "--partition", "gpu", "--time", "01:30:00",
            "--cpus-per-task", "3", "--gpus-per-task", "1", "--max-concurrent", "2", "--facegen", "/shared/kit/facegen"]);
        Assert.True(run.ExitCode == 0, run.All);
        var array = File.ReadAllText(Path.Combine(output, "slurm", "ablate.sbatch"));
        Assert.StartsWith("#!/bin/bash\n", array);
        foreach (var line in new[]
        {
            "#SBATCH --array=0-3%2", $"#SBATCH --output={output}/logs/cell-%a.out", "#SBATCH --cpus-per-task=3", "#SBATCH --gpus-per-task=1",
            "#SBATCH --partition=gpu", "#SBATCH --time=01:30:00", "export FACEGEN_DEVICE=cuda", "export FACEGEN_THREADS=\"${SLURM_CPUS_PER_TASK:-3}\"",
            $"exec /shared/kit/facegen ablate '{spec}' --out '{output}' --profile quick --shard \"$SLURM_ARRAY_TASK_ID/4\"",
        })
            Assert.Contains(line + "\n", array);
        // Every #SBATCH line comes before the first command (sbatch ignores the ones after).
        var lines = array.Split('\n');
        Assert.True(Array.FindLastIndex(lines, l => l.StartsWith("#SBATCH")) < Array.FindIndex(lines, l => l.StartsWith("export")));
        var submit = File.ReadAllText(Path.Combine(output, "slurm", "submit.sh"));
        Assert.Contains("sbatch --parsable ablate.sbatch", submit);
        Assert.Contains("--dependency=afterany:$array report.sbatch", submit);
        Assert.Contains($"exec /shared/kit/facegen report '{output}'", File.ReadAllText(Path.Combine(output, "slurm", "report.sbatch")));
        Assert.True(File.GetUnixFileMode(Path.Combine(output, "slurm", "submit.sh")).HasFlag(UnixFileMode.UserExecute));
        // The folder is planned: its cells are fixed before any task starts.
        Assert.Contains("\"specHash\"", File.ReadAllText(Path.Combine(output, "experiment.json")));

        var bad = CliProcess.Run(["ablate", spec, "--out", Path.Combine(root, "bad"), "--profile", "quick", "--emit", "slurm", "--time", "90 minutes"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--time 90 minutes: expected HH:MM:SS", bad.All);
        var unknown = CliProcess.Run(["ablate", spec, "--out", Path.Combine(root, "bad"), "--profile", "quick", "--emit", "pbs"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--emit", unknown.All);
    }

    static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    static string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;
    static YamlSequenceNode Sequence(YamlNode node, string key) => (YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];

    static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(path);
        yaml.Load(reader);
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    /// <summary>What the Job API requires of every Job (apiVersion, kind, metadata.name, a pod template with
    /// restartPolicy Never or OnFailure and containers with a name and an image) and the volume holding DIR.</summary>
    static YamlMappingNode AssertValidJob(YamlMappingNode job, string folder)
    {
        Assert.Equal("batch/v1", Scalar(job, "apiVersion"));
        Assert.Equal("Job", Scalar(job, "kind"));
        Assert.Matches("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", Scalar(Map(job, "metadata"), "name"));   // a DNS-1123 label
        var pod = Map(Map(Map(job, "spec"), "template"), "spec");
        Assert.Contains(Scalar(pod, "restartPolicy"), new[] { "Never", "OnFailure" });
        var container = (YamlMappingNode)Assert.Single(Sequence(pod, "containers"));
        Assert.NotEmpty(Scalar(container, "name"));
        Assert.NotEmpty(Scalar(container, "image"));
        Assert.Equal(3, Sequence(container, "command").Children.Count);
        var mount = (YamlMappingNode)Assert.Single(Sequence(container, "volumeMounts"));
        Assert.Equal(folder, Scalar(mount, "mountPath"));
        var volume = (YamlMappingNode)Assert.Single(Sequence(pod, "volumes"));
        Assert.Equal(Scalar(mount, "name"), Scalar(volume, "name"));
        Assert.Equal("lab-pvc", Scalar(Map(volume, "persistentVolumeClaim"), "claimName"));
        return container;
    }

    [Fact]
    public void TheKubernetesIndexedJobParsesAndHasEveryRequiredField()
    {
        var root = TestPaths.NewTempFolder("facegen-emit");
        var spec = ClusterSpec.Write(root);
        var output = Path.Combine(root, "grid");
        var run = CliProcess.Run(["ablate", spec, "--out", output, "--profile", "quick", "--emit", "k8s", "--image", "registry.lab/facegen:1.0",
            "--volume-claim", "lab-pvc", "--cpus-per-task", "4", "--gpus-per-task", "1", "--max-concurrent", "3", "--memory", "6Gi", "--facegen", "facegen"]);
        Assert.True(run.ExitCode == 0, run.All);

        var job = Load(Path.Combine(output, "k8s", "ablate-job.yaml"));
        var container = AssertValidJob(job, output);
        var spec4 = Map(job, "spec");
        Assert.Equal(("Indexed", "4", "3"), (Scalar(spec4, "completionMode"), Scalar(spec4, "completions"), Scalar(spec4, "parallelism")));
        Assert.Equal("registry.lab/facegen:1.0", Scalar(container, "image"));
        var shell = ((YamlScalarNode)Sequence(container, "command").Children[2]).Value!;
        Assert.Equal($"exec facegen ablate '{output}/spec.json' --out '{output}' --profile quick --shard \"$JOB_COMPLETION_INDEX/4\"", shell);
        Assert.Equal(ClusterSpec.Json, File.ReadAllText(Path.Combine(output, "spec.json")));   // the pods read the spec from the volume
        var env = Sequence(container, "env").Children.Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => Scalar(e, "value"));
        Assert.Equal(("cuda", "4"), (env["FACEGEN_DEVICE"], env["FACEGEN_THREADS"]));
        var resources = Map(container, "resources");
        Assert.Equal(("4", "6Gi"), (Scalar(Map(resources, "requests"), "cpu"), Scalar(Map(resources, "requests"), "memory")));
        Assert.Equal("1", Scalar(Map(resources, "limits"), "nvidia.com/gpu"));

        var report = Load(Path.Combine(output, "k8s", "report-job.yaml"));
        var reportContainer = AssertValidJob(report, output);
        Assert.Equal($"exec facegen report '{output}'", ((YamlScalarNode)Sequence(reportContainer, "command").Children[2]).Value);
        Assert.Equal(Scalar(Map(job, "metadata"), "name") + "-report", Scalar(Map(report, "metadata"), "name"));

        // Without GPUs: no GPU limit, and the cells run on the CPU.
        var cpu = CliProcess.Run(["ablate", spec, "--out", Path.Combine(root, "cpu"), "--profile", "quick", "--emit", "k8s", "--volume-claim", "lab-pvc"]);
        Assert.True(cpu.ExitCode == 0, cpu.All);
        var cpuContainer = AssertValidJob(Load(Path.Combine(root, "cpu", "k8s", "ablate-job.yaml")), Path.Combine(root, "cpu"));
        Assert.False(Map(Map(cpuContainer, "resources"), "limits").Children.ContainsKey(new YamlScalarNode("nvidia.com/gpu")));
        Assert.Equal("cpu", Scalar(Sequence(cpuContainer, "env").Children[0], "value"));
    }
}

/// <summary>Runs only where Slurm's <c>sbatch</c> is on PATH (<c>.ci/slurm-up</c> brings up a one-node cluster);
/// skipped with the reason otherwise. With FACEGEN_REQUIRE_SLURM=1 (set by .ci/run) a missing or unreachable Slurm
/// is a failure rather than a skip.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("FACEGEN_REQUIRE_SLURM") == "1") return;
        if (!SlurmArrayTests.OnPath("sbatch")) Skip = "sbatch is not on PATH (no Slurm here; bash .ci/slurm-up brings up a one-node cluster)";
        else if (SlurmArrayTests.Shell("scontrol ping") is var ping && (ping.ExitCode != 0 || !ping.Output.Contains("is UP")))
            Skip = "sbatch is on PATH but no Slurm controller answers (bash .ci/slurm-up starts one; then export SLURM_CONF as it says)";
    }
}

public class SlurmArrayTests(ITestOutputHelper log)
{
    public static bool OnPath(string command) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, command)));

    public static (int ExitCode, string Output) Shell(string command)
    {
        var info = new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>Submits the grid (submit.sh) and returns the array's and the report's job ids.</summary>
    static (string Array, string Report) Submit(string folder)
    {
        var (code, output) = Shell($"bash '{folder}/slurm/submit.sh'");
        Assert.True(code == 0, output);
        var match = System.Text.RegularExpressions.Regex.Match(output, @"array job (\d+) .*report job (\d+)");
        Assert.True(match.Success, output);
        return (match.Groups[1].Value, match.Groups[2].Value);
    }

    /// <summary>Polls squeue until none of <paramref name="jobs"/> is pending or running.</summary>
    static void WaitFor(TimeSpan timeout, params string[] jobs)
    {
        var clock = Stopwatch.StartNew();
        while (Shell($"squeue -h -j {string.Join(',', jobs)} -o %i").Output.Trim().Length > 0)
        {
            Assert.True(clock.Elapsed < timeout, $"jobs {string.Join(", ", jobs)} still queued after {timeout}: {Shell("squeue").Output}");
            Thread.Sleep(500);
        }
    }

    [SlurmFact]
    public void TheArraysTablesEqualTheSequentialRunsAndAKilledTaskIsRecoveredByResubmitting()
    {
        var root = TestPaths.NewTempFolder("facegen-slurm");
        var spec = ClusterSpec.Write(root);
        var environment = new Dictionary<string, string> { ["FACEGEN_THREADS"] = "1" };

        var sequentialClock = Stopwatch.StartNew();
        var sequential = CliProcess.Run(["ablate", spec, "--out", Path.Combine(root, "sequential"), "--profile", "quick"], environment);
        Assert.True(sequential.ExitCode == 0, sequential.All);
        log.WriteLine($"sequential: {sequentialClock.Elapsed.TotalSeconds:F1} s");

        var grid = Path.Combine(root, "array");
        var emit = CliProcess.Run(["ablate", spec, "--out", grid, "--profile", "quick", "--emit", "slurm", "--cpus-per-task", "1", "--max-concurrent", "4"], environment);
        Assert.True(emit.ExitCode == 0, emit.All);

        // First submission: task 3 is cancelled while its cell runs.
        var arrayClock = Stopwatch.StartNew();
        var (array, report) = Submit(grid);
        var killed = "loss-lsgan-s2";   // cell 3
        var claim = Path.Combine(grid, "claims", killed);
        var clock = Stopwatch.StartNew();
        while (!Directory.Exists(claim))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(3), $"cell {killed} never started: {Shell("squeue").Output}");
            Thread.Sleep(200);
        }
        Thread.Sleep(1500);   // well inside the cell's training (it takes seconds)
        Assert.Equal(0, Shell($"scancel {array}_3").ExitCode);
        WaitFor(TimeSpan.FromMinutes(5), array, report);
        log.WriteLine($"first submission (task 3 cancelled): {arrayClock.Elapsed.TotalSeconds:F1} s");
        Assert.False(File.Exists(Path.Combine(grid, "runs", killed, "result.json")));
        var reportLog = File.ReadAllText(Path.Combine(grid, "logs", "report.out"));
        Assert.Contains($"1 of 4 cells missing: {killed}", reportLog);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(grid, "results.csv")).Length);   // header + the three finished cells

        // Resubmitting the same array finishes the grid: the three finished cells are kept, the killed one redone.
        var resubmitClock = Stopwatch.StartNew();
        (array, report) = Submit(grid);
        WaitFor(TimeSpan.FromMinutes(5), array, report);
        log.WriteLine($"resubmission: {resubmitClock.Elapsed.TotalSeconds:F1} s");
        for (int task = 0; task < 3; task++)
            Assert.Contains("0 runs now, 1 kept from before", File.ReadAllText(Path.Combine(grid, "logs", $"cell-{task}.out")));
        Assert.Contains("1 runs now, 0 kept from before", File.ReadAllText(Path.Combine(grid, "logs", "cell-3.out")));
        var attempts = CellClaims.Attempts(grid);
        // Cells started over both submissions: the killed cell twice, every other once (never redone).
        Assert.Equal(["loss-hinge-s1=1", "loss-hinge-s2=1", "loss-lsgan-s1=1", $"{killed}=2"],
            attempts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        Assert.Contains("all 4 cells finished.", File.ReadAllText(Path.Combine(grid, "logs", "report.out")));

        Assert.Equal(File.ReadAllText(Path.Combine(root, "sequential", "summary.md")), File.ReadAllText(Path.Combine(grid, "summary.md")));
        Assert.Equal(ClusterSpec.DeterministicColumns(Path.Combine(root, "sequential", "results.csv")),
            ClusterSpec.DeterministicColumns(Path.Combine(grid, "results.csv")));
    }
}
