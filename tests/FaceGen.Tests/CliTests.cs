using SixLabors.ImageSharp;
using FaceGen.Runtime;

namespace FaceGen.Tests;

public class CliTests
{
    [Fact]
    public void DoctorInAFreshProcessBuildsItsOwnCompatCopyAndIsGreen()
    {
        var cache = TestPaths.NewTempFolder("facegen-cache");
        var result = CliProcess.Run(new[] { "doctor", "--device", "cpu" }, new Dictionary<string, string> { ["FACEGEN_CACHE"] = cache });
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("doctor: healthy", result.Output);
        Assert.Contains("[[7,10],[15,22]]", result.Output);
        bool compatNeeded = TorchRuntime.EnsureInitialized().CompatCopyInUse;
        Assert.Equal(compatNeeded, Directory.Exists(Path.Combine(cache, "native")));
    }

    [Fact]
    public void DoctorNamesTheConvolutionPathAndHonoursTheForcedOne()
    {
        // Whatever FACEGEN_CONV_BACKEND the suite runs under (CI forces aten in a second pass), the option is what is tested.
        var result = CliProcess.Run(new[] { "doctor", "--conv-backend", "aten" }, new Dictionary<string, string> { ["FACEGEN_CONV_BACKEND"] = "" });
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("aten (forced by --conv-backend aten;", result.Output);   // the table wraps after this
        Assert.Contains("doctor: healthy", result.Output);
        var bad = CliProcess.Run(new[] { "doctor" }, new Dictionary<string, string> { ["FACEGEN_CONV_BACKEND"] = "mkl" });
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("FACEGEN_CONV_BACKEND mkl: expected one of auto, onednn, aten", bad.All);
    }

    [Fact]
    public void AMistypedOptionIsAnErrorNotIgnored()
    {
        // Before strict parsing, `train gan --stepz 5` trained for the default 2,000 steps and exited 0.
        var result = CliProcess.Run(new[] { "train", "gan", "--stepz", "5" });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unknown option 'stepz'; did you mean '--steps'?", result.All);
    }

    [Theory]
    [InlineData("10000000")]
    [InlineData("-5")]
    public void ASampleCountOutsideOneGridIsRefusedBeforeAnythingLoads(string count)
    {
        // Ten million samples once grew without limit; -5 reached LibTorch and printed a native stack trace.
        var result = CliProcess.Run(new[] { "sample", "gan", "--checkpoint", "no-such-run", "-n", count });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"-n {count}: expected 1 to 4096 samples in one grid.", result.All);
    }

    [Fact]
    public void AnUnwritableOutIsOneParagraphAndVerboseAddsTheStackTrace()
    {
        var result = CliProcess.Run(new[] { "train", "gan", "--steps", "2", "--out", "/proc/facegen-run" });
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--out /proc/facegen-run: cannot create /proc/facegen-run", result.All);
        Assert.DoesNotContain("   at ", result.All);
        var verbose = CliProcess.Run(new[] { "train", "gan", "--steps", "2", "--out", "/proc/facegen-run", "--verbose" });
        Assert.Equal(2, verbose.ExitCode);
        Assert.Contains("RunFolders.Create", verbose.All);
    }

    [Fact]
    public void DoctorExitsNonZeroWithTheCauseForABadDevice()
    {
        var result = CliProcess.Run(new[] { "doctor" }, new Dictionary<string, string> { ["FACEGEN_DEVICE"] = "tpu" });
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("FACEGEN_DEVICE=tpu", result.All);
    }
}

public class CliDataTests
{
    static Dictionary<string, string> NoCacheEnv(string cache) => new() { ["FACEGEN_CACHE"] = cache };

    [Fact]
    public void PreviewOfSyntheticFacesWritesAContactSheetOfTheRequestedSize()
    {
        var folder = TestPaths.NewTempFolder();
        var png = Path.Combine(folder, "sheet.png");
        var result = CliProcess.Run(new[] { "data", "preview", "synthetic", "--identities", "3", "--per-identity", "4", "--size", "32", "--rows", "3", "--columns", "4", "--out", png });
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("synthetic: 12 images, 3 classes, 3×32×32", result.Output);
        using var image = SixLabors.ImageSharp.Image.Load(png);
        Assert.Equal((4 * 34 + 2, 3 * 34 + 2), (image.Width, image.Height)); // 32 px cells with 2 px borders
        // Never overwrite: the same --out again is refused.
        var again = CliProcess.Run(new[] { "data", "preview", "synthetic", "--identities", "3", "--per-identity", "4", "--size", "32", "--out", png });
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("already exists", again.All);
    }

    [Fact]
    public void BadInputEndsWithOneLineNamingTheFileOrValue()
    {
        var missing = CliProcess.Run(new[] { "data", "preview", "/no/such/folder" });
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("/no/such/folder", missing.All);
        Assert.DoesNotContain("   at ", missing.All); // no stack trace for bad input

        var root = TestPaths.NewTempFolder();
        Directory.CreateDirectory(Path.Combine(root, "alice"));
        var good = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(8, 8);
        good.SaveAsPng(Path.Combine(root, "alice", "1.png"));
        good.SaveAsPng(Path.Combine(root, "alice", "2.png"));
        File.WriteAllText(Path.Combine(root, "alice", "3.png"), "not a png");
        var cache = TestPaths.NewTempFolder();
        var corrupt = CliProcess.Run(new[] { "data", "preview", root, "--size", "8", "--out", Path.Combine(root, "a.png") }, NoCacheEnv(cache));
        Assert.Equal(2, corrupt.ExitCode);
        Assert.Contains("3.png", corrupt.All);
        var skipped = CliProcess.Run(new[] { "data", "preview", root, "--size", "8", "--skip-bad", "--out", Path.Combine(root, "b.png") }, NoCacheEnv(cache));
        Assert.True(skipped.ExitCode == 0, skipped.All);
        Assert.Contains("1 skipped", skipped.Output);

        var fetch = CliProcess.Run(new[] { "data", "fetch", "imagenet" });
        Assert.Equal(2, fetch.ExitCode);
        Assert.Contains("cifar10", fetch.All);
    }

    [Fact]
    public void DataListShowsWhatIsFoundUnderTheRoot()
    {
        var root = TestPaths.NewTempFolder();
        Directory.CreateDirectory(Path.Combine(root, "att_faces", "s1"));
        File.WriteAllBytes(Path.Combine(root, "att_faces", "s1", "1.pgm"), "P5\n1 1\n255\n\0"u8.ToArray());
        var result = CliProcess.Run(new[] { "data", "list", "--data-root", root });
        Assert.True(result.ExitCode == 0, result.All);
        var attLine = result.Output.Split('\n').First(l => l.Contains("att "));
        Assert.Contains("yes", attLine);
        Assert.Contains("facegen data fetch lfw", result.Output);
    }

    [Fact]
    public void QuickstartRunsDoctorAndWritesContactSheets()
    {
        var output = Path.Combine(TestPaths.NewTempFolder(), "qs");
        var arguments = new List<string> { "quickstart", "--out", output };
        bool real = Directory.Exists(TestPaths.AttFaces);
        if (real) arguments.AddRange(new[] { "--data-root", TestPaths.SharedData });
        var result = CliProcess.Run(arguments, timeoutSeconds: 600);
        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("doctor: healthy", result.Output);
        foreach (var sheet in new[] { "synthetic-64px-rgb.png", "synthetic-32px-grey.png", "synthetic-128px-rgb.png" })
            Assert.True(File.Exists(Path.Combine(output, sheet)), sheet);
        if (real)
        {
            Assert.True(File.Exists(Path.Combine(output, "att-64px.png")));
            Assert.True(File.Exists(Path.Combine(output, "utkface-64px.png")));
        }
    }
}

public class CliTrainingTests
{
    [Fact]
    public void TrainSampleAndEvaluateFromTheCommandLine()
    {
        var root = TestPaths.NewTempFolder();
        var gan = Path.Combine(root, "gan");
        var trained = CliProcess.Run(new[] { "train", "gan", "--image-size", "32", "--width", "8", "--latent", "16", "--identities", "4",
            "--per-identity", "8", "--batch", "16", "--steps", "6", "--sample-every", "3", "--eval-every", "3", "--loss", "hinge", "--d-norm", "spectral", "--out", gan });
        Assert.True(trained.ExitCode == 0, trained.All);
        Assert.Contains("6 steps in", trained.Output);
        Assert.True(File.Exists(Path.Combine(gan, "report.html")));

        var png = Path.Combine(root, "samples.png");
        var sampled = CliProcess.Run(new[] { "sample", "gan", "--checkpoint", gan, "-n", "9", "--out", png });
        Assert.True(sampled.ExitCode == 0, sampled.All);
        using (var image = SixLabors.ImageSharp.Image.Load(png)) Assert.Equal(3 * 34 + 2, image.Width);

        var vae = Path.Combine(root, "vae");
        var vaeRun = CliProcess.Run(new[] { "train", "vae", "--image-size", "32", "--channels", "1", "--width", "8", "--latent", "4",
            "--identities", "4", "--per-identity", "10", "--batch", "8", "--steps", "6", "--sample-every", "3", "--out", vae });
        Assert.True(vaeRun.ExitCode == 0, vaeRun.All);
        var vaeEval = Path.Combine(root, "vae-eval");
        var evaluated = CliProcess.Run(new[] { "eval", "vae", "--checkpoint", vae, "--importance-samples", "5", "--out", vaeEval });
        Assert.True(evaluated.ExitCode == 0, evaluated.All);
        Assert.Contains("IWAE bound, K = 5", evaluated.Output);
        Assert.Contains("bits per dimension", evaluated.Output);
        // Like the other evaluations, the numbers printed are written to metrics.json.
        using (var metrics = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(vaeEval, "metrics.json"))))
        {
            var evaluation = metrics.RootElement.GetProperty("Evaluation");
            Assert.Equal(5, evaluation.GetProperty("ImportanceSamples").GetInt32());
            Assert.True(evaluation.GetProperty("LogLikelihood").GetDouble() >= evaluation.GetProperty("Elbo").GetDouble() - 1e-3,
                "the IWAE bound is at least the ELBO");
        }

        var shortName = CliProcess.Run(new[] { "train", "gan", "--loss", "ns", "--image-size", "32", "--width", "8", "--latent", "16", "--identities", "4",
            "--per-identity", "8", "--batch", "16", "--steps", "1", "--out", Path.Combine(root, "ns") });
        Assert.True(shortName.ExitCode == 0, "--loss ns is accepted on the command line as in a spec: " + shortName.All);

        var badLoss = CliProcess.Run(new[] { "train", "gan", "--loss", "wasserstein", "--steps", "1", "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, badLoss.ExitCode);
        Assert.Contains("--loss wasserstein", badLoss.All);
    }
}
