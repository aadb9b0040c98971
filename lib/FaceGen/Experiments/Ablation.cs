using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FaceGen.Data;
using FaceGen.Runtime;

namespace FaceGen.Experiments;

/// <summary>How <see cref="Ablation.Run(ExperimentSpec, string, AblationOptions, IProgress{ProgressReport})"/> runs.</summary>
public sealed record AblationOptions
{
    /// <summary>quick, standard or full; null = <see cref="Runtime.Profile.Current"/> (FACEGEN_PROFILE, default standard).</summary>
    public string? Profile { get; init; }
    /// <summary>Time budget of this call in minutes; null = none. No run starts once the budget is spent, or when the
    /// mean duration of the runs done so far in this call would overrun it; a started run always finishes.</summary>
    public double? MaxMinutes { get; init; }
    /// <summary>Runs one cell; null = the real jobs (<see cref="ExperimentJobs"/>). Tests count invocations with it.</summary>
    public RunExecutor? Executor { get; init; }
    /// <summary>Time since the call began; null = a stopwatch. Tests pass a fake clock.</summary>
    public Func<TimeSpan>? Clock { get; init; }
    /// <summary>Write charts.html (Plotly, about 4 MB) at the end (when a run was done now or it is missing).</summary>
    public bool Charts { get; init; } = true;
}

/// <summary>The record of a finished run, written atomically as <c>runs/&lt;run&gt;/result.json</c> after everything
/// else of the run: a run folder without it is unfinished and is run again. <paramref name="Options"/> is the job's
/// resolved configuration (also the job's own <c>config.json</c>).</summary>
public sealed record RunRecord(int Index, string Experiment, ExperimentModel Model, string Profile, string Setting, int Seed,
    string Folder, IReadOnlyDictionary<string, string> Overrides, IReadOnlyDictionary<string, double> Metrics, JsonObject Options);

/// <summary>
/// Runs an experiment (<see cref="ExperimentSpec"/>) into a folder, sequentially, one cell at a time:
/// <code>
/// DIR/experiment.json            name, model, profile, planned runs, the spec's text
/// DIR/runs/&lt;setting&gt;-s&lt;seed&gt;/  the job's folder (config.json, history.csv, checkpoints, report.html …) + result.json
/// DIR/recognizer/                GAN with a "recognizer" of options: the recogniser trained for embedding metrics
/// DIR/results.csv, summary.md    rewritten after every run; charts.html at the end
/// </code>
/// Calling it again on the same folder resumes: runs with a <c>result.json</c> whose options equal the planned ones
/// are kept, unfinished ones are deleted and run again. <c>facegen ablate SPEC --out DIR</c> calls this.
/// </summary>
public static class Ablation
{
    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Notebook form: runs <paramref name="spec"/> into <paramref name="folder"/> in the given profile (null:
    /// FACEGEN_PROFILE) within <paramref name="maxMinutes"/>.</summary>
    public static AblationResult Run(ExperimentSpec spec, string folder, IProgress<ProgressReport>? progress = null, double? maxMinutes = null,
        string? profile = null) =>
        Run(spec, folder, new AblationOptions { MaxMinutes = maxMinutes, Profile = profile }, progress);

    /// <summary>Runs every planned run of <paramref name="spec"/> that <paramref name="folder"/> does not hold finished,
    /// in order, until done or the budget is spent; then writes the reports. Progress: task "ablate &lt;name&gt;"
    /// counts runs; each run's own reports are renamed "&lt;run&gt;: &lt;task&gt;".</summary>
    public static AblationResult Run(ExperimentSpec spec, string folder, AblationOptions options, IProgress<ProgressReport>? progress = null)
    {
        var profile = options.Profile ?? Runtime.Profile.Current;
        var plan = spec.Expand(profile);
        folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Path.Combine(folder, "runs"));
        WriteExperiment(spec, folder, profile, plan);
        var stopwatch = Stopwatch.StartNew();
        var clock = options.Clock ?? (() => stopwatch.Elapsed);
        using var jobs = options.Executor is null ? new ExperimentJobs(spec, folder, profile) : null;
        RunExecutor execute = options.Executor ?? jobs!.Run;

        string task = $"ablate {spec.Name}";
        int ran = 0, resumed = 0;
        double ranSeconds = 0;
        bool budgetSpent = false;
        foreach (var run in plan)
        {
            progress?.Report(new(task, ran + resumed, plan.Count, "runs"));
            var runFolder = Path.Combine(folder, "runs", run.FolderName);
            if (IsFinished(run, runFolder, spec))
            {
                resumed++;
                continue;
            }
            if (options.MaxMinutes is double minutes && OverBudget(clock().TotalSeconds, ran == 0 ? 0 : ranSeconds / ran, minutes * 60))
            {
                budgetSpent = true;
                break;
            }
            jobs?.Prepare(progress);
            var started = clock();
            RunOne(run, runFolder, spec, profile, execute, ExperimentJobs.Rename(progress, run.FolderName));
            ranSeconds += (clock() - started).TotalSeconds;
            ran++;
            AblationReport.Write(AblationResult.Load(folder), charts: false);
        }
        progress?.Report(new(task, ran + resumed, plan.Count, "runs"));
        var result = AblationResult.Load(folder) with { RanNow = ran, Resumed = resumed, BudgetSpent = budgetSpent };
        // charts.html is the slow file (Plotly): rewritten only when something changed or it is missing.
        AblationReport.Write(result, options.Charts && (ran > 0 || !File.Exists(Path.Combine(folder, "charts.html"))));
        return result;
    }

    /// <summary>Whether a run that would take <paramref name="expectedSeconds"/> may start at <paramref name="elapsedSeconds"/>
    /// within <paramref name="budgetSeconds"/>.</summary>
    public static bool OverBudget(double elapsedSeconds, double expectedSeconds, double budgetSeconds) =>
        elapsedSeconds >= budgetSeconds || elapsedSeconds + expectedSeconds > budgetSeconds;

    static void RunOne(PlannedRun run, string runFolder, ExperimentSpec spec, string profile, RunExecutor execute, IProgress<ProgressReport>? progress)
    {
        // Whatever an interrupted attempt left is discarded: the run starts again from an empty folder.
        if (Directory.Exists(runFolder)) Directory.Delete(runFolder, recursive: true);
        Directory.CreateDirectory(runFolder);
        using var memory = PeakMemory.Start();
        var clock = Stopwatch.StartNew();
        var measured = execute(run, runFolder, progress);
        double wall = clock.Elapsed.TotalSeconds;
        var metrics = new Dictionary<string, double>(measured.Metrics)
        {
            ["wall_s"] = wall,
            ["steps_per_s"] = measured.TrainSeconds > 0 ? measured.Steps / measured.TrainSeconds : double.NaN,
            ["peak_rss_mb"] = memory.PeakMegabytes,
            ["parameters"] = measured.Parameters,
        };
        var record = new RunRecord(run.Index, spec.Name, spec.Model, profile, run.Setting, run.Seed, run.FolderName, run.Overrides, metrics,
            OptionsJson(run));
        AtomicFile.WriteAllText(Path.Combine(runFolder, "result.json"), JsonSerializer.Serialize(record, Json));
    }

    /// <summary>A finished run: its result.json exists and was made with the same options. A result made with other
    /// options (the spec changed under the same setting name) is an error rather than silently mixed in.</summary>
    static bool IsFinished(PlannedRun run, string runFolder, ExperimentSpec spec)
    {
        var path = Path.Combine(runFolder, "result.json");
        if (!File.Exists(path)) return false;
        var record = ReadRecord(path);
        if (!JsonNode.DeepEquals(record.Options, OptionsJson(run)))
            throw new DataException(path, $"run '{run.FolderName}' was made with other options than {spec.Source} now gives it " +
                "(the spec changed); run into a new --out folder, or delete this run folder to redo it.");
        return true;
    }

    internal static RunRecord ReadRecord(string path)
    {
        try { return JsonSerializer.Deserialize<RunRecord>(File.ReadAllText(path), Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new DataException(path, $"not a run result written by facegen ablate ({e.Message}); delete the run folder to redo it."); }
    }

    static JsonObject OptionsJson(PlannedRun run) => (JsonObject)JsonSerializer.SerializeToNode(run.Options, run.Options.GetType(), Json)!;

    static void WriteExperiment(ExperimentSpec spec, string folder, string profile, IReadOnlyList<PlannedRun> plan)
    {
        var path = Path.Combine(folder, "experiment.json");
        if (File.Exists(path))
        {
            var earlier = JsonNode.Parse(File.ReadAllText(path));
            if (earlier?["name"]?.GetValue<string>() != spec.Name || earlier?["model"]?.GetValue<string>() != spec.Model.ToString().ToLowerInvariant())
                throw new DataException(folder, $"holds experiment '{earlier?["name"]}' ({earlier?["model"]}), not '{spec.Name}'; choose a new --out folder.");
        }
        var experiment = new ExperimentRecord(spec.Name, spec.Model, spec.Description, profile, plan.Count,
            plan.Select(r => r.Setting).Distinct().ToArray(), spec.Metrics.ToArray(), spec.Source, spec.Text);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(experiment, Json));
    }

    /// <summary>The record of the experiment as a whole (<c>experiment.json</c>).</summary>
    internal sealed record ExperimentRecord(string Name, ExperimentModel Model, string? Description, string Profile, int PlannedRuns,
        string[] Settings, string[] Columns, string Source, string Spec);
}
