using FaceGen.Models;
using FaceGen.Runtime;
using FaceGen.Training;
using FaceGen.Visualization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace FaceGen.Tutorial;

/// <summary>Settings of <see cref="TutorialKerasProgram"/>: the printed <c>train</c> function's <c>z_dim</c> and
/// <c>batch_size</c>, and the learning rate of the Adam optimiser that its missing <c>compile</c> call would have
/// set (Keras' default, 0.001).</summary>
public sealed record TutorialKerasProgramOptions(
    int LatentSize = 100,
    int BatchSize = 32,
    double LearningRate = 1e-3,
    int SnapshotCount = 16,
    int Seed = 0);

/// <summary>
/// The training procedure of the tutorial's Keras example (§4, <c>train</c>), reproduced line for line with its
/// defects, so that notebook 07 can run it and measure what it does. One <see cref="Step"/> is one pass of the
/// printed inner loop (<c>for step in range(epochs)</c>):
/// <code>
/// noise → img = generator.predict(noise) → img = (img + 1) / 2 → discriminator.train_on_batch(img, ones)
/// noise → img = generator.predict(noise) → img = (img + 1) / 2 → d_loss = discriminator.train_on_batch(img, zeros)
/// g_loss = −d_loss → generator.train_on_batch(noise, g_loss)
/// </code>
/// The printed program cannot run at all in Python (see <see cref="MissingImports"/>, <see cref="ToCategorical"/>
/// and the missing <c>compile</c>). To reach the lines after each fatal one, this translation makes the fewest
/// changes possible, each documented where it happens:
/// <list type="number">
/// <item>both models are "compiled" with Adam (Keras defaults: lr 0.001, β = (0.9, 0.999), ε = 1e−7); the
/// discriminator with binary cross-entropy (its sigmoid output and 0/1 labels ask for it), the generator with mean
/// squared error (the program names no loss; this is the usual one for a numeric target);</item>
/// <item>the single number <c>g_loss</c> that the program passes as the generator's target is broadcast to every pixel
/// of every image. This is the translation's reading of the line, not Keras behaviour: Keras expects one target per
/// sample, shaped like the output, and the listing does not show what it would make of one number;</item>
/// <item>the data preparation is skipped (it raises, and its result <c>x_train</c> is never read): the batch source
/// passed to <see cref="Step"/> is accepted and never touched;</item>
/// <item>the discriminator is built for the image shape its generator really produces, 4×4×3 (<c>image_shape</c> is
/// an argument of the printed <c>train</c>; its caller is not printed), and the two
/// <c>np.reshape(img, (n, 32, 32, 3))</c> lines, which raise on 4×4×3 images, are left out.</item>
/// </list>
/// Everything else is as printed, including what is wrong with it.
/// </summary>
public sealed class TutorialKerasProgram : ITrainable, IDisposable
{
    /// <summary>Names the printed program uses but never imports or defines; a Python run stops with
    /// <c>NameError: name '…' is not defined</c> at the first of them it executes (<c>Dropout</c>, inside
    /// <c>build_discriminator</c>).</summary>
    public static IReadOnlyList<string> MissingImports { get; } = new[] { "Dropout", "np", "np_utils" };

    /// <summary>Keras' default ε of Adam (PyTorch's is 1e−8).</summary>
    const double KerasAdamEpsilon = 1e-7;

    readonly TutorialKerasProgramOptions options;
    readonly Adam optimizerG, optimizerD;
    readonly Tensor fixedNoise;

    /// <summary><c>build_generator(z_dim)</c>: outputs 3×4×4 images (no layer upsamples).</summary>
    public TutorialKerasGenerator Generator { get; }

    /// <summary><c>build_discriminator(image_shape)</c> with image_shape = the generator's 4×4×3 output.</summary>
    public TutorialKerasDiscriminator Discriminator { get; }

    /// <summary>Discriminator updates so far (two per step: the printed "train the generator" block updates the discriminator).</summary>
    public long DiscriminatorUpdates { get; private set; }

    /// <summary>Generator updates so far (one per step).</summary>
    public long GeneratorUpdates { get; private set; }

    /// <summary>Images the discriminator was trained on so far; all of them came from <see cref="Predict"/>.</summary>
    public long DiscriminatorImages { get; private set; }

    public TutorialKerasProgram(TutorialKerasProgramOptions? options = null, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        this.options = options ?? new TutorialKerasProgramOptions();
        device ??= CPU;
        Generator = new TutorialKerasGenerator(this.options.LatentSize);
        Generator.to(device);
        Discriminator = new TutorialKerasDiscriminator(channels: 3, imageSize: OutputSize);
        Discriminator.to(device);
        // Patch 1: the printed program never calls compile(); these are Keras' defaults for compile(optimizer='adam').
        optimizerG = optim.Adam(Generator.parameters(), this.options.LearningRate, 0.9, 0.999, KerasAdamEpsilon);
        optimizerD = optim.Adam(Discriminator.parameters(), this.options.LearningRate, 0.9, 0.999, KerasAdamEpsilon);
        using var noiseGenerator = new torch.Generator((ulong)this.options.Seed + 12_345);
        fixedNoise = randn(new long[] { this.options.SnapshotCount, this.options.LatentSize }, generator: noiseGenerator).to(device);
    }

    /// <summary>Height and width of the generator's images: 4, the size of its <c>Reshape((4, 4, 512))</c>,
    /// because its eleven 3×3 'same' convolutions with stride 1 keep the size.</summary>
    public static int OutputSize => 4;

    public IReadOnlyDictionary<string, nn.Module> Modules =>
        new Dictionary<string, nn.Module> { ["generator"] = Generator, ["discriminator"] = Discriminator };

    public IReadOnlyDictionary<string, OptimizerHelper> Optimizers =>
        new Dictionary<string, OptimizerHelper> { ["generator"] = optimizerG, ["discriminator"] = optimizerD };

    /// <summary>
    /// One pass of the printed inner loop. Recorded: <c>loss_d_label1</c> and <c>loss_d_label0</c> (the two
    /// discriminator losses), <c>g_loss</c> (= −d_loss, the generator's regression target), <c>loss_g_mse</c>
    /// (the generator's own loss), <c>d_fake</c> (mean D(img) on the first fakes, before the update) and
    /// <c>g_mean</c>, <c>g_std</c> (mean and standard deviation of the pixels the generator's update is computed on,
    /// in [−1, 1]).
    /// </summary>
    /// <param name="data">Never read: the printed loop never uses <c>x_train</c>, so the discriminator sees no real image.</param>
    /// <param name="step">Unused: the printed loop has no schedule.</param>
    public IReadOnlyDictionary<string, double> Step(IBatchSource data, long step)
    {
        int n = options.BatchSize;
        // noise = np.random.normal(0, 1, (batch_size, z_dim)); img = generator.predict(noise); img = (img + 1) / 2.0
        // Defect: the generator's tanh output in [−1, 1] is moved to [0, 1], while x_train was scaled to [−1, 1].
        var img = (Predict(Generator.SampleLatent(n)) + 1) / 2.0;
        // Patch 3: np.reshape(img, (n, 32, 32, 3)) is left out; on the 4×4×3 images it raises ValueError.
        // label = tf.ones(...); d_loss = discriminator.train_on_batch(img, label)
        // Defect: generated images labelled 1 ("real"), and no real image anywhere in the loop.
        var (dLossOnes, dFake) = DiscriminatorTrainOnBatch(img, 1f);

        // The block commented "train the generator": fresh noise, new fakes, labelled 0 this time.
        var noise = Generator.SampleLatent(n);
        img = (Predict(noise) + 1) / 2.0;
        // Defect: a second discriminator update (fakes labelled 0); with the first one, D is taught D(fake) = ½.
        var (dLoss, _) = DiscriminatorTrainOnBatch(img, 0f);
        // g_loss = -d_loss. Defect: a plain number; no gradient of D reaches the generator through it.
        double gLoss = -dLoss;
        // generator.train_on_batch(noise, g_loss). Defect: the second argument of train_on_batch is the target y,
        // so the generator is fitted to output the constant −d_loss at every pixel.
        var (gMse, gMean, gStd) = GeneratorTrainOnBatch(noise, gLoss);

        return new Dictionary<string, double>
        {
            ["loss_d_label1"] = dLossOnes,
            ["loss_d_label0"] = dLoss,
            ["g_loss"] = gLoss,
            ["loss_g_mse"] = gMse,
            ["d_fake"] = dFake,
            ["g_mean"] = gMean,
            ["g_std"] = gStd,
        };
    }

    /// <summary><c>generator.predict(noise)</c>: a forward pass in inference mode (batch normalisation uses its
    /// moving statistics) without gradient — Keras returns a NumPy array, detached from every graph.</summary>
    public Tensor Predict(Tensor noise)
    {
        using var noGrad = no_grad();
        bool wasTraining = Generator.training;
        Generator.eval();
        try { return Generator.forward(noise); }
        finally { if (wasTraining) Generator.train(); }
    }

    /// <summary><c>discriminator.train_on_batch(images, label)</c> for a constant label: binary cross-entropy
    /// −[y·log D(x) + (1 − y)·log(1 − D(x))] averaged over the batch (computed from the logit), one Adam step.
    /// Returns the loss before the step, as Keras does, and the batch's mean D(x).</summary>
    public (double Loss, double MeanProbability) DiscriminatorTrainOnBatch(Tensor images, float label)
    {
        var logits = Discriminator.forward(images);
        var loss = binary_cross_entropy_with_logits(logits, full_like(logits, label));
        optimizerD.zero_grad();
        loss.backward();
        optimizerD.step();
        DiscriminatorUpdates++;
        DiscriminatorImages += images.shape[0];
        return (loss.item<float>(), logits.detach().sigmoid().mean().item<float>());
    }

    /// <summary><c>generator.train_on_batch(noise, target)</c> with a scalar target broadcast to every pixel (patch 2)
    /// and the mean squared error loss (patch 1): mean over pixels of (G(z) − target)², one Adam step (training mode: batch normalisation uses the
    /// batch's statistics). Returns the loss before the step and the mean and standard deviation of the G(z) pixels
    /// it was computed on.</summary>
    public (double Loss, double OutputMean, double OutputStd) GeneratorTrainOnBatch(Tensor noise, double target)
    {
        var images = Generator.forward(noise);
        var loss = (images - target).square().mean();
        optimizerG.zero_grad();
        loss.backward();
        optimizerG.step();
        GeneratorUpdates++;
        var pixels = images.detach();
        return (loss.item<float>(), pixels.mean().item<float>(), pixels.std().item<float>());
    }

    /// <summary>The generator's 4×4 images for the fixed noise, enlarged 8× by pixel repetition so that the live view
    /// can show them (the grid's pixels are the generator's, nothing is interpolated).</summary>
    public ImageGrid? Snapshot()
    {
        var images = Predict(fixedNoise);
        var enlarged = images.repeat_interleave(8, 2).repeat_interleave(8, 3);
        return ImageGrid.FromSigned(enlarged, columns: (int)Math.Ceiling(Math.Sqrt(options.SnapshotCount)));
    }

    /// <summary>
    /// Keras' <c>to_categorical(values, num_classes)</c>, which the printed program applies to the <em>images</em>:
    /// each value is cast to an integer (truncation towards zero, as NumPy's <c>astype(int)</c>), −k counts from the
    /// end as in NumPy indexing, and becomes a one-hot vector. The result has shape values.shape + (numClasses),
    /// numClasses times as many elements. Pixels scaled to [−1, 1] become −1, 0 or 1: classes 9, 0 and 1.
    /// </summary>
    public static Tensor ToCategorical(Tensor values, int numClasses)
    {
        TorchRuntime.EnsureInitialized();
        var classes = values.to_type(ScalarType.Int64);
        long low = classes.min().item<long>(), high = classes.max().item<long>();
        if (low < -numClasses || high >= numClasses)
            throw new ArgumentException($"to_categorical: value {(high >= numClasses ? high : low)} is out of range for {numClasses} classes (NumPy raises IndexError).");
        classes = where(classes < 0, classes + numClasses, classes);
        return one_hot(classes, numClasses).to_type(ScalarType.Float32);
    }

    /// <summary>
    /// The corrected program: real images labelled 1 and fakes labelled 0 for the discriminator, the generator
    /// trained through the discriminator on the non-saturating loss −E[log D(G(z))] (<see cref="GanTrainable"/>).
    /// The tutorial's discriminator is kept as printed (three stride-2 convolutions, dropout, one sigmoid output,
    /// nothing wrong with it); its generator, which cannot leave 4×4, is replaced by a DCGAN generator that doubles
    /// the size at each layer up to <paramref name="imageSize"/>. Optimiser: Adam(2e−4, β = (0.5, 0.999)).
    /// </summary>
    public static GanTrainable Corrected(int imageSize = 32, int generatorWidth = 64, int latentSize = 100,
        GanTrainingOptions? options = null, Device? device = null)
    {
        TorchRuntime.EnsureInitialized();
        return new GanTrainable(
            () => new DcganGenerator(imageSize, channels: 3, latentSize, generatorWidth),
            () => new TutorialKerasDiscriminator(channels: 3, imageSize),
            options ?? GanTrainingOptions.For(GanLoss.NonSaturating), device);
    }

    public void Dispose()
    {
        optimizerG.Dispose();
        optimizerD.Dispose();
        Generator.Dispose();
        Discriminator.Dispose();
        fixedNoise.Dispose();
    }
}
