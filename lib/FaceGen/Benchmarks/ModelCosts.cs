using System.Diagnostics;
using FaceGen.Data;
using FaceGen.Losses;
using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Benchmarks;

/// <summary>
/// What one model costs, measured live on this machine: size, arithmetic and time of training and inference.
/// </summary>
/// <param name="Model">A name, e.g. "DCGAN-32 (width 32)".</param>
/// <param name="ImageSize">Image side in pixels.</param>
/// <param name="Channels">Image channels.</param>
/// <param name="Batch">Training batch size B.</param>
/// <param name="Parameters">Trainable parameters of every network trained (GAN: G + D; recogniser: embedder + head).</param>
/// <param name="InferenceMflopPerImage">Forward MFLOPs per image of the network used after training (generator,
/// decoder-plus-encoder for a VAE, embedder) — <see cref="FlopCount"/>.</param>
/// <param name="TrainingMflopPerImage">MFLOPs of one training step divided by B (formulas in <see cref="ModelCosts"/>).</param>
/// <param name="Steps">Timed training steps (after two warm-up steps).</param>
/// <param name="SecondsPerStep">Mean wall time of one training step through the <see cref="Trainer"/>.</param>
/// <param name="TrainingImagesPerSecond">B / <paramref name="SecondsPerStep"/>.</param>
/// <param name="InferenceImagesPerSecond">Images per second through the inference network, eval mode, no gradients,
/// batches of 256.</param>
/// <param name="StateMegabytes">Training state that lives as long as the model: weights, gradients and Adam's two
/// moments, 4 × 4 bytes per parameter (activations come on top, per batch).</param>
/// <param name="ResidentMegabytes">The whole process's resident memory right after the timed steps — an upper bound
/// that includes everything the process loaded before.</param>
public sealed record ModelCost(string Model, int ImageSize, int Channels, int Batch, long Parameters, double InferenceMflopPerImage,
    double TrainingMflopPerImage, int Steps, double SecondsPerStep, double TrainingImagesPerSecond, double InferenceImagesPerSecond,
    double StateMegabytes, double ResidentMegabytes);

/// <summary>
/// Measures <see cref="ModelCost"/> for the kit's model families on synthetic faces (so that it needs no data files).
/// FLOPs per training step, with F_G, F_D, F_V, F_E the forward FLOPs per image and B the batch (a backward pass costs
/// twice its forward): GAN (one critic step) = (4·F_G + 9·F_D)·B as in <see cref="BenchSuite"/>; VAE = 3·F_V·B;
/// recogniser = 3·(F_E + F_head)·B.
/// </summary>
public static class ModelCosts
{
    /// <summary>A DCGAN (<see cref="DcganGenerator"/> and <see cref="DcganDiscriminator"/> with batch norm, latent
    /// <paramref name="latent"/>), non-saturating loss.</summary>
    public static ModelCost Gan(string name, int imageSize, int channels, int width, int latent, int batch, int steps)
    {
        TorchRuntime.EnsureInitialized();
        Seeding.Seed(0);
        using var gan = new GanTrainable(() => new DcganGenerator(imageSize, channels, latent, width), () => new DcganDiscriminator(imageSize, channels, width),
            GanTrainingOptions.For(GanLoss.NonSaturating) with { SnapshotCount = 1 });
        var g = gan.Generator;
        var d = gan.Discriminator;
        double forwardG = FlopCount.ForwardPerRow(g, () => g.forward(g.SampleLatent(2), null), 2);
        double forwardD = FlopCount.ForwardPerRow(d, () => d.forward(zeros(2, channels, imageSize, imageSize), null), 2);
        long parameters = GanArchitecture.ParameterCount(g) + GanArchitecture.ParameterCount(d);
        var (perStep, resident) = TimeTraining(gan, imageSize, channels, batch, steps, PixelRange.Signed);
        double inference = ImagesPerSecond(g, n => g.forward(g.SampleLatent(n), null));
        return Cost(name, imageSize, channels, batch, parameters, forwardG, FlopCount.GanTrainingStepPerImage(forwardG, forwardD), steps, perStep, inference, resident);
    }

    /// <summary>A VAE (<see cref="ConvVae"/> or <see cref="MlpVae"/>, created by <paramref name="create"/>) with a Bernoulli
    /// likelihood; inference = one encode–decode pass.</summary>
    public static ModelCost Vae(string name, Func<Vae> create, int imageSize, int channels, int batch, int steps)
    {
        TorchRuntime.EnsureInitialized();
        Seeding.Seed(0);
        var model = create();
        double forward = FlopCount.ForwardPerRow(model, () => model.forward(zeros(2, channels, imageSize, imageSize)), 2);
        using var snapshot = zeros(1, channels, imageSize, imageSize);
        using var vae = new VaeTrainable(model, ReconstructionLikelihood.Bernoulli, new KlWarmup(), 1e-3, snapshot, null, seed: 0);
        long parameters = GanArchitecture.ParameterCount(model);
        var (perStep, resident) = TimeTraining(vae, imageSize, channels, batch, steps, PixelRange.Unit);
        double inference = ImagesPerSecond(model, n => model.forward(zeros(n, channels, imageSize, imageSize)).Decoding.Location);
        return Cost(name, imageSize, channels, batch, parameters, forward, FlopCount.TrainingStepPerImage(forward), steps, perStep, inference, resident);
    }

    /// <summary>The recogniser (<see cref="FaceEmbedder"/> with an ArcFace head over <paramref name="classes"/>
    /// identities) as <see cref="RecognizerTrainable"/> trains it; inference = one embedding.</summary>
    public static ModelCost Recognizer(string name, int imageSize, int channels, int width, int embedding, int classes, int batch, int steps)
    {
        TorchRuntime.EnsureInitialized();
        Seeding.Seed(0);
        var embedder = new FaceEmbedder(imageSize, channels, width, embedding);
        var head = RecognitionHead.Create(RecognitionHeadKind.ArcFace, embedding, classes);
        using var recognizer = new RecognizerTrainable(embedder, head, new RecognizerAugmentation(), 2e-3, 5e-4, steps + 2);
        double forwardE = FlopCount.ForwardPerRow(embedder, () => embedder.forward(zeros(2, channels, imageSize, imageSize)), 2);
        double forwardHead = 2.0 * embedding * classes;   // the cosines: one embedding-sized dot product per identity
        long parameters = GanArchitecture.ParameterCount(embedder) + GanArchitecture.ParameterCount(head);
        var (perStep, resident) = TimeTraining(recognizer, imageSize, channels, batch, steps, PixelRange.Unit, classes);
        double inference = ImagesPerSecond(embedder, n => embedder.forward(zeros(n, channels, imageSize, imageSize)));
        return Cost(name, imageSize, channels, batch, parameters, forwardE, FlopCount.TrainingStepPerImage(forwardE + forwardHead), steps, perStep, inference, resident);
    }

    static ModelCost Cost(string name, int imageSize, int channels, int batch, long parameters, double inferenceFlops, double trainingFlops,
        int steps, double perStep, double inference, double resident) =>
        new(name, imageSize, channels, batch, parameters, inferenceFlops / 1e6, trainingFlops / 1e6, steps, perStep, batch / perStep, inference,
            parameters * 16.0 / (1 << 20), resident);

    /// <summary>Two warm-up steps, then <paramref name="steps"/> timed steps through the trainer on synthetic faces;
    /// returns seconds per step and the process's resident megabytes afterwards.</summary>
    static (double PerStep, double ResidentMegabytes) TimeTraining(ITrainable model, int imageSize, int channels, int batch, int steps,
        PixelRange range, int identities = 16)
    {
        if (steps < 1) throw new ArgumentException($"steps {steps}: must be ≥ 1.");
        int perIdentity = Math.Max(2, (batch + identities - 1) / identities);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(identities, perIdentity, imageSize, channels, 0));
        using var batches = new DatasetBatches(faces, new BatchOptions(batch, Seed: 0, DropLast: true, RandomHorizontalFlip: true, Range: range));
        new Trainer(model, batches, new TrainerOptions(2)).Run();
        var clock = Stopwatch.StartNew();
        new Trainer(model, batches, new TrainerOptions(steps)).Run();
        double perStep = clock.Elapsed.TotalSeconds / steps;
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return (perStep, process.WorkingSet64 / (double)(1 << 20));
    }

    /// <summary>Images per second of <paramref name="forward"/> in eval mode without gradients: one warm-up batch of
    /// 256, then batches of 256 for at least 0.2 s.</summary>
    static double ImagesPerSecond(nn.Module module, Func<int, Tensor> forward)
    {
        const int batch = 256;
        bool wasTraining = module.training;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            using (NewDisposeScope()) forward(batch);
            var clock = Stopwatch.StartNew();
            int images = 0;
            do
            {
                using var scope = NewDisposeScope();
                forward(batch);
                images += batch;
            } while (clock.Elapsed.TotalSeconds < 0.2);
            return images / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            if (wasTraining) module.train();
        }
    }
}
