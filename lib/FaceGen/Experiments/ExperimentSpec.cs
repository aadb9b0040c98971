using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Runtime;

namespace FaceGen.Experiments;

/// <summary>Which job an experiment runs: <see cref="GanJob"/>, <see cref="VaeJob"/> or
/// <see cref="RecognizerJob"/>.</summary>
public enum ExperimentModel { Gan, Vae, Recognizer }

/// <summary>One axis of a grid: an option key and the values it takes, in the order given.</summary>
public sealed record GridAxis(string Key, IReadOnlyList<JsonNode?> Values);

/// <summary>A named setting: option values that differ from the base (a "configuration diff").</summary>
public sealed record NamedSetting(string Name, JsonObject Overrides);

/// <summary>What a profile changes: options on top of the base, grid axes that replace (or add to) the spec's, and
/// options on top of the spec's <c>recognizer</c> options.</summary>
public sealed record ProfileOverrides(JsonObject Base, IReadOnlyList<GridAxis> Grid, JsonObject Recognizer);

/// <summary>
/// An ablation experiment: a base configuration of one job, a grid of option values and named settings, each run
/// with several seeds. Read from JSON (comments and trailing commas allowed):
/// <code>
/// {
///   "name": "gan-losses",                 // required: names the experiment in tables
///   "model": "gan",                       // required: gan | vae | recognizer
///   "description": "…",                   // optional
///   "base": { "imageSize": 32, … },       // options of the job (camelCase property names of GanJobOptions,
///                                         //   VaeJobOptions or RecognizerJobOptions); the rest keep their defaults
///   "grid": { "loss": ["hinge", "lsgan"], "seed": [1, 2, 3] },   // every combination of the non-seed axes is a setting
///   "settings": { "hinge+sn": { "loss": "hinge", "norm": "spectral" } },   // further named settings (diffs on base)
///   "profiles": { "quick": { "base": { "steps": 40 }, "grid": { "seed": [1] }, "recognizer": { "steps": 40 } } },
///   "metrics": ["fd_pixels8_best", "wall_s"],   // optional: the columns of the summary (default: all of the model's)
///   "recognizer": "runs/rec" | { "steps": 200 }  // gan only, optional: embedding-space FD/KID/precision/recall with a
///                                         //   recogniser run folder, or one trained once per experiment with these options
/// }
/// </code>
/// Settings: the combinations of the non-seed grid axes (named "key=value, key=value", last axis fastest), then the
/// named settings; with neither, one setting "base". Every setting runs once per value of the <c>seed</c> axis (default:
/// the base's seed). Precedence: job defaults &lt; base &lt; profile base &lt; setting &lt; seed.
/// Profiles: <c>quick</c> (CI, notebooks), <c>standard</c> (a laptop CPU, the default) and <c>full</c> (a GPU) — a
/// spec names the sizes of each (steps, image size, seeds …); a profile a spec does not name leaves it unchanged.
/// Every value is checked when the spec is read: unknown keys (with the nearest valid name), wrong types, empty axes,
/// and combinations the job cannot run (<see cref="ExperimentValidation"/>); errors are <see cref="DataException"/>s
/// naming the file and the key.
/// </summary>
public sealed class ExperimentSpec
{
    /// <summary>The profile names a spec may define and <see cref="Expand"/> accepts.</summary>
    public static IReadOnlyList<string> ProfileNames { get; } = ["quick", "standard", "full"];

    /// <summary>The most cells (settings × seeds) a spec may plan in one profile.</summary>
    public const int MaxCells = 10_000;

    // A key given twice is an error (which value was meant?), not "An item with the same key has already been added".
    static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false };
    static readonly string[] TopLevelKeys = ["name", "model", "description", "base", "grid", "settings", "profiles", "metrics", "recognizer"];

    /// <summary>The experiment's name (from the spec).</summary>
    public string Name { get; }
    public ExperimentModel Model { get; }
    public string? Description { get; }
    /// <summary>The file the spec came from, or "&lt;inline spec&gt;"; error messages name it.</summary>
    public string Source { get; }
    /// <summary>The spec's text as read.</summary>
    public string Text { get; }
    public JsonObject Base { get; }
    public IReadOnlyList<GridAxis> Grid { get; }
    public IReadOnlyList<NamedSetting> Settings { get; }
    public IReadOnlyDictionary<string, ProfileOverrides> Profiles { get; }
    /// <summary>Summary columns asked for; empty = every metric of the model (<see cref="AblationMetrics.For"/>).</summary>
    public IReadOnlyList<string> Metrics { get; }
    /// <summary>GAN only: a recogniser run folder (resolved against the spec's folder) for embedding-space metrics.</summary>
    public string? RecognizerRun { get; }
    /// <summary>GAN only: options of a recogniser trained once per experiment for embedding-space metrics.</summary>
    public JsonObject? RecognizerOverrides { get; }

    ExperimentSpec(string source, string text, JsonObject root)
    {
        Source = source;
        Text = text;
        foreach (var (key, _) in root)
            if (!TopLevelKeys.Contains(key)) throw Error($"unknown top-level key '{key}'{OptionNames.Suggest(key, TopLevelKeys)}; expected one of {string.Join(", ", TopLevelKeys)}.");
        Name = RequiredString(root, "name");
        var model = RequiredString(root, "model");
        Model = model.ToLowerInvariant() switch
        {
            "gan" => ExperimentModel.Gan,
            "vae" => ExperimentModel.Vae,
            "recognizer" or "recogniser" => ExperimentModel.Recognizer,
            _ => throw Error($"model '{model}': expected gan, vae or recognizer."),
        };
        Description = root["description"] is JsonNode d ? StringValue(d, "description") : null;
        var catalog = OptionKeys.For(Model);
        Base = Object(root, "base");
        catalog.CheckObject(Base, "base", this);
        Grid = Axes(Object(root, "grid"), "grid", catalog);
        Settings = Object(root, "settings").Select(kv => new NamedSetting(kv.Key, ObjectValue(kv.Value, $"settings.{kv.Key}")))
            .Select(s => { catalog.CheckObject(s.Overrides, $"settings.{s.Name}", this); return s; }).ToList();
        Profiles = ReadProfiles(Object(root, "profiles"), catalog);
        Metrics = ReadMetrics(root["metrics"]);
        (RecognizerRun, RecognizerOverrides) = ReadRecognizer(root["recognizer"]);
        // Expanding every profile once checks every combination the spec can produce, now rather than mid-experiment.
        foreach (var profile in ProfileNames)
        {
            Expand(profile);
            RecognizerOptions(profile);
        }
    }

    /// <summary>Reads and validates a spec file.</summary>
    public static ExperimentSpec Load(string path)
    {
        if (!File.Exists(path)) throw new DataException(path, "no such spec file; see data/experiments/README.md for the format.");
        return Parse(File.ReadAllText(path), Path.GetFullPath(path));
    }

    /// <summary>Reads and validates a spec from its JSON text; <paramref name="source"/> names it in errors and
    /// resolves a relative <c>recognizer</c> path.</summary>
    public static ExperimentSpec Parse(string json, string source = "<inline spec>")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: DocumentOptions); }
        catch (JsonException e) { throw new DataException(source, $"not valid JSON: {e.Message}"); }
        if (root is not JsonObject obj) throw new DataException(source, "expected a JSON object { \"name\": …, \"model\": …, \"base\": …, \"grid\": … }.");
        return new ExperimentSpec(source, json, obj);
    }

    /// <summary>Every run of the experiment in the given profile (null: <see cref="Runtime.Profile.Current"/>), in
    /// running order: seed by seed (so that a time budget cut leaves every setting with as many seeds as possible),
    /// within a seed setting by setting.</summary>
    public IReadOnlyList<PlannedRun> Expand(string? profile = null)
    {
        profile ??= Runtime.Profile.Current;
        if (!ProfileNames.Contains(profile)) throw new ArgumentException($"--profile {profile}: expected quick, standard or full.");
        var chosen = Profiles.TryGetValue(profile, out var p) ? p : new ProfileOverrides(new JsonObject(), [], new JsonObject());
        var baseOptions = Merge(Base, chosen.Base);
        // A profile's axis takes the place of the spec's axis of the same name; new axes come last.
        var axes = Grid.Select(a => chosen.Grid.FirstOrDefault(r => r.Key == a.Key) ?? a)
            .Concat(chosen.Grid.Where(r => Grid.All(a => a.Key != r.Key))).ToList();
        var seeds = axes.FirstOrDefault(a => a.Key == "seed")?.Values.Select(v => v!.GetValue<int>()).ToArray()
            ?? [OptionKeys.For(Model).Seed(baseOptions)];
        // Counted before anything is built: a grid of millions of cells would take minutes and gigabytes to expand.
        var settingAxes = axes.Where(a => a.Key != "seed").ToList();
        // cells = (Π sizes of the setting axes (0 without axes) + named settings) × seeds, in double: it cannot overflow.
        double cells = ((settingAxes.Count == 0 ? 0 : settingAxes.Aggregate(1.0, (n, a) => n * a.Values.Count)) + Settings.Count) * seeds.Length;
        if (cells > MaxCells)
            throw Error(string.Create(CultureInfo.InvariantCulture, $"profile {profile}: the grid has {cells:N0} cells ({string.Join(" × ", axes.Select(a => $"{a.Key} {a.Values.Count}"))}" +
                $"{(Settings.Count > 0 ? $", plus {Settings.Count} named settings" : "")}); at most {MaxCells:N0} are allowed. Split it into several specs."));
        var settings = Combinations(settingAxes).Concat(Settings).ToList();
        if (settings.Count == 0) settings.Add(new NamedSetting("base", new JsonObject()));

        var runs = new List<PlannedRun>();
        foreach (int seed in seeds)
            foreach (var setting in settings)
            {
                var resolved = Merge(Merge(baseOptions, setting.Overrides), new JsonObject { ["seed"] = seed });
                var options = OptionKeys.For(Model).Create(resolved);
                var where = $"setting '{setting.Name}', seed {seed} (profile {profile})";
                if (ExperimentValidation.Problem((DatasetOptions)options) is string problem) throw Error($"{where}: {problem}");
                runs.Add(new PlannedRun(runs.Count, setting.Name, seed, $"{Slug(setting.Name)}-s{seed}", Model, options,
                    setting.Overrides.ToDictionary(kv => kv.Key, kv => ValueText(kv.Value))));
            }
        var clash = runs.GroupBy(r => r.FolderName).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null) throw Error($"settings {string.Join(" and ", clash.Select(r => $"'{r.Setting}'").Distinct())} give the same run folder name '{clash.Key}'; rename one.");
        return runs;
    }

    /// <summary>GAN: the options of the recogniser trained for embedding metrics in <paramref name="profile"/> (the
    /// spec's <c>recognizer</c> options with the profile's on top), or null when the spec asks for none (or names a run).</summary>
    public RecognizerJobOptions? RecognizerOptions(string profile)
    {
        if (RecognizerOverrides is null) return null;
        var chosen = Profiles.TryGetValue(profile, out var p) ? p.Recognizer : new JsonObject();
        var options = (RecognizerJobOptions)OptionKeys.For(ExperimentModel.Recognizer).Create(Merge(RecognizerOverrides, chosen));
        if (ExperimentValidation.Problem(options) is string problem) throw Error($"recognizer (profile {profile}): {problem}");
        return options;
    }

    /// <summary>The settings in order (the distinct <see cref="PlannedRun.Setting"/> names of <see cref="Expand"/>).</summary>
    public IReadOnlyList<string> SettingNames(string? profile = null) => Expand(profile).Select(r => r.Setting).Distinct().ToList();

    /// <summary>The text of a value as it appears in setting names: strings bare, numbers in invariant culture.</summary>
    public static string ValueText(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    /// <summary>A folder-safe form of a setting name: letters, digits, '.', '+' and '-' kept, runs of anything else → '-'.</summary>
    public static string Slug(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '+' or '-' ? c : '-').ToArray();
        var slug = string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "setting" : slug;
    }

    internal DataException Error(string message) => new(Source, message);

    static IEnumerable<NamedSetting> Combinations(IReadOnlyList<GridAxis> axes)
    {
        if (axes.Count == 0) yield break;
        IEnumerable<List<(string Key, JsonNode? Value)>> cells = [[]];
        foreach (var axis in axes)
            cells = cells.SelectMany(cell => axis.Values.Select(v => new List<(string, JsonNode?)>(cell) { (axis.Key, v) })).ToList();
        foreach (var cell in cells)
        {
            var overrides = new JsonObject();
            foreach (var (key, value) in cell) overrides[key] = value?.DeepClone();
            yield return new NamedSetting(string.Join(", ", cell.Select(c => $"{c.Key}={ValueText(c.Value)}")), overrides);
        }
    }

    static JsonObject Merge(JsonObject lower, JsonObject higher)
    {
        var merged = (JsonObject)lower.DeepClone();
        foreach (var (key, value) in higher) merged[key] = value?.DeepClone();
        return merged;
    }

    IReadOnlyList<GridAxis> Axes(JsonObject grid, string where, OptionKeys catalog)
    {
        var axes = new List<GridAxis>();
        foreach (var (key, node) in grid)
        {
            if (node is not JsonArray values) throw Error($"{where}.{key}: expected a list of values, e.g. \"{key}\": [1, 2, 3].");
            if (values.Count == 0) throw Error($"{where}.{key}: the axis is empty; give at least one value or remove it.");
            for (int i = 0; i < values.Count; i++) catalog.CheckValue(key, values[i], $"{where}.{key}[{i}]", this);
            if (values.Select(ValueText).Distinct().Count() != values.Count) throw Error($"{where}.{key}: a value appears twice.");
            axes.Add(new GridAxis(key, values.Select(v => v?.DeepClone()).ToList()));
        }
        return axes;
    }

    IReadOnlyDictionary<string, ProfileOverrides> ReadProfiles(JsonObject profiles, OptionKeys catalog)
    {
        var result = new Dictionary<string, ProfileOverrides>();
        foreach (var (name, node) in profiles)
        {
            if (!ProfileNames.Contains(name)) throw Error($"profiles.{name}: unknown profile{OptionNames.Suggest(name, ProfileNames)}; expected quick, standard or full.");
            var profile = ObjectValue(node, $"profiles.{name}");
            foreach (var (key, _) in profile)
                if (key is not ("base" or "grid" or "recognizer"))
                    throw Error($"profiles.{name}.{key}: a profile has only \"base\", \"grid\" and \"recognizer\".");
            var baseOverrides = Object(profile, "base", $"profiles.{name}.");
            catalog.CheckObject(baseOverrides, $"profiles.{name}.base", this);
            var recognizer = Object(profile, "recognizer", $"profiles.{name}.");
            OptionKeys.For(ExperimentModel.Recognizer).CheckObject(recognizer, $"profiles.{name}.recognizer", this);
            result[name] = new ProfileOverrides(baseOverrides, Axes(Object(profile, "grid", $"profiles.{name}."), $"profiles.{name}.grid", catalog), recognizer);
        }
        return result;
    }

    IReadOnlyList<string> ReadMetrics(JsonNode? node)
    {
        if (node is null) return [];
        if (node is not JsonArray list) throw Error("metrics: expected a list of metric names, e.g. [\"fd_pixels8_best\", \"wall_s\"].");
        var known = AblationMetrics.For(Model).Select(m => m.Name).ToArray();
        var names = list.Select((n, i) => StringValue(n, $"metrics[{i}]")).ToList();
        foreach (var name in names)
            if (!known.Contains(name)) throw Error($"metrics: unknown metric '{name}' for model {Model.ToString().ToLowerInvariant()}{OptionNames.Suggest(name, known)}; known: {string.Join(", ", known)}.");
        return names;
    }

    (string?, JsonObject?) ReadRecognizer(JsonNode? node)
    {
        if (node is null) return (null, null);
        if (Model != ExperimentModel.Gan) throw Error("recognizer: only GAN experiments measure samples in a recogniser's embedding space.");
        if (node is JsonObject overrides)
        {
            OptionKeys.For(ExperimentModel.Recognizer).CheckObject(overrides, "recognizer", this);
            return (null, overrides);
        }
        var path = StringValue(node, "recognizer");
        var folder = Path.GetDirectoryName(Source);
        return (folder is { Length: > 0 } && Source != "<inline spec>" ? Path.GetFullPath(path, folder) : Path.GetFullPath(path), null);
    }

    string RequiredString(JsonObject root, string key) =>
        root[key] is JsonNode node ? StringValue(node, key) : throw Error($"missing \"{key}\".");

    string StringValue(JsonNode? node, string where) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Error($"{where}: expected a string, got {node?.ToJsonString() ?? "null"}.");

    JsonObject Object(JsonObject parent, string key, string prefix = "") =>
        parent[key] is null ? new JsonObject() : ObjectValue(parent[key], prefix + key);

    JsonObject ObjectValue(JsonNode? node, string where) =>
        node as JsonObject ?? throw Error($"{where}: expected an object {{ \"key\": value, … }}, got {node?.ToJsonString() ?? "null"}.");

    /// <summary>A one-line description: name, model, grid axes and named settings.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Name} ({Model}, {Grid.Count} grid axes, {Settings.Count} named settings)");
}

/// <summary>One cell of an experiment: the setting's name, the seed, the run's folder name (under the experiment's
/// <c>runs/</c>), and the job's fully resolved options (a <see cref="GanJobOptions"/>,
/// <see cref="VaeJobOptions"/> or <see cref="RecognizerJobOptions"/>).</summary>
public sealed record PlannedRun(int Index, string Setting, int Seed, string FolderName, ExperimentModel Model, object Options,
    IReadOnlyDictionary<string, string> Overrides);
