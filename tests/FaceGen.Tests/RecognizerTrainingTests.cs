using System.Text.Json;
using FaceGen.Jobs;
using FaceGen.Runtime;
using FaceGen.Training;
using Xunit.Abstractions;

namespace FaceGen.Tests;

public class RecognizerTrainingTests(ITestOutputHelper output)
{
    static RecognizerJobOptions Small(int steps) => new()
    {
        Dataset = "synthetic", Identities = 10, PerIdentity = 10, TrainPerIdentity = 5, ImageSize = 32, Channels = 1, Width = 8,
        Embedding = 32, Steps = steps, Batch = 50, Seed = 3, CheckpointEvery = 0, Device = "cpu",
    };

    [Fact]
    public void RecogniserBeatsChanceByAWideMarginOnSyntheticIdentitiesWithinSeconds()
    {
        TorchRuntime.EnsureInitialized();
        var folder = TestPaths.NewTempFolder();
        var result = RecognizerJob.Run(Small(60), folder);
        var e = result.Evaluation;
        output.WriteLine($"{result.Seconds:F1} s: recogniser {e.RecognizerAccuracy:P1}, eigenfaces {e.EigenfacesAccuracy:P1}, pixels {e.PixelNearestNeighbourAccuracy:P1}, AUC {e.Verification.Auc:F3}");
        Assert.Equal((50, 50, 10), (e.TrainImages, e.TestImages, e.Identities));
        // Chance is 1/10. With 50 test images, 25 or more right by chance has probability
        // Σ_{x≥25} C(50, x) 0.1^x 0.9^(50−x) < 1e-11, so ≥ 50 % is far beyond luck.
        Assert.True(e.RecognizerAccuracy >= 0.5, $"identification {e.RecognizerAccuracy:P1}");
        Assert.True(e.Verification.Auc > 0.8, $"AUC {e.Verification.Auc:F3}");
        Assert.Equal(100, e.Verification.GenuinePairs);   // C(5, 2) = 10 per identity among the test images, all of them
        Assert.Equal(1125, e.Verification.ImpostorPairs); // C(50, 2) − 100, all of them
        foreach (var file in new[] { "config.json", "model.json", "history.csv", "metrics.json", "report.html", "checkpoints/final/embedder.module", "checkpoints/final/head.module" })
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        var history = TrainingHistory.FromCsv(File.ReadAllText(Path.Combine(folder, "history.csv")));
        var (_, losses) = history.Series("loss");
        Assert.True(losses[^5..].Average() < losses[..5].Average(), $"loss {losses[0]:F2} → {losses[^1]:F2}");

        // The saved embedder, evaluated again on the run's split, gives the same figures.
        var (embedder, options) = RecognizerJob.Load(folder);
        using (embedder)
        {
            var (train, test) = RecognizerJob.LoadSplit(options, null);
            using (train) using (test)
                Assert.Equal(e, RecognizerJob.Evaluate(embedder, train, test, options) with { Verification = e.Verification });
        }
    }
}

public class RecognizerCliTests
{
    [Fact]
    public void TrainThenEvaluateARecogniserInChildProcesses()
    {
        var root = TestPaths.NewTempFolder();
        var run = Path.Combine(root, "run");
        var train = CliProcess.Run(new[] { "train", "recognizer", "--dataset", "synthetic", "--identities", "6", "--per-identity", "6",
            "--train-per-identity", "3", "--image-size", "32", "--channels", "1", "--width", "4", "--embedding", "16", "--head", "cosface",
            "--steps", "4", "--batch", "18", "--seed", "5", "--device", "cpu", "--out", run });
        Assert.True(train.ExitCode == 0, train.All);
        Assert.Contains("identification 1-NN: eigenfaces", train.Output);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "final", "embedder.module")));

        var evalFolder = Path.Combine(root, "eval");
        var eval = CliProcess.Run(new[] { "eval", "recognizer", "--checkpoint", run, "--device", "cpu", "--out", evalFolder });
        Assert.True(eval.ExitCode == 0, eval.All);
        Assert.Contains("TAR at FAR = 1e-3", eval.Output);
        // The same model on the same split: eval's figures equal those the training run wrote.
        using var trained = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        using var evaluated = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalFolder, "metrics.json")));
        var a = trained.RootElement.GetProperty("Evaluation");
        var b = evaluated.RootElement.GetProperty("Evaluation");
        foreach (var name in new[] { "RecognizerAccuracy", "EigenfacesAccuracy", "PixelNearestNeighbourAccuracy" })
            Assert.Equal(a.GetProperty(name).GetDouble(), b.GetProperty(name).GetDouble());
        Assert.Equal(a.GetProperty("Verification").GetProperty("Auc").GetDouble(), b.GetProperty("Verification").GetProperty("Auc").GetDouble(), 6);

        var bad = CliProcess.Run(new[] { "train", "recognizer", "--head", "triplet", "--steps", "1", "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--head triplet", bad.All);
    }
}
