using System.Text.Json;
using FaceGen.Data;

namespace FaceGen.Jobs;

/// <summary>Where a run folder written by a training job stands, for <c>facegen train … --resume</c>: its options
/// (<c>config.json</c>) and the checkpoint to continue from — the later of <c>checkpoints/last</c> (written every
/// <c>--checkpoint-every</c> steps and at the end) and <c>checkpoints/final</c> (written when the loop ends).
/// <see cref="Finished"/>: the run ended and wrote its results (final checkpoint at the latest step, metrics.json).</summary>
public sealed record RunResume(string Folder, string Checkpoint, long Step, bool Finished)
{
    /// <summary>The resume point of <paramref name="folder"/>; a <see cref="DataException"/> naming what is missing when
    /// it is not a training run or has no checkpoint yet.</summary>
    public static RunResume Of(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new DataException(folder, "no such folder; --resume takes the run folder of an earlier facegen train.");
        if (!File.Exists(Path.Combine(full, "config.json")))
            throw new DataException(folder, "not a training run (no config.json); --resume takes the run folder of an earlier facegen train.");
        var candidates = new[] { "final", "last" }.Select(name => Path.Combine(full, "checkpoints", name))
            .Where(c => File.Exists(Path.Combine(c, "trainer.json")))
            .Select(c => (Folder: c, Step: StepOf(c))).ToList();
        if (candidates.Count == 0)
            throw new DataException(folder, "has no checkpoint yet (checkpoints/last/trainer.json): the run stopped before its first " +
                "--checkpoint-every steps, so there is nothing to resume from. Start it again with a new --out.");
        // Final first: on a tie it is the one written after the loop ended.
        var latest = candidates.MaxBy(c => c.Step);
        bool finished = latest.Folder.EndsWith("final", StringComparison.Ordinal) && File.Exists(Path.Combine(full, "metrics.json"));
        return new RunResume(full, latest.Folder, latest.Step, finished);
    }

    /// <summary>The run's options as it was started (or last resumed).</summary>
    public T Config<T>() => JobSupport.ReadJson<T>(Path.Combine(Folder, "config.json"));

    static long StepOf(string checkpoint)
    {
        var path = Path.Combine(checkpoint, "trainer.json");
        try { return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("Step").GetInt64(); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DataException(path, $"unreadable checkpoint state ({e.Message}).");
        }
    }
}
