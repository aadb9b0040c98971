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
    /// <summary>Run only the cells of this shard (null: every cell); a Slurm array task or Kubernetes pod is one shard.</summary>
    public Shard? Shard { get; init; }
    /// <summary>Run only the cell with this id (<see cref="PlannedRun.FolderName"/>); null: every cell of the shard.</summary>
    public string? Cell { get; init; }
    /// <summary>The claims on cells (heartbeat limit); null = <see cref="CellClaims"/> with its defaults.</summary>
    public TimeSpan? StaleClaimAfter { get; init; }

    /// <summary>Refuses a budget that is not a finite number of minutes &gt; 0 (NaN would never be spent, ∞ is no budget).</summary>
    public void Validate(OptionSpelling spelling = OptionSpelling.CommandLine) =>
        new OptionCheck(spelling).Positive(MaxMinutes, "--max-minutes", "maxMinutes");
}

/// <summary>Shard <paramref name="Index"/> (0-based) of <paramref name="Count"/>: the cells whose index i has
/// i mod Count = Index. With Count = the number of cells, each shard is one cell.</summary>
public sealed record Shard(int Index, int Count)
{
    /// <summary>Reads "I/N" (0 ≤ I &lt; N).</summary>
    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int index) || !int.TryParse(parts[1], out int count) || count < 1 || index < 0 || index >= count)
            throw new ArgumentException($"--shard {text}: expected I/N with 0 ≤ I < N, e.g. --shard 0/4 (the first of four shards).");
        return new Shard(index, count);
    }

    public bool Contains(PlannedRun run) => run.Index % Count == Index;
}

/// <summary>The record of a finished run, written atomically as <c>runs/&lt;run&gt;/result.json</c> after everything
/// else of the run: a run folder without it is unfinished and is run again. <paramref name="Options"/> is the job's
/// resolved configuration (also the job's own <c>config.json</c>).</summary>
public sealed record RunRecord(int Index, string Experiment, ExperimentModel Model, string Profile, string Setting, int Seed,
    string Folder, IReadOnlyDictionary<string, string> Overrides, IReadOnlyDictionary<string, double> Metrics, JsonObject Options);

/// <summary>
/// Runs an experiment (<see cref="ExperimentSpec"/>) into a folder, sequentially, one cell at a time:
/// <code>
/// DIR/experiment.json            name, model, profile, planned runs, the spec's text, its plan hash and cell ids
/// DIR/claims/&lt;cell&gt;/            the claim of the worker running a cell (<see cref="CellClaims"/>)
/// DIR/runs/&lt;setting&gt;-s&lt;seed&gt;/  the job's folder (config.json, history.csv, checkpoints, report.html …) + result.json
/// DIR/recognizer/                GAN with a "recognizer" of options: the recogniser trained for embedding metrics
/// DIR/results.csv, summary.md    rewritten after every run; charts.html at the end
/// </code>
/// Calling it again on the same folder resumes: runs with a <c>result.json</c> whose options equal the planned ones
/// are kept, unfinished ones are deleted and run again. Several workers may run on one folder at once (on one machine
/// or, through a shared file system, on a cluster's nodes): each cell is claimed before it runs, so none runs twice;
/// a cell claimed by a live worker is skipped, one claimed by a dead worker is redone. <c>facegen ablate SPEC --out DIR</c>
/// calls this (with <c>--shard I/N</c> or <c>--cell ID</c> for a part of the grid).
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
        options.Validate();
        var profile = options.Profile ?? Runtime.Profile.Current;
        folder = Path.GetFullPath(folder);
        var plan = Plan(spec, folder, profile);
        var selected = Select(plan, options);
        var claims = options.StaleClaimAfter is TimeSpan stale ? new CellClaims(folder) { StaleAfter = stale } : new CellClaims(folder);
        var stopwatch = Stopwatch.StartNew();
        var clock = options.Clock ?? (() => stopwatch.Elapsed);
        using var jobs = options.Executor is null ? new ExperimentJobs(spec, folder, profile) : null;
        RunExecutor execute = options.Executor ?? jobs!.Run;

        string task = $"ablate {spec.Name}";
        int ran = 0, resumed = 0, heldElsewhere = 0;
        double ranSeconds = 0;
        bool budgetSpent = false;
        foreach (var run in selected)
        {
            progress?.Report(new(task, ran + resumed + heldElsewhere, selected.Count, "runs"));
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
            using (var claim = claims.TryClaim(run.FolderName))
            {
                if (claim is null)
                {
                    heldElsewhere++;
                    continue;
                }
                // Finished between the first look and the claim (by the worker that held it): kept, not redone.
                if (IsFinished(run, runFolder, spec))
                {
                    resumed++;
                    continue;
                }
                claim.RecordStart();
                jobs?.Prepare(progress);
                var started = clock();
                RunOne(run, runFolder, spec, profile, execute, ExperimentJobs.Rename(progress, run.FolderName));
                ranSeconds += (clock() - started).TotalSeconds;
                ran++;
            }
            WriteReports(folder, charts: false);
        }
        progress?.Report(new(task, ran + resumed + heldElsewhere, selected.Count, "runs"));
        // charts.html is the slow file (Plotly): rewritten only when something changed or it is missing.
        var result = WriteReports(folder, options.Charts && (ran > 0 || !File.Exists(Path.Combine(folder, "charts.html")))) with
        {
            RanNow = ran, Resumed = resumed, HeldElsewhere = heldElsewhere, Selected = selected.Count, BudgetSpent = budgetSpent,
        };
        return result;
    }

    /// <summary>Writes results.csv and summary.md (and charts.html) from the finished runs. Another worker may finish a
    /// cell while this one reads, and then write its tables before this one's: written again until no result.json
    /// appeared meanwhile, so the last tables written always hold every finished cell.</summary>
    static AblationResult WriteReports(string folder, bool charts)
    {
        while (true)
        {
            var result = AblationResult.Load(folder);
            AblationReport.Write(result, charts);
            if (FinishedCount(folder) == result.Runs.Count) return result;
        }
    }

    static int FinishedCount(string folder) =>
        Directory.EnumerateFiles(Path.Combine(folder, "runs"), "result.json", SearchOption.AllDirectories).Count();

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

    /// <summary>The cells of <paramref name="options"/>' shard and cell (every cell when neither is given).</summary>
    static IReadOnlyList<PlannedRun> Select(IReadOnlyList<PlannedRun> plan, AblationOptions options)
    {
        var selected = plan.Where(r => options.Shard?.Contains(r) ?? true).ToList();
        if (options.Shard is { } shard && shard.Count > plan.Count)
            throw new ArgumentException($"--shard {shard.Index}/{shard.Count}: the experiment has only {plan.Count} cells, so N must be at most {plan.Count}.");
        if (options.Cell is null) return selected;
        var cell = plan.FirstOrDefault(r => r.FolderName == options.Cell)
            ?? throw new ArgumentException($"--cell {options.Cell}: no such cell; the cells are {Listing(plan.Select(r => r.FolderName))} (facegen ablate SPEC --out DIR --plan lists them).");
        return selected.Contains(cell) ? [cell] : throw new ArgumentException($"--cell {options.Cell} is not in --shard {options.Shard!.Index}/{options.Shard.Count}.");
    }

    /// <summary>The first few names and how many more.</summary>
    public static string Listing(IEnumerable<string> names, int shown = 8)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(shown)) + (list.Count > shown ? $" … ({list.Count - shown} more)" : "");
    }

    /// <summary>The hash of a plan: SHA-256 over the profile and every cell's id and resolved options, in order. Two
    /// specs that plan the same cells with the same options (whatever their comments or key order) have one hash.</summary>
    public static string PlanHash(IReadOnlyList<PlannedRun> plan, string profile)
    {
        var text = new System.Text.StringBuilder($"profile {profile}\n");
        foreach (var run in plan) text.Append(run.FolderName).Append('\t').Append(OptionsJson(run).ToJsonString()).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Prepares <paramref name="folder"/> for <paramref name="spec"/>'s cells in <paramref name="profile"/> and
    /// returns them: a new (or empty) folder gets <c>experiment.json</c> (the spec, its plan hash and the cell ids); a
    /// folder that holds the same plan is resumed; anything else is refused — a folder that is not an experiment
    /// (nothing in it is touched), or an experiment with another plan (other cells, options or profile: its runs would
    /// mix into the tables). Safe when several workers do it at once: experiment.json is created only if absent.</summary>
    public static IReadOnlyList<PlannedRun> Plan(ExperimentSpec spec, string folder, string profile)
    {
        folder = Path.GetFullPath(folder);
        var plan = spec.Expand(profile);
        var hash = PlanHash(plan, profile);
        var path = Path.Combine(folder, "experiment.json");
        if (File.Exists(folder)) throw new DataException(folder, "is a file, not an experiment folder; choose a new --out folder.");
        // Another worker planning this folder at the same moment may have left its draft of experiment.json, or already
        // moved it in and made runs/: so the folder is listed first, and experiment.json looked for after (everything
        // else a worker writes comes after experiment.json, which is never removed).
        bool foreign = Directory.Exists(folder) &&
            Directory.EnumerateFileSystemEntries(folder).Any(e => !Path.GetFileName(e).StartsWith("experiment.json.tmp", StringComparison.Ordinal));
        if (foreign && !File.Exists(path))
            throw new DataException(folder, "is not empty and holds no experiment.json, so it is not an experiment folder of facegen ablate; " +
                "nothing in it was touched. Choose a new --out folder.");
        Directory.CreateDirectory(folder);
        var cells = plan.Select(r => r.FolderName).ToArray();
        if (!File.Exists(path))
        {
            var experiment = new ExperimentRecord(spec.Name, spec.Model, spec.Description, profile, plan.Count,
                plan.Select(r => r.Setting).Distinct().ToArray(), spec.Metrics.ToArray(), spec.Source, spec.Text, hash, cells);
            var draft = $"{path}.tmp{Environment.ProcessId}-{Guid.NewGuid():N}";
            File.WriteAllText(draft, JsonSerializer.Serialize(experiment, Json));
            try { File.Move(draft, path, overwrite: false); }
            catch (IOException) when (File.Exists(path)) { File.Delete(draft); }   // another worker planned it first: compare below
        }
        Directory.CreateDirectory(Path.Combine(folder, "runs"));
        var earlier = JsonSerializer.Deserialize<ExperimentRecord>(File.ReadAllText(path), Json)
            ?? throw new DataException(path, "empty; delete it only if this folder holds no runs you want to keep.");
        if (earlier.Name != spec.Name || earlier.Model != spec.Model)
            throw new DataException(folder, $"holds experiment '{earlier.Name}' ({earlier.Model.ToString().ToLowerInvariant()}), not '{spec.Name}'; choose a new --out folder.");
        if (earlier.SpecHash is { } earlierHash && earlierHash != hash)
        {
            var before = earlier.Cells ?? [];
            var added = cells.Except(before).ToList();
            var removed = before.Except(cells).ToList();
            var what = added.Count + removed.Count == 0
                ? $"the same {cells.Length} cells with other options or profile (it was planned for profile {earlier.Profile}, this is {profile})"
                : string.Join("; ", new[] { added.Count > 0 ? $"cells added: {Listing(added)}" : null, removed.Count > 0 ? $"cells removed: {Listing(removed)}" : null }.OfType<string>());
            throw new DataException(folder, $"holds experiment '{spec.Name}' planned with another spec (plan hash {earlierHash[..12]}, {before.Length} cells); " +
                $"{spec.Source} now plans {what} (hash {hash[..12]}). Its runs would mix into results.csv and summary.md, so nothing was run: " +
                "choose a new --out folder, or restore the spec it was planned with.");
        }
        return plan;
    }

    /// <summary>The record of the experiment as a whole (<c>experiment.json</c>).</summary>
    internal sealed record ExperimentRecord(string Name, ExperimentModel Model, string? Description, string Profile, int PlannedRuns,
        string[] Settings, string[] Columns, string Source, string Spec, string? SpecHash = null, string[]? Cells = null);
}
