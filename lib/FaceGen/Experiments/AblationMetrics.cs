namespace FaceGen.Experiments;

/// <summary>A column of an ablation table: its name in <c>results.csv</c>, what it measures, and which way is better
/// (true: higher, false: lower, null: neither — a description of the run such as its parameter count).</summary>
public sealed record MetricInfo(string Name, string Description, bool? HigherIsBetter)
{
    /// <summary>"↑", "↓" or "" for the table header.</summary>
    public string Arrow => HigherIsBetter switch { true => "↑", false => "↓", null => "" };
}

/// <summary>The metrics an ablation measures per model, in table order. All models end with the cost columns
/// wall_s, steps_per_s, peak_rss_mb and parameters.</summary>
public static class AblationMetrics
{
    /// <summary>Metrics every run has.</summary>
    public static IReadOnlyList<MetricInfo> Cost { get; } =
    [
        new("wall_s", "wall-clock seconds of the run: data, training, evaluation, files", false),
        new("steps_per_s", "training steps per second (training loop only)", true),
        new("peak_rss_mb", "peak resident memory of the process during the run, MiB (Linux VmHWM, reset before each run; else the largest sampled working set)", false),
        new("parameters", "trainable parameters (GAN: generator + discriminator; recogniser: embedder + head)", null),
    ];

    static readonly MetricInfo[] Gan =
    [
        new("fd_pixels8_best", "pixel-space Fréchet distance (8×8 grey features) of 512 samples vs the data, best evaluation", false),
        new("fd_pixels8_final", "the same at the last evaluation (GANs often end worse than their best step)", false),
        new("embedding_fd", "Fréchet distance of samples vs training faces in a recogniser's embedding space (best checkpoint)", false),
        new("embedding_kid", "kernel distance (unbiased MMD², cubic kernel) in the recogniser's embedding space", false),
        new("precision", "k-NN precision (k = 3) of samples in the recogniser's embedding space: fidelity", true),
        new("recall", "k-NN recall (k = 3) in the recogniser's embedding space: coverage of the data", true),
    ];

    static readonly MetricInfo[] Vae =
    [
        new("test_elbo", "held-out ELBO (β = 1) of the best checkpoint, nats per image", true),
        new("test_iwae", "held-out IWAE bound L_K (K = 64 importance samples), nats per image: an estimate of log p(x)", true),
        new("bits_per_dim", "the IWAE bound in bits per dimension (continuous likelihoods with bin width 1/255)", false),
        new("kl", "held-out KL(q(z|x) ‖ p(z)), nats per image", null),
        new("reconstruction_mse", "mean squared error of the decoder mean at z = μ(x) vs x in [0, 1], held-out images", false),
    ];

    static readonly MetricInfo[] Recognizer =
    [
        new("accuracy", "closed-set identification accuracy (1-NN on embeddings, training images as gallery)", true),
        new("auc", "verification ROC AUC on pairs of test images (cosine scores)", true),
        new("eer", "verification equal error rate", false),
        new("eigenfaces_accuracy", "1-NN accuracy of eigenfaces on the same split (reference)", true),
    ];

    /// <summary>The metrics of <paramref name="model"/> followed by <see cref="Cost"/>.</summary>
    public static IReadOnlyList<MetricInfo> For(ExperimentModel model) => (model switch
    {
        ExperimentModel.Gan => Gan,
        ExperimentModel.Vae => Vae,
        _ => Recognizer,
    }).Concat(Cost).ToList();

    /// <summary>The description of a metric by name, or one without a direction for a name no model reports.</summary>
    public static MetricInfo Info(string name) =>
        Gan.Concat(Vae).Concat(Recognizer).Concat(Cost).FirstOrDefault(m => m.Name == name) ?? new MetricInfo(name, name, null);

    /// <summary>The history.csv columns drawn as training curves in charts.html.</summary>
    public static IReadOnlyList<string> Curves(ExperimentModel model) => model switch
    {
        ExperimentModel.Gan => ["loss_d", "loss_g", "eval_fd_pixels8"],
        ExperimentModel.Vae => ["elbo", "kl", "eval_test_elbo"],
        _ => ["loss", "accuracy"],
    };
}
