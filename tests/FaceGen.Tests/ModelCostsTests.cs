using FaceGen.Benchmarks;
using FaceGen.Models;

namespace FaceGen.Tests;

/// <summary>Model costs: parameters and FLOPs against hand counts, and times that are positive and consistent.</summary>
public class ModelCostsTests
{
    [Fact]
    public void MlpVaeCostCountsItsLayersAndTimesTraining()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var cost = ModelCosts.Vae("MLP VAE", () => new MlpVae(1, 16, 32, 4), 16, 1, batch: 8, steps: 2);
        double wall = clock.Elapsed.TotalSeconds;
        // fc1 256→32, fc21 and fc22 32→4, fc3 4→32, fc4 32→256: weights plus biases.
        long parameters = 256 * 32 + 32 + 2 * (32 * 4 + 4) + 4 * 32 + 32 + 32 * 256 + 256;
        Assert.Equal(parameters, cost.Parameters);
        double forward = 2.0 * (256 * 32 + 2 * 32 * 4 + 4 * 32 + 32 * 256);
        Assert.Equal(forward / 1e6, cost.InferenceMflopPerImage, 12);
        Assert.Equal(3 * forward / 1e6, cost.TrainingMflopPerImage, 12);
        Assert.Equal(parameters * 16.0 / (1 << 20), cost.StateMegabytes, 12);
        Assert.True(cost.SecondsPerStep > 0 && cost.InferenceImagesPerSecond > 0 && cost.ResidentMegabytes > 0);
        // The timed steps happened inside this call: their time cannot exceed it (a per-run time reported per step, or
        // milliseconds taken for seconds, would), so the training rate is at least the 2 × 8 images over the whole call
        // (a rate counting batches instead of images would fall below it).
        Assert.True(2 * cost.SecondsPerStep <= wall, $"2 steps of {cost.SecondsPerStep:F4} s in a call of {wall:F4} s");
        Assert.True(cost.TrainingImagesPerSecond >= 2 * 8 / wall, $"{cost.TrainingImagesPerSecond:F1} images/s, the call did {2 * 8 / wall:F1}");
    }

    [Fact]
    public void GanAndRecognizerCostsCountBothNetworks()
    {
        var gan = ModelCosts.Gan("DCGAN-16", 16, 1, width: 4, latent: 8, batch: 4, steps: 1);
        using (var g = new DcganGenerator(16, 1, 8, 4))
        using (var d = new DcganDiscriminator(16, 1, 4))
            Assert.Equal(GanArchitecture.ParameterCount(g) + GanArchitecture.ParameterCount(d), gan.Parameters);
        Assert.True(gan.TrainingMflopPerImage > 4 * gan.InferenceMflopPerImage, "a GAN step runs G four times and D nine");

        var recognizer = ModelCosts.Recognizer("recogniser", 16, 1, width: 4, embedding: 8, classes: 5, batch: 4, steps: 1);
        using var embedder = new FaceEmbedder(16, 1, 4, 8);
        // The ArcFace head holds one 8-d vector per identity.
        Assert.Equal(GanArchitecture.ParameterCount(embedder) + 5 * 8, recognizer.Parameters);
        Assert.Equal(3 * (recognizer.InferenceMflopPerImage + 2.0 * 8 * 5 / 1e6), recognizer.TrainingMflopPerImage, 12);
    }
}
