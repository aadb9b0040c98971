using System.Diagnostics;
using System.Text.Json;
using FaceGen.Runtime;
using FaceGen.Visualization;
using static TorchSharp.torch;

namespace FaceGen.Training;

/// <summary>What differs between model families (GAN, VAE, recogniser): the modules and optimisers,
/// one optimisation step, and a picture of the current state. Everything else — the loop, history,
/// snapshots, checkpoints, evaluation, callbacks — is the <see cref="Trainer"/>'s.</summary>
public interface ITrainable
{
    /// <summary>Named modules; saved in checkpoints and switched between train and eval mode.</summary>
    IReadOnlyDictionary<string, nn.Module> Modules { get; }
    /// <summary>Named optimisers; their state (e.g. Adam's moments) is saved in checkpoints.</summary>
    IReadOnlyDictionary<string, TorchSharp.Modules.OptimizerHelper> Optimizers { get; }
    /// <summary>Training step number <paramref name="step"/> (1, 2, …; for a GAN: the critic steps and one
    /// generator step), drawing the batches it needs from <paramref name="data"/>; returns the scalars to record.
    /// Schedules (e.g. a KL warm-up) depend on <paramref name="step"/> only, so resumed runs repeat them exactly.</summary>
    IReadOnlyDictionary<string, double> Step(IBatchSource data, long step);
    /// <summary>Images showing the model now (fixed-noise samples, reconstructions), or null.</summary>
    ImageGrid? Snapshot();
}

/// <summary>How a trainable is looked at between steps.</summary>
public static class TrainableViews
{
    /// <summary>Runs <paramref name="action"/> with every module of <paramref name="model"/> in eval mode (batch norm on
    /// its running statistics, dropout off), then puts them back in training mode.</summary>
    public static T InEvalMode<T>(this ITrainable model, Func<T> action)
    {
        foreach (var m in model.Modules.Values) m.eval();
        try { return action(); }
        finally { foreach (var m in model.Modules.Values) m.train(); }
    }

    /// <summary>The snapshot the trainer takes: <see cref="ITrainable.Snapshot"/> in eval mode, without gradients.</summary>
    public static ImageGrid? SnapshotNow(this ITrainable model)
    {
        using (no_grad()) return model.InEvalMode(model.Snapshot);
    }
}

/// <summary>Hooks for progress bars and live notebook displays. Every method is optional.</summary>
public interface ITrainingCallback
{
    void OnStep(StepRecord record, long totalSteps) { }
    void OnSnapshot(long step, ImageGrid grid) { }
    void OnCheckpoint(long step, string folder) { }
}

/// <summary>A periodic evaluation whose value is recorded as <c>eval_&lt;Name&gt;</c> and decides the best checkpoint.</summary>
public sealed record PeriodicEvaluation(string Name, Func<double> Compute, bool HigherIsBetter = false);

/// <summary>Schedule of a run. <see cref="OutputFolder"/> null: nothing is written (notebooks, tests).</summary>
public sealed record TrainerOptions(
    long Steps,
    int SnapshotEvery = 0,
    int CheckpointEvery = 0,
    int EvaluateEvery = 0,
    PeriodicEvaluation? Evaluation = null,
    string? OutputFolder = null);

/// <summary>Raised when a step produces a non-finite metric; the history up to that step is kept.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// The one training loop of the kit, shared by every model family. Read top to bottom, a step is:
/// run <see cref="ITrainable.Step"/> inside a dispose scope, time it, record it, then — on their
/// schedules — take a snapshot, evaluate, and checkpoint. Checkpoints hold modules, optimisers,
/// torch's random state, the data position and the history, so a resumed run continues with the
/// same numbers as an uninterrupted one (same device and thread count).
/// </summary>
public sealed class Trainer
{
    readonly ITrainable model;
    readonly IBatchSource data;
    readonly TrainerOptions options;
    readonly IReadOnlyList<ITrainingCallback> callbacks;
    double? bestEvaluation;

    public Trainer(ITrainable model, IBatchSource data, TrainerOptions options, params ITrainingCallback[] callbacks)
    {
        TorchRuntime.EnsureInitialized();
        this.model = model;
        this.data = data;
        this.options = options;
        this.callbacks = callbacks;
    }

    public TrainingHistory History { get; private set; } = new();

    /// <summary>Steps completed so far.</summary>
    public long StepsDone { get; private set; }

    /// <summary>Trains until <see cref="TrainerOptions.Steps"/> steps are done.</summary>
    public TrainingHistory Run()
    {
        foreach (var m in model.Modules.Values) m.train();
        while (StepsDone < options.Steps)
        {
            long start = Stopwatch.GetTimestamp();
            IReadOnlyDictionary<string, double> metrics;
            using (NewDisposeScope()) metrics = model.Step(data, StepsDone + 1);
            StepsDone++;
            var record = new StepRecord(StepsDone, metrics, Stopwatch.GetElapsedTime(start).TotalSeconds);
            History.Add(record);
            ThrowIfDiverged(record);
            foreach (var c in callbacks) c.OnStep(record, options.Steps);

            if (Due(options.SnapshotEvery)) TakeSnapshot();
            if (Due(options.EvaluateEvery) && options.Evaluation is not null) Evaluate(options.Evaluation);
            if (Due(options.CheckpointEvery) && options.OutputFolder is not null)
                SaveCheckpoint(Path.Combine(options.OutputFolder, "checkpoints", "last"));
        }
        if (options.OutputFolder is not null) WriteHistory(options.OutputFolder);
        return History;
    }

    bool Due(int every) => every > 0 && (StepsDone % every == 0 || StepsDone == options.Steps);

    void ThrowIfDiverged(StepRecord record)
    {
        foreach (var (name, value) in record.Metrics)
        {
            if (double.IsFinite(value)) continue;
            if (options.OutputFolder is not null) WriteHistory(options.OutputFolder);
            // A run that breaks in its first steps may be the CPU's fault, not the model's: say what the self-check found.
            string? cpuHint = record.Step <= 5 ? TorchRuntime.NumericsIfChecked?.DivergenceHint : null;
            throw new TrainingDivergedException($"step {record.Step}: {name} = {value}. The history so far is kept" +
                (options.OutputFolder is null ? "" : $" in {Path.Combine(options.OutputFolder, "history.csv")}") +
                "; lower the learning rate, or use a loss with a gradient penalty." + (cpuHint is null ? "" : " " + cpuHint));
        }
    }

    void TakeSnapshot()
    {
        var grid = model.SnapshotNow();
        if (grid is null) return;
        if (options.OutputFolder is not null) grid.Save(Path.Combine(options.OutputFolder, $"samples_{StepsDone:D6}.png"));
        foreach (var c in callbacks) c.OnSnapshot(StepsDone, grid);
    }

    void Evaluate(PeriodicEvaluation evaluation)
    {
        double value;
        using (no_grad()) value = model.InEvalMode(evaluation.Compute);
        var last = History.Records[^1];
        History.TruncateAfter(StepsDone - 1);
        History.Add(last with { Metrics = new Dictionary<string, double>(last.Metrics) { [$"eval_{evaluation.Name}"] = value } });
        bool better = bestEvaluation is null || (evaluation.HigherIsBetter ? value > bestEvaluation : value < bestEvaluation);
        if (!better) return;
        bestEvaluation = value;
        if (options.OutputFolder is not null) SaveCheckpoint(Path.Combine(options.OutputFolder, "checkpoints", "best"));
    }

    void WriteHistory(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, "history.csv"), History.ToCsv());

    /// <summary>Saves everything a resumed run needs into <paramref name="folder"/>, atomically
    /// (written beside it, then swapped in).</summary>
    public void SaveCheckpoint(string folder)
    {
        var temp = folder.TrimEnd('/') + $".tmp{Environment.ProcessId}";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        foreach (var (name, module) in model.Modules) module.save(Path.Combine(temp, $"{name}.module"));
        foreach (var (name, optimizer) in model.Optimizers) optimizer.save_state_dict(Path.Combine(temp, $"{name}.optimizer"));
        using (var rng = get_rng_state()) File.WriteAllBytes(Path.Combine(temp, "rng.bin"), rng.data<byte>().ToArray());
        File.WriteAllText(Path.Combine(temp, "history.csv"), History.ToCsv());
        var state = new CheckpointState(StepsDone, data.Position, bestEvaluation);
        File.WriteAllText(Path.Combine(temp, "trainer.json"), JsonSerializer.Serialize(state, JsonFiles.Options));
        AtomicFile.ReplaceFolder(temp, folder);
        foreach (var c in callbacks) c.OnCheckpoint(StepsDone, folder);
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> into this trainer's
    /// model (same architecture) and data source.</summary>
    public void LoadCheckpoint(string folder)
    {
        var stateFile = Path.Combine(folder, "trainer.json");
        if (!File.Exists(stateFile)) throw new FileNotFoundException($"{folder} is not a checkpoint (no trainer.json).", stateFile);
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(stateFile), JsonFiles.Options)
                    ?? throw new InvalidDataException($"{stateFile}: empty checkpoint state.");
        foreach (var (name, module) in model.Modules)
        {
            var weights = Path.Combine(folder, $"{name}.module");
            if (!File.Exists(weights))
                throw new Data.DataException(folder, $"has no {name}.module: the checkpoint was written by another kind of model ({string.Join(", ", Directory.EnumerateFiles(folder, "*.module").Select(Path.GetFileName))}).");
            module.load(weights);
        }
        foreach (var (name, optimizer) in model.Optimizers) optimizer.load_state_dict(Path.Combine(folder, $"{name}.optimizer"));
        using (var rng = tensor(File.ReadAllBytes(Path.Combine(folder, "rng.bin")), ScalarType.Byte)) set_rng_state(rng);
        History = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")), Path.Combine(folder, "history.csv"));
        StepsDone = state.Step;
        data.Position = state.DataPosition;
        bestEvaluation = state.BestEvaluation;
    }

    sealed record CheckpointState(long Step, long DataPosition, double? BestEvaluation);
}
