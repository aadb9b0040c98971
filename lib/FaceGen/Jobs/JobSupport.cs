using System.Text.Json;
using FaceGen.Data;
using FaceGen.Runtime;
using FaceGen.Training;
using TorchSharp;

namespace FaceGen.Jobs;

/// <summary>What the jobs share: JSON settings, run folders, progress reporting (their data: <see cref="DatasetOptions.LoadData"/>).</summary>
internal static class JobSupport
{
    public static readonly JsonSerializerOptions Json = JsonFiles.Options;

    public static void WriteJson<T>(string folder, string file, T value) => JsonFiles.Write(Path.Combine(folder, file), value);

    /// <summary>How every training job starts: its options checked (before anything is written), its device resolved,
    /// every random source seeded with <paramref name="seed"/>, and the options written as the run's config.json (as
    /// <typeparamref name="T"/>, so that the job's own keys are written, not only the data set's). Returns the device.</summary>
    public static torch.Device Start<T>(T options, string? device, int seed, string folder) where T : DatasetOptions
    {
        options.Validate();
        var resolved = Devices.Resolve(device);
        Seeding.Seed(seed);
        WriteJson(folder, "config.json", options);
        return resolved;
    }

    /// <summary>A run's JSON file; an options record read this way is checked as the spec reader checks it, so a
    /// hand-edited config.json that is not JSON, has a value of the wrong type or one out of its limits is refused
    /// naming the file and the key rather than failing later inside LibTorch.</summary>
    public static T ReadJson<T>(string path)
    {
        T? value;
        try { value = File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : default; }
        catch (JsonException e)
        {
            // System.Text.Json names the key it stopped at as a path ("$.width"); a syntax error has none to name.
            var what = e.Path is { Length: > 2 } key ? $"key '{key[2..]}' does not hold a value of the right type for {typeof(T).Name}"
                : $"not valid JSON (line {e.LineNumber + 1})";
            throw new DataException(path, $"{what}: {e.Message.Split(" Path:")[0]} Was it edited by hand? Restore it from the run or train again.");
        }
        if (value is null) throw new DataException(path, "missing or empty; is this a run folder written by facegen train?");
        if (value is DatasetOptions options)
        {
            try { options.Validate(OptionSpelling.Key); }
            catch (ArgumentException e) { throw new DataException(path, $"{e.Message} Was it edited by hand? Restore it from the run or train again."); }
        }
        return value;
    }

    /// <summary>The run folder and the checkpoint to use, given either: a checkpoint folder (has trainer.json),
    /// or a run folder (its best checkpoint, else its final one, else — a run stopped before its first evaluation —
    /// its last periodic one).</summary>
    public static (string Run, string Checkpoint) ResolveRun(string runOrCheckpoint)
    {
        if (!Directory.Exists(runOrCheckpoint))
            throw new DataException(runOrCheckpoint, "no such folder; pass a run folder written by facegen train, or one of its checkpoint folders.");
        bool isCheckpoint = File.Exists(Path.Combine(runOrCheckpoint, "trainer.json"));
        var checkpoint = isCheckpoint ? runOrCheckpoint
            : new[] { "best", "final", "last" }.Select(name => Path.Combine(runOrCheckpoint, "checkpoints", name))
                .FirstOrDefault(c => File.Exists(Path.Combine(c, "trainer.json")));
        var run = isCheckpoint ? Path.GetFullPath(Path.Combine(runOrCheckpoint, "..", "..")) : runOrCheckpoint;
        bool hasRunFiles = File.Exists(Path.Combine(run, "config.json")) && File.Exists(Path.Combine(run, "model.json"));
        if (checkpoint is null && File.Exists(Path.Combine(run, "config.json")))
            throw new DataException(runOrCheckpoint, "this run has no checkpoint yet (no checkpoints/best, final or last with a trainer.json): " +
                "it stopped, or is still running, before its first checkpoint. Train it again, or with a smaller --checkpoint-every.");
        if (checkpoint is null || !hasRunFiles)
            throw new DataException(runOrCheckpoint, "not a run or checkpoint folder written by facegen train (expected config.json, model.json and checkpoints/…/trainer.json).");
        return (run, checkpoint);
    }

    /// <summary>The path of <paramref name="file"/> in <paramref name="checkpoint"/>; when it is missing (a checkpoint of
    /// another kind of run), a <see cref="DataException"/> saying what the checkpoint holds instead. Checked before the
    /// run's config.json is read as <paramref name="expected"/>'s options, which another kind's would not fit.</summary>
    public static string Weights(string checkpoint, string file, string expected)
    {
        var weights = Path.Combine(checkpoint, file);
        return File.Exists(weights) ? weights
            : throw new DataException(checkpoint, $"has no {file}, so it is not {expected}'s checkpoint: it holds {Holds(checkpoint)}.");
    }

    /// <summary>Loads <paramref name="module"/>'s weights; weights of another size of model (another run's checkpoint,
    /// an edited config.json or model.json) are a <see cref="DataException"/> that names the file, says what the
    /// checkpoint holds and what the run's config.json and model.json describe — not LibTorch's "Mismatched tensor shape".</summary>
    public static void LoadWeights(TorchSharp.torch.nn.Module module, string run, string weights, string expected)
    {
        var checkpoint = Path.GetDirectoryName(weights)!;
        try { module.load(weights); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
        {
            throw new DataException(weights, $"does not fit {expected}, as {Path.Combine(run, "config.json")} describes it ({Summary(run)}): " +
                $"{e.Message.Split(". Make sure")[0]}. The checkpoint holds {Holds(checkpoint)}; it comes from another run, or config.json or " +
                "model.json was edited after training.");
        }
    }

    /// <summary>"the weights of a GAN (generator.module, …)", from the module files the trainers write.</summary>
    static string Holds(string checkpoint)
    {
        var files = Directory.EnumerateFiles(checkpoint, "*.module").Select(Path.GetFileName).Order().ToList();
        var kind = files.Contains("generator.module") ? "a GAN" : files.Contains("vae.module") ? "a VAE"
            : files.Contains("embedder.module") ? "a recogniser" : files.Contains("restorer.module") ? "a restorer" : "no model kind facegen writes";
        return files.Count == 0 ? "no .module files" : $"the weights of {kind} ({string.Join(", ", files)})";
    }

    /// <summary>The sizes a run's config.json and model.json give (the keys that shape a model), read loosely so that
    /// the summary works for every kind of run.</summary>
    static string Summary(string run)
    {
        var parts = new List<string>();
        try
        {
            if (System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "config.json"))) is System.Text.Json.Nodes.JsonObject config)
                foreach (var key in new[] { "arch", "task", "model", "imageSize", "channels", "width", "latent", "embedding", "conditional" })
                    if (config.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value is { } value)
                        parts.Add($"{key} {value.ToJsonString().Trim('"')}");
            if (System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(run, "model.json"))) is System.Text.Json.Nodes.JsonObject model
                && model.FirstOrDefault(p => p.Key.Equals("classes", StringComparison.OrdinalIgnoreCase)).Value is { } classes)
                parts.Add($"classes {classes.ToJsonString()}");
        }
        catch (Exception e) when (e is JsonException or IOException) { }
        return parts.Count == 0 ? "no model sizes" : string.Join(", ", parts);
    }

    /// <summary>What the data decided about a model (model.json): the classes a conditional model takes, and their names.</summary>
    public sealed record ModelShape(int Classes, string[] ClassNames);

    /// <summary>Forwards each step to a progress bar.</summary>
    public sealed class ProgressCallback(string task, IProgress<ProgressReport>? progress) : ITrainingCallback
    {
        public void OnStep(StepRecord record, long totalSteps) => progress?.Report(new(task, record.Step, totalSteps, "steps"));
    }
}
