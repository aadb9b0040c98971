using System.Text.Json;
using FaceGen.Data;
using FaceGen.Evaluation;
using FaceGen.Jobs;
using FaceGen.Models;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The GAN hold-out split, <see cref="GeneratorEvaluator"/> on a known case, and <c>facegen eval generator</c>
/// end to end in child processes (train gan with --hold-out, a tiny recogniser, eval generator).</summary>
public class GeneratorEvaluationTests
{
    public GeneratorEvaluationTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void HoldOutSplitIsStratifiedSeededAndRebuiltFromTheOptions()
    {
        var options = new GanJobOptions { Identities = 6, PerIdentity = 10, ImageSize = 16, Channels = 1, Seed = 4, HoldOutFraction = 0.2 };
        var (train, heldOut) = GanJob.LoadSplit(options);
        var (train2, heldOut2) = GanJob.LoadSplit(options);
        using (train) using (heldOut) using (train2) using (heldOut2)
        {
            Assert.Equal((48, 12), (train.Count, heldOut!.Count));
            Assert.All(heldOut.LabelArray().GroupBy(l => l), g => Assert.Equal(2, g.Count()));   // round(10 · 0.2) per identity
            Assert.Empty(train.Sources.Intersect(heldOut.Sources));
            Assert.Equal(heldOut.Sources, heldOut2!.Sources);                                      // same options, same split
            Assert.Equal(6, train.ClassCount);
        }
        var (all, none) = GanJob.LoadSplit(options with { HoldOutFraction = 0 });
        using (all)
        {
            Assert.Null(none);
            Assert.Equal(60, all.Count);
        }
        Assert.Contains("--hold-out 1", Assert.Throws<ArgumentException>(() => GanJob.LoadSplit(options with { HoldOutFraction = 1 })).Message);
    }

    [Fact]
    public void SamplesThatAreTrainingImagesAreAllCopiesAndHeldOutFacesScoreBetterThanNoise()
    {
        var faces = FaceDataset.ToUnitRange(SyntheticFaces.Generate(new SyntheticFaceOptions(8, 8, 16, 1, Seed: 6)).Images);
        var split = Splits.Stratified(Enumerable.Range(0, 64).Select(i => i / 8).ToArray(), 0.25, 1);
        var training = faces.index_select(0, tensor(split.Train.Select(i => (long)i).ToArray()));
        var heldOut = faces.index_select(0, tensor(split.Test.Select(i => (long)i).ToArray()));
        using var recognizer = new FaceEmbedder(16, 1, width: 4, embeddingSize: 8);
        var e = GeneratorEvaluator.Evaluate(training.narrow(0, 0, 30), training, heldOut, recognizer, new GeneratorEvaluationOptions(),
            "copies", "random recogniser", Array.Empty<string>(), "synthetic");

        Assert.Equal(1.0, e.Pixels.CopyRate);
        Assert.Equal(1.0, e.Embedding!.CopyRate);
        Assert.Equal(new[] { GeneratorEvaluator.GeneratedSet, GeneratorEvaluator.GeneratedLikeForLikeSet, GeneratorEvaluator.HeldOutSet, GeneratorEvaluator.NoiseSet },
            e.Sets.Select(s => s.Set));
        Assert.True(e.Row(GeneratorEvaluator.HeldOutSet).PixelFd < e.Row(GeneratorEvaluator.NoiseSet).PixelFd);
        Assert.True(e.Row(GeneratorEvaluator.HeldOutSet).EmbeddingKid < e.Row(GeneratorEvaluator.NoiseSet).EmbeddingKid);
        Assert.Equal(0.0, e.Row(GeneratorEvaluator.NoiseSet).Precision);
        Assert.Contains("FD (recogniser embedding)", e.ToMarkdown());
        Assert.Contains("<th>copy rate</th>", e.ToHtmlTable());

        // Copies sit at the held-out end of both distances; noise samples at the noise end, so they are not read as faces.
        var (pixels, embedding) = e.SamplePosition();
        Assert.InRange(pixels, -0.1, 0.1);
        Assert.InRange(embedding!.Value, -0.1, 0.1);
        Assert.True(e.SamplesNearerRealThanNoise);
        var noiseSamples = rand(new long[] { 30, 1, 16, 16 }, generator: Seeding.Generator(41));
        var useless = GeneratorEvaluator.Evaluate(noiseSamples, training, heldOut, recognizer, new GeneratorEvaluationOptions(),
            "noise", "random recogniser", Array.Empty<string>(), "synthetic");
        Assert.InRange(useless.SamplePosition().Pixels, 0.8, 1.2);
        Assert.False(useless.SamplesNearerRealThanNoise);
    }

    [Fact]
    public void RgbSamplesAreConvertedToLumaForAGreyRecogniserAndResized()
    {
        using var recognizer = new FaceEmbedder(16, 1, width: 4, embeddingSize: 8);
        var rgb = ones(2, 3, 32, 32) * tensor(new float[] { 1, 0, 0 }).view(1, 3, 1, 1);   // pure red
        var grey = recognizer.Prepare(rgb);
        Assert.Equal(new long[] { 2, 1, 16, 16 }, grey.shape);
        Assert.Equal(0.299, grey.max().item<float>(), 5);
        Assert.Equal(0.299, grey.min().item<float>(), 5);
    }

    [Fact]
    public void EvalGeneratorCommandScoresAGanTrainedWithAHoldOut()
    {
        var root = TestPaths.NewTempFolder();
        var gan = Path.Combine(root, "gan");
        var trained = CliProcess.Run(new[] { "train", "gan", "--image-size", "16", "--channels", "1", "--width", "8", "--latent", "8",
            "--identities", "6", "--per-identity", "8", "--hold-out", "0.25", "--batch", "12", "--steps", "4", "--sample-every", "2",
            "--eval-every", "2", "--seed", "3", "--device", "cpu", "--out", gan });
        Assert.True(trained.ExitCode == 0, trained.All);
        Assert.Contains("12 more held out", File.ReadAllText(Path.Combine(gan, "report.html")));

        var recognizer = Path.Combine(root, "recognizer");
        RecognizerJob.Run(new RecognizerJobOptions
        {
            Dataset = "synthetic", Identities = 6, PerIdentity = 8, TrainPerIdentity = 4, ImageSize = 16, Channels = 1, Width = 4,
            Embedding = 8, Steps = 3, Batch = 12, Seed = 3, Device = "cpu",
        }, recognizer);

        var evalFolder = Path.Combine(root, "eval");
        var eval = CliProcess.Run(new[] { "eval", "generator", "--checkpoint", gan, "--recognizer", recognizer, "--samples", "40",
            "--device", "cpu", "--out", evalFolder });
        Assert.True(eval.ExitCode == 0, eval.All);
        foreach (var file in new[] { "metrics.json", "results.md", "results.html", "nearest.png", "closest.png" })
            Assert.True(File.Exists(Path.Combine(evalFolder, file)), file);
        Assert.Contains("results.md", eval.Output);
        Assert.Contains("| FD (recogniser embedding) |", File.ReadAllText(Path.Combine(evalFolder, "results.md")));

        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalFolder, "metrics.json")));
        var e = metrics.RootElement.GetProperty("Evaluation");
        Assert.Equal(36, e.GetProperty("TrainingImages").GetInt32());
        Assert.Equal(12, e.GetProperty("HeldOutImages").GetInt32());
        var sets = e.GetProperty("Sets").EnumerateArray().ToDictionary(s => s.GetProperty("Set").GetString()!);
        Assert.Equal(40, sets[GeneratorEvaluator.GeneratedSet].GetProperty("Images").GetInt32());
        Assert.Equal(12, sets[GeneratorEvaluator.GeneratedLikeForLikeSet].GetProperty("Images").GetInt32());
        // Sanity of the references: new real faces of the same people are far nearer the training set than noise.
        Assert.True(sets[GeneratorEvaluator.HeldOutSet].GetProperty("PixelFd").GetDouble() < sets[GeneratorEvaluator.NoiseSet].GetProperty("PixelFd").GetDouble());
        Assert.True(sets[GeneratorEvaluator.HeldOutSet].GetProperty("EmbeddingFd").GetDouble() < sets[GeneratorEvaluator.NoiseSet].GetProperty("EmbeddingFd").GetDouble());
        foreach (var space in new[] { "Pixels", "Embedding" })
        {
            var m = e.GetProperty(space);
            Assert.InRange(m.GetProperty("CopyRate").GetDouble(), 0, 1);
            Assert.Equal(1.0 / 12, m.GetProperty("HeldOutRate").GetDouble(), 9);   // 12 held-out distances: only the smallest lies below their 5th percentile
        }

        var missing = Path.Combine(root, "no-such-run");
        var bad = CliProcess.Run(new[] { "eval", "generator", "--checkpoint", missing, "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("no-such-run", bad.All);
        Assert.False(Directory.Exists(Path.Combine(root, "bad")), "a refused command writes no folder");

        var wrongKind = CliProcess.Run(new[] { "eval", "generator", "--checkpoint", recognizer, "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, wrongKind.ExitCode);
        Assert.Contains("neither generator.module", wrongKind.All);
    }

    [Fact]
    public void AGanWithoutHoldOutAndAGreyGeneratorForAnRgbRecogniserAreRefusedWithTheReason()
    {
        var root = TestPaths.NewTempFolder();
        var gan = Path.Combine(root, "gan");
        GanJob.Run(new GanJobOptions
        {
            Identities = 4, PerIdentity = 4, ImageSize = 16, Channels = 1, Width = 8, Latent = 8, Batch = 8, Steps = 1,
            SampleEvery = 1, EvaluateEvery = 1, CheckpointEvery = 1, Device = "cpu",
        }, gan);
        var noHoldOut = Assert.Throws<DataException>(() => GeneratorEvaluator.Run(gan, null, TestPaths.NewTempFolder(), new GeneratorEvaluationOptions { Samples = 8 }));
        Assert.Contains("config.json", noHoldOut.Message);
        Assert.Contains("--hold-out", noHoldOut.Message);

        var recognizer = Path.Combine(root, "recognizer");
        RecognizerJob.Run(new RecognizerJobOptions
        {
            Identities = 4, PerIdentity = 4, TrainPerIdentity = 2, ImageSize = 16, Channels = 3, Width = 4, Embedding = 8, Steps = 1, Batch = 8, Device = "cpu",
        }, recognizer);
        var channels = Assert.Throws<ArgumentException>(() => GeneratorEvaluator.Run(gan, recognizer, TestPaths.NewTempFolder(), new GeneratorEvaluationOptions { Samples = 8 }));
        Assert.Contains("3-channel (RGB)", channels.Message);
        Assert.Contains("--channels", channels.Message);
    }

    [Fact]
    public void AVaeRunIsScoredAgainstItsOwnHeldOutSplit()
    {
        var vae = TestPaths.NewTempFolder();
        VaeJob.Run(new VaeJobOptions
        {
            Dataset = "synthetic", Arch = "conv", ImageSize = 32, Channels = 1, Latent = 8, Width = 8, Steps = 2, Batch = 16,
            Identities = 4, PerIdentity = 8, TestFraction = 0.25, Seed = 2, SampleEvery = 2, EvaluateEvery = 2, CheckpointEvery = 2, Device = "cpu",
        }, vae);
        var folder = TestPaths.NewTempFolder();
        var e = GeneratorEvaluator.Run(vae, null, folder, new GeneratorEvaluationOptions { Samples = 20 });
        Assert.StartsWith("vae (conv, bernoulli", e.Generator);
        Assert.Equal((24, 8, 20), (e.TrainingImages, e.HeldOutImages, e.Samples));   // TestFraction 0.25 of 4 × 8
        Assert.Null(e.Embedding);
        Assert.Null(e.Row(GeneratorEvaluator.GeneratedSet).EmbeddingFd);
        Assert.True(File.Exists(Path.Combine(folder, "nearest.png")));
    }
}
