using FaceGen.Runtime;
using FaceGen.Tutorial;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The tutorial's Keras training procedure reproduced by <see cref="TutorialKerasProgram"/>: what its
/// discriminator is fed, and how its generator's parameters move under the printed update.</summary>
public class TutorialKerasProgramTests
{
    public TutorialKerasProgramTests() => TorchRuntime.EnsureInitialized();

    static TutorialKerasProgram Program(int batch, int seed = 0)
    {
        manual_seed(seed);
        return new TutorialKerasProgram(new TutorialKerasProgramOptions(BatchSize: batch, Seed: seed));
    }

    [Fact]
    public void PrintedLoopNeverReadsRealImagesAndFeedsTheDiscriminatorOnlyRescaledFakes()
    {
        using var program = Program(batch: 4);
        // "Real" images in the signed range, so each one has negative pixels; the printed rescaling gives fakes in [0, 1].
        using var real = rand(16, 3, 32, 32) * 2 - 1;
        using var batches = new TensorBatches(real, null, batchSize: 4, seed: 0);
        var counting = new CountingBatchSource(batches);
        var inputs = new List<(long[] Shape, float Min, float Max)>();
        // The discriminator's first layer sees exactly the discriminator's input images.
        var firstLayer = (TorchSharp.Modules.Conv2d)program.Discriminator.named_modules().Single(m => m.name == "body.conv0").module;
        firstLayer.register_forward_pre_hook((_, x) =>
        {
            inputs.Add((x.shape, x.min().item<float>(), x.max().item<float>()));
            return x;
        });

        new Trainer(program, counting, new TrainerOptions(Steps: 3)).Run();

        Assert.Equal(0, counting.BatchesRead);
        Assert.Equal(0, counting.ImagesRead);
        Assert.Equal(6, inputs.Count);                 // two discriminator updates per step
        Assert.All(inputs, i => Assert.Equal(new long[] { 4, 3, 4, 4 }, i.Shape));
        Assert.All(inputs, i => Assert.True(i.Min >= 0 && i.Max <= 1, $"D input in [{i.Min}, {i.Max}]: not a rescaled fake"));
        Assert.Equal(6, program.DiscriminatorUpdates);
        Assert.Equal(3, program.GeneratorUpdates);
        Assert.Equal(24, program.DiscriminatorImages);
    }

    [Fact]
    public void GeneratorOutputsFourByFourImages()
    {
        using var program = Program(batch: 2);
        using var images = program.Predict(program.Generator.SampleLatent(2));
        Assert.Equal(new long[] { 2, 3, TutorialKerasProgram.OutputSize, TutorialKerasProgram.OutputSize }, images.shape);
        Assert.Equal(4, TutorialKerasProgram.OutputSize);
        Assert.False(images.requires_grad);             // predict returns a value detached from every graph
    }

    [Fact]
    public void NegativeDLossOfThePrintedPathSendsNoGradientToTheGenerator()
    {
        using var program = Program(batch: 4);
        using var scope = NewDisposeScope();
        var noise = program.Generator.SampleLatent(4);
        var img = (program.Predict(noise) + 1) / 2.0;
        var logits = program.Discriminator.forward(img);
        var gLoss = -nn.functional.binary_cross_entropy_with_logits(logits, zeros_like(logits));
        gLoss.backward();

        Assert.All(program.Generator.parameters(), p => Assert.True(p.grad is null || p.grad.abs().max().item<float>() == 0));
        Assert.Contains(program.Discriminator.parameters(), p => p.grad is not null && p.grad.abs().max().item<float>() > 0);

        // The same loss through a differentiable forward pass does reach the generator: the printed code cut the path.
        var throughG = -nn.functional.binary_cross_entropy_with_logits(
            program.Discriminator.forward((program.Generator.forward(noise) + 1) / 2.0), zeros_like(logits));
        throughG.backward();
        Assert.Contains(program.Generator.parameters(), p => p.grad is not null && p.grad.abs().max().item<float>() > 0);
    }

    [Fact]
    public void GeneratorUpdateIsOneAdamStepOnTheSquaredErrorToTheConstantMinusDLoss()
    {
        using var program = Program(batch: 4);
        using var scope = NewDisposeScope();
        program.Generator.train();
        var noise = program.Generator.SampleLatent(4);
        const double target = -0.7;                     // −d_loss for d_loss ≈ log 2
        var parameters = program.Generator.parameters().ToArray();
        var before = parameters.Select(p => p.detach().clone()).ToArray();
        var expectedLoss = (program.Generator.forward(noise) - target).square().mean();
        var gradients = autograd.grad(new[] { expectedLoss }, parameters);

        var (reported, _, _) = program.GeneratorTrainOnBatch(noise, target);

        Assert.Equal(expectedLoss.item<float>(), reported, 5);
        // Adam's first step: m̂ = g, v̂ = g², so Δθ = −lr·g / (|g| + ε) — about −lr·sign(g) for every weight with a gradient.
        for (int i = 0; i < parameters.Length; i++)
        {
            var expected = -1e-3 * gradients[i] / (gradients[i].abs() + 1e-7);
            var moved = parameters[i].detach() - before[i];
            Assert.True((moved - expected).abs().max().item<float>() < 2e-6, $"parameter {i}: update differs from the Adam step on the squared error");
        }
        Assert.True(parameters.Zip(before).Any(pair => (pair.First.detach() - pair.Second).abs().max().item<float>() > 0), "the generator's parameters move");
        using (no_grad())
            Assert.True((program.Generator.forward(noise) - target).square().mean().item<float>() < expectedLoss.item<float>(),
                "the update moves G(z) towards the constant −d_loss");
    }

    [Fact]
    public void ToCategoricalTurnsSignedPixelsIntoThreeClassesAndMultipliesTheSize()
    {
        using var pixels = tensor(new float[] { -1f, -0.5f, 0f, 0.99f, 1f });
        using var onehot = TutorialKerasProgram.ToCategorical(pixels, 10);
        Assert.Equal(new long[] { 5, 10 }, onehot.shape);
        Assert.Equal(new long[] { 9, 0, 0, 0, 1 }, onehot.argmax(1).data<long>().ToArray());
        Assert.Equal(5f, onehot.sum().item<float>());
        var error = Assert.Throws<ArgumentException>(() => TutorialKerasProgram.ToCategorical(tensor(new float[] { 12f }), 10));
        Assert.Contains("12", error.Message);
    }

    [Fact]
    public void CorrectedProgramReadsOneRealBatchPerStepAndGenerates32By32Images()
    {
        manual_seed(0);
        using var gan = TutorialKerasProgram.Corrected(imageSize: 32, generatorWidth: 8);
        using var real = rand(16, 3, 32, 32) * 2 - 1;
        using var batches = new TensorBatches(real, null, batchSize: 4, seed: 0);
        var counting = new CountingBatchSource(batches);
        new Trainer(gan, counting, new TrainerOptions(Steps: 2)).Run();
        Assert.Equal(2, counting.BatchesRead);
        Assert.Equal(8, counting.ImagesRead);
        using var images = gan.Generator.forward(gan.Generator.SampleLatent(2));
        Assert.Equal(new long[] { 2, 3, 32, 32 }, images.shape);
    }
}
