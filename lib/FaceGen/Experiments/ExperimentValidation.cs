using FaceGen.Data;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Training;

namespace FaceGen.Experiments;

/// <summary>Combinations of options a job cannot run, found when a spec is read rather than minutes into an
/// experiment. Each message names the keys involved (spec spelling) and says what to change.</summary>
public static class ExperimentValidation
{
    /// <summary>Named data sets whose labels are classes or attributes, not people: a recogniser cannot be trained
    /// or tested on them.</summary>
    public static IReadOnlyList<string> WithoutIdentities { get; } = ["utkface", "fashion-mnist", "cifar10"];

    /// <summary>What is wrong with one run's resolved options, or null when the job can run them.</summary>
    public static string? Problem(ExperimentModel model, object options) => model switch
    {
        ExperimentModel.Gan => Gan((GanJobOptions)options),
        ExperimentModel.Vae => Vae((VaeJobOptions)options),
        _ => Recognizer((RecognizerJobOptions)options),
    };

    static string? Gan(GanJobOptions o) =>
        Common(o.Dataset, o.Steps, o.Batch, o.ImageSize, o.Channels)
        ?? (o.Arch != "dcgan" ? $"arch '{o.Arch}': ablations train the dcgan architecture (the tutorial's networks cannot train on images)." : null)
        ?? (GanLossDefinition.Of(o.Loss).GradientPenalty && o.Norm == DiscriminatorNorm.Batch
            ? $"loss {o.Loss.ToString().ToLowerInvariant()} with norm batch: the gradient penalty needs per-sample gradients, which batch norm mixes; use norm none or spectral." : null)
        ?? (o.CriticSteps is < 1 ? $"criticSteps {o.CriticSteps}: must be ≥ 1 (or null for the loss's default)." : null)
        ?? (o.EmaDecay is < 0 or >= 1 ? $"emaDecay {o.EmaDecay}: must be in [0, 1)." : null)
        ?? (o.EvaluateEvery < 1 ? $"evaluateEvery {o.EvaluateEvery}: must be ≥ 1 (the fd_pixels8 metrics come from these evaluations)." : null);

    static string? Vae(VaeJobOptions o) =>
        Common(o.Dataset, o.Steps == 0 ? 1 : o.Steps, o.Batch, o.Arch == "conv" ? o.ImageSize : 16, o.Channels)
        ?? (o.Steps == 0 && o.Epochs < 1 ? $"steps 0 and epochs {o.Epochs}: give steps ≥ 1 or epochs ≥ 1." : null)
        ?? (o.Arch is not ("conv" or "mlp") ? $"arch '{o.Arch}': expected conv or mlp." : null)
        ?? (o.Beta < 0 ? $"beta {o.Beta}: must be ≥ 0." : null)
        ?? (o.Latent < 1 ? $"latent {o.Latent}: must be ≥ 1." : null)
        ?? LikelihoodProblem(o)
        ?? (o.Dataset is not ("fashion-mnist" or "cifar10") && o.TestFraction is <= 0 or >= 1
            ? $"testFraction {o.TestFraction}: must be in (0, 1) — the ELBO and IWAE are measured on the held-out part." : null);

    static string? Recognizer(RecognizerJobOptions o)
    {
        if (WithoutIdentities.Contains(o.Dataset))
            return $"dataset '{o.Dataset}' has no identities (its labels are classes or attributes): a recogniser needs people; use synthetic, att, lfw or celeba.";
        try { RecognitionHead.Parse(o.Head); }
        catch (ArgumentException e) { return $"head '{o.Head}': {e.Message}"; }
        if (o.TrainPerIdentity < 1) return $"trainPerIdentity {o.TrainPerIdentity}: must be ≥ 1.";
        int perIdentity = o.Dataset == "synthetic" ? o.PerIdentity : o.Dataset is "att" or "att_faces" ? 10 : int.MaxValue;
        if (o.TrainPerIdentity >= perIdentity)
            return $"trainPerIdentity {o.TrainPerIdentity} with {perIdentity} images per identity ({o.Dataset}) leaves no test images; lower it.";
        return Common(o.Dataset, o.Steps, o.Batch, o.ImageSize, o.Channels);
    }

    static string? Common(string dataset, int steps, int batch, int imageSize, int channels) =>
        !DatasetRegistry.Names.Contains(dataset) && dataset != "att_faces" && !Directory.Exists(dataset)
            ? $"dataset '{dataset}': not a named data set ({string.Join(", ", DatasetRegistry.Names)}) or an existing folder." : null
        ?? (steps < 1 ? $"steps {steps}: must be ≥ 1." : null)
        ?? (batch < 1 ? $"batch {batch}: must be ≥ 1." : null)
        ?? (channels is not (1 or 3) ? $"channels {channels}: expected 1 (grey) or 3 (RGB)." : null)
        ?? (!IsFourTimesPowerOfTwo(imageSize) ? $"imageSize {imageSize}: the convolutional models need 4·2^k pixels (16, 32, 64, 128)." : null);

    static bool IsFourTimesPowerOfTwo(int size) => size >= 16 && size % 4 == 0 && ((size / 4) & (size / 4 - 1)) == 0;

    static string? LikelihoodProblem(VaeJobOptions o)
    {
        try
        {
            ReconstructionLikelihood.Parse(o.Likelihood, o.Scale);
            return null;
        }
        catch (ArgumentException e) { return $"likelihood '{o.Likelihood}': {e.Message}"; }
    }
}
