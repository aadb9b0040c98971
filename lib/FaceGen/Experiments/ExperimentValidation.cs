using FaceGen.Data;
using FaceGen.Jobs;
using FaceGen.Runtime;

namespace FaceGen.Experiments;

/// <summary>Options a job cannot run, found when a spec is read rather than minutes into an experiment: each record's
/// own limits (<see cref="DatasetOptions.Validate"/>, the same the command line checks), plus what an ablation needs
/// beyond them. Each message names the keys involved (spec spelling) and says what to change.</summary>
public static class ExperimentValidation
{
    /// <summary>Named data sets whose labels are classes or attributes, not people: a recogniser cannot be trained
    /// or tested on them.</summary>
    public static IReadOnlyList<string> WithoutIdentities { get; } = ["utkface", "fashion-mnist", "cifar10"];

    /// <summary>What is wrong with one run's resolved options, or null when the job can run them.</summary>
    public static string? Problem(DatasetOptions options)
    {
        try { options.Validate(OptionSpelling.Key); }
        catch (ArgumentException e) { return e.Message; }
        return Dataset(options.Dataset) ?? options switch
        {
            GanJobOptions o when o.EvaluateEvery < 1 => $"evaluateEvery {o.EvaluateEvery}: must be ≥ 1 (the fd_pixels8 metrics come from these evaluations).",
            RecognizerJobOptions o => Recognizer(o),
            _ => null,
        };
    }

    static string? Recognizer(RecognizerJobOptions o)
    {
        if (WithoutIdentities.Contains(o.Dataset))
            return $"dataset '{o.Dataset}' has no identities (its labels are classes or attributes): a recogniser needs people; use synthetic, att, lfw or celeba.";
        int perIdentity = o.Dataset == "synthetic" ? o.PerIdentity : o.Dataset is "att" or "att_faces" ? 10 : int.MaxValue;
        return o.TrainPerIdentity >= perIdentity
            ? $"trainPerIdentity {o.TrainPerIdentity} with {perIdentity} images per identity ({o.Dataset}) leaves no test images; lower it." : null;
    }

    static string? Dataset(string dataset) =>
        !DatasetRegistry.Names.Contains(dataset) && dataset != "att_faces" && !Directory.Exists(dataset)
            ? $"dataset '{dataset}': not a named data set ({string.Join(", ", DatasetRegistry.Names)}) or an existing folder." : null;
}
