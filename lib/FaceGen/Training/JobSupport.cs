using System.Text.Json;
using System.Text.Json.Serialization;
using FaceGen.Data;
using FaceGen.Runtime;

namespace FaceGen.Training;

/// <summary>What the jobs share: JSON settings, run folders, progress reporting (their data: <see cref="DatasetOptions.LoadData"/>).</summary>
internal static class JobSupport
{
    public static readonly JsonSerializerOptions Json = JsonFiles.Options;

    public static void WriteJson<T>(string folder, string file, T value) => JsonFiles.Write(Path.Combine(folder, file), value);

    public static T ReadJson<T>(string path) =>
        (File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json) : default)
        ?? throw new DataException(path, "missing or empty; is this a run folder written by facegen train?");

    /// <summary>The run folder and the checkpoint to use, given either: a checkpoint folder (has trainer.json),
    /// or a run folder (its best checkpoint, else its final one).</summary>
    public static (string Run, string Checkpoint) ResolveRun(string runOrCheckpoint)
    {
        var checkpoint = File.Exists(Path.Combine(runOrCheckpoint, "trainer.json")) ? runOrCheckpoint
            : Directory.Exists(Path.Combine(runOrCheckpoint, "checkpoints", "best")) ? Path.Combine(runOrCheckpoint, "checkpoints", "best")
            : Path.Combine(runOrCheckpoint, "checkpoints", "final");
        var run = File.Exists(Path.Combine(runOrCheckpoint, "config.json")) ? runOrCheckpoint : Path.GetFullPath(Path.Combine(checkpoint, "..", ".."));
        if (!File.Exists(Path.Combine(run, "config.json")) || !File.Exists(Path.Combine(run, "model.json")) || !File.Exists(Path.Combine(checkpoint, "trainer.json")))
            throw new DataException(runOrCheckpoint, "not a run or checkpoint folder written by facegen train (expected config.json, model.json and checkpoints/…/trainer.json).");
        return (run, checkpoint);
    }

    /// <summary>What the data decided about a model (model.json): the classes a conditional model takes, and their names.</summary>
    public sealed record ModelShape(int Classes, string[] ClassNames);

    /// <summary>Forwards each step to a progress bar.</summary>
    public sealed class ProgressCallback(string task, IProgress<ProgressReport>? progress) : ITrainingCallback
    {
        public void OnStep(StepRecord record, long totalSteps) => progress?.Report(new(task, record.Step, totalSteps, "steps"));
    }
}
