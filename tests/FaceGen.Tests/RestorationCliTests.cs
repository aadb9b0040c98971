using System.Text.Json;
using FaceGen.Jobs;

namespace FaceGen.Tests;

/// <summary><c>facegen train restore</c> and <c>eval restore</c> in child processes, scored through a small recogniser.</summary>
public class RestorationCliTests
{
    [Fact]
    public void TrainThenEvaluateARestorerWithARecogniser()
    {
        var root = TestPaths.NewTempFolder();
        var recognizer = Path.Combine(root, "recognizer");
        RecognizerJob.Run(new RecognizerJobOptions
        {
            Dataset = "synthetic", Identities = 6, PerIdentity = 6, TrainPerIdentity = 3, ImageSize = 32, Channels = 1, Width = 4,
            Embedding = 16, Steps = 3, Batch = 18, Seed = 5, Device = "cpu",
        }, recognizer);

        var run = Path.Combine(root, "run");
        var train = CliProcess.Run(new[] { "train", "restore", "--task", "denoise", "--model", "unet", "--noise", "0.1,0.2",
            "--identities", "6", "--per-identity", "10", "--size", "32", "--width", "4", "--steps", "3", "--batch", "8",
            "--evaluation-images", "12", "--recognizer", recognizer, "--device", "cpu", "--out", run });
        Assert.True(train.ExitCode == 0, train.All);
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "final", "restorer.module")));

        var evalFolder = Path.Combine(root, "eval");
        var eval = CliProcess.Run(new[] { "eval", "restore", "--checkpoint", run, "--recognizer", recognizer, "--device", "cpu", "--out", evalFolder });
        Assert.True(eval.ExitCode == 0, eval.All);
        using var trained = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        using var evaluated = JsonDocument.Parse(File.ReadAllText(Path.Combine(evalFolder, "metrics.json")));
        var a = trained.RootElement.GetProperty("Evaluation").GetProperty("Scores").EnumerateArray().ToList();
        var b = evaluated.RootElement.GetProperty("Evaluation").GetProperty("Scores").EnumerateArray().ToList();

        // Rows: the originals, then per noise level: degraded, blur, median, the restorer.
        Assert.Equal(1 + 2 * 4, a.Count);
        Assert.Equal("original", a[0].GetProperty("Method").GetString());
        Assert.Equal(1.0, a[0].GetProperty("IdentitySimilarity").GetDouble(), 5);   // a face against itself
        // The reloaded checkpoint on the same held-out faces and degradations gives the same numbers.
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].GetProperty("Method").GetString(), b[i].GetProperty("Method").GetString());
            if (a[i].GetProperty("Psnr").ValueKind == JsonValueKind.Number)
                Assert.Equal(a[i].GetProperty("Psnr").GetDouble(), b[i].GetProperty("Psnr").GetDouble(), 4);
            Assert.Equal(a[i].GetProperty("VerificationAuc").GetDouble(), b[i].GetProperty("VerificationAuc").GetDouble(), 6);
        }
        // Heavier noise hurts: the degraded faces at σ = 0.2 score a lower PSNR than at σ = 0.1.
        Assert.True(a[5].GetProperty("Psnr").GetDouble() < a[1].GetProperty("Psnr").GetDouble());

        var bad = CliProcess.Run(new[] { "train", "restore", "--task", "colorize", "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--task colorize", bad.All);
        Assert.False(Directory.Exists(Path.Combine(root, "bad")), "a refused command writes no run folder");
    }
}
