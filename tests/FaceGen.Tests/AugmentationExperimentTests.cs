using FaceGen.Data;
using FaceGen.Experiments;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class AugmentationExperimentTests
{
    static readonly AugmentExperimentOptions Tiny = new()
    {
        Dataset = "synthetic", ImageSize = 16, Channels = 1, Width = 4, Embedding = 8, Steps = 2, Batch = 8,
        GeneratorSteps = 2, GeneratorWidth = 4, GeneratorLatent = 4, SyntheticPerIdentity = 3, Device = "cpu",
    };

    /// <summary>5 identities × 4 synthetic faces at 16 px, split k = 2 / 2 with seed 1.</summary>
    static (FaceDataset All, FaceDataset Train, FaceDataset Test) Split()
    {
        var all = SyntheticFaces.Generate(new SyntheticFaceOptions(5, 4, 16, 1, Seed: 9));
        var (train, test) = Splits.PerIdentity(all, 2, 1);
        return (all, train, test);
    }

    static bool SameBytes(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void ConditionAServesTheRealImagesUntouchedWhileBFlipsCropsAndJitters()
    {
        var (all, train, test) = Split();
        using (all) using (train) using (test)
        {
            Assert.Equal(RecognizerAugmentation.None, AugmentationExperiment.Augmentation(AugmentCondition.Real, Tiny));
            var classic = AugmentationExperiment.Augmentation(AugmentCondition.Classic, Tiny);
            Assert.Equal((1, 0.2), (classic.CropPadding, classic.Jitter)); // crop ±16/16 px at 16 px
            Assert.Equal(classic, AugmentationExperiment.Augmentation(AugmentCondition.Generated, Tiny));
            Assert.Equal(classic, AugmentationExperiment.Augmentation(AugmentCondition.Pretrained, Tiny));

            var real = AugmentationExperiment.RecognizerBatches(AugmentCondition.Real, train, null, Tiny, seed: 3, CPU);
            var flipped = AugmentationExperiment.RecognizerBatches(AugmentCondition.Classic, train, null, Tiny, seed: 3, CPU);
            int flips = 0;
            for (int step = 0; step < 12; step++)
            {
                var a = real.Next();
                Assert.All(a.Flipped, f => Assert.False(f));
                using var index = tensor(a.Indices.Select(i => (long)i).ToArray());
                Assert.True(SameBytes(FaceDataset.ToUnitRange(train.Images.index_select(0, index)), a.Images), $"step {step}: (a) altered an image");
                var b = flipped.Next();
                Assert.Equal(a.Indices, b.Indices); // same real images in the same order: only the augmentation differs
                flips += b.Flipped.Count(f => f);
            }
            Assert.True(flips > 0, "(b) never flipped an image");
            ((IDisposable)real).Dispose();
            ((IDisposable)flipped).Dispose();
        }
    }

    [Fact]
    public void TheGeneratorOfConditionCOnlyEverReceivesTheKTrainingImagesPerIdentity()
    {
        var (all, train, test) = Split();
        using (all) using (train) using (test)
        {
            var trainSources = train.Sources.ToHashSet();
            Assert.Empty(trainSources.Intersect(test.Sources));
            using var batches = AugmentationExperiment.GeneratorBatches(train, Tiny, seed: 1, CPU);
            var seen = new HashSet<int>();
            for (int step = 0; step < 6; step++) // 6 epochs of the one full batch (N = 10 ≤ 64)
            {
                var batch = batches.Next();
                Assert.All(batch.Indices, i => Assert.InRange(i, 0, train.Count - 1));
                seen.UnionWith(batch.Indices);
                // The labels it conditions on are the training images' own.
                Assert.Equal(batch.Indices.Select(i => train.LabelArray()[i]), batch.Labels.data<long>().Select(l => (int)l));
                Assert.True(batch.Images.min().item<float>() >= -1 && batch.Images.max().item<float>() <= 1);
            }
            Assert.Equal(Enumerable.Range(0, train.Count), seen.Order()); // exactly the k = 2 images of each of 5 identities
            Assert.Equal(10, train.Count);
            Assert.All(train.Sources, s => Assert.DoesNotContain(s, test.Sources));

            foreach (var generator in new[] { "cgan", "cvae" })
            {
                using var generated = AugmentationExperiment.GenerateFaces(train, Tiny with { Generator = generator }, seed: 1, k: 2, CPU);
                Assert.Equal(15, generated.Count); // 3 per identity
                Assert.Equal(new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4 }, generated.LabelArray());
                Assert.Equal(train.ClassNames, generated.ClassNames);
                Assert.Equal(new long[] { 15, 1, 16, 16 }, generated.Images.shape);
                Assert.StartsWith($"generated {generator} seed=1 k=2 class=4", generated.Sources[^1]);
            }
        }
    }

    [Fact]
    public void ConditionCBatchesHoldTheStatedRatioOfGeneratedImagesWithTheirConditioningLabels()
    {
        var (all, train, test) = Split();
        using (all) using (train) using (test)
        {
            // Stand-in "generated" images: the test images relabelled in reverse, so a wrong label or source shows.
            var reversed = test.LabelArray().Select(l => 4 - l).ToArray();
            using var generated = new FaceDataset("generated", test.Images.clone(), tensor(reversed.Select(l => (long)l).ToArray()), train.ClassNames, test.Sources);
            var options = Tiny with { SyntheticRatio = 0.5 };
            var mixed = AugmentationExperiment.RecognizerBatches(AugmentCondition.Generated, train, generated, options, seed: 4, CPU);
            var classic = AugmentationExperiment.RecognizerBatches(AugmentCondition.Classic, train, null, options, seed: 4, CPU);
            for (int step = 0; step < 5; step++)
            {
                var batch = mixed.Next();
                var realOnly = classic.Next();
                Assert.Equal(12, batch.Count); // 8 real + round(0.5 · 8) = 4 generated
                var generatedRows = batch.Indices.Select((index, row) => (index, row)).Where(p => p.index >= train.Count).ToArray();
                Assert.Equal(4, generatedRows.Length);
                Assert.Equal(Enumerable.Range(8, 4), generatedRows.Select(p => p.row));
                Assert.Equal(realOnly.Indices, batch.Indices[..8]); // the real part is (b)'s batch
                Assert.True(SameBytes(realOnly.Images, batch.Images.narrow(0, 0, 8)));
                var labels = batch.Labels.data<long>().Select(l => (int)l).ToArray();
                for (int row = 0; row < batch.Count; row++)
                {
                    int index = batch.Indices[row];
                    int expected = index < train.Count ? train.LabelArray()[index] : reversed[index - train.Count];
                    Assert.Equal(expected, labels[row]);
                }
                foreach (var (index, row) in generatedRows)
                {
                    var source = FaceDataset.ToUnitRange(generated.Images[index - train.Count]);
                    if (batch.Flipped[row]) source = source.flip(2);
                    Assert.True(SameBytes(source, batch.Images[row]), $"step {step}, row {row}: not generated image {index - train.Count}");
                }
            }
            // Positions restore both sources: batch 3 again.
            mixed.Position = 3;
            var again = mixed.Next();
            mixed.Position = 3;
            Assert.Equal(again.Indices.ToArray(), mixed.Next().Indices);
            ((IDisposable)mixed).Dispose();
            ((IDisposable)classic).Dispose();
        }
    }

    [Fact]
    public void TheSameSeedGivesTheSameRunAndConditionsShareTheirSplit()
    {
        var (all, train, test) = Split();
        using (all) using (train) using (test)
        {
            var first = AugmentationExperiment.RunCondition(AugmentCondition.Generated, train, test, 2, 5, Tiny, CPU);
            var second = AugmentationExperiment.RunCondition(AugmentCondition.Generated, train, test, 2, 5, Tiny, CPU);
            Assert.Equal(first with { Seconds = 0 }, second with { Seconds = 0 });
            var real = AugmentationExperiment.RunCondition(AugmentCondition.Real, train, test, 2, 5, Tiny, CPU);
            // The references depend on the split alone.
            Assert.Equal((first.EigenfacesAccuracy, first.PixelAccuracy), (real.EigenfacesAccuracy, real.PixelAccuracy));
            Assert.Throws<ArgumentException>(() => AugmentationExperiment.RunCondition(AugmentCondition.Pretrained, train, test, 2, 5, Tiny, CPU));
        }
    }

    [Fact]
    public void SummaryIsTheMeanAndSampleStandardDeviationOverSeeds()
    {
        AugmentRun Run(AugmentCondition c, int k, int seed, double accuracy, double auc, double eer) =>
            new(c, k, seed, accuracy, auc, eer, Seconds: seed, EigenfacesAccuracy: 0.25 * seed, PixelAccuracy: 0.1);
        var runs = new List<AugmentRun>
        {
            Run(AugmentCondition.Classic, 1, 1, 0.5, 0.90, 0.20),
            Run(AugmentCondition.Real, 1, 1, 0.4, 0.80, 0.30),
            Run(AugmentCondition.Classic, 1, 2, 0.6, 0.92, 0.10),
            Run(AugmentCondition.Classic, 1, 3, 0.7, 0.94, 0.30),
            Run(AugmentCondition.Real, 2, 1, 0.9, 0.99, 0.05),
        };
        var summary = AugmentationExperiment.Summarise(runs);
        Assert.Equal(new[] { (1, AugmentCondition.Real), (1, AugmentCondition.Classic), (2, AugmentCondition.Real) },
            summary.Select(s => (s.K, s.Condition)));
        var classic = summary[1];
        Assert.Equal(3, classic.Runs);
        // mean 0.6; s² = (0.01 + 0 + 0.01) / 2 = 0.01 → s = 0.1
        Assert.Equal(0.6, classic.Accuracy.Mean, 12);
        Assert.Equal(0.1, classic.Accuracy.Std, 12);
        Assert.Equal(0.92, classic.Auc.Mean, 12);
        Assert.Equal(0.02, classic.Auc.Std, 12);
        // EER 0.2, 0.1, 0.3: mean 0.2, s = 0.1
        Assert.Equal((0.2, 0.1), (Math.Round(classic.EqualErrorRate.Mean, 12), Math.Round(classic.EqualErrorRate.Std, 12)));
        Assert.Equal(2.0, classic.Seconds.Mean, 12);
        Assert.True(double.IsNaN(summary[0].Accuracy.Std)); // one seed: no spread to report
        Assert.Equal("60.0 ± 10.0 %", AugmentationExperiment.Percent(classic.Accuracy));
        Assert.Equal("40.0 ± — %", AugmentationExperiment.Percent(summary[0].Accuracy));

        var csv = AugmentationExperiment.ToCsv(runs).Split('\n');
        Assert.Equal("condition,k,seed,accuracy,auc,eer,seconds,eigenfaces_accuracy,pixel_accuracy", csv[0]);
        Assert.Equal("classic,1,1,0.5,0.9,0.2,1,0.25,0.1", csv[1]);

        using var data = SyntheticFaces.Generate(new SyntheticFaceOptions(2, 2, 16, 1));
        var md = AugmentationExperiment.ToMarkdown(summary, runs, Tiny, data, seconds: 12);
        Assert.Contains("| 1 | (b) classic augmentation | 3 | **60.0 ± 10.0 %** | 0.9200 ± 0.0200 | 20.0 ± 10.0 % | 2.0 |", md);
        Assert.Contains("| 1 | (a) real images only | 1 | 40.0 ± — % |", md);
        Assert.Contains("| 2 | (a) real images only | 1 | **90.0 ± — %** |", md);
        // Eigenfaces: one value per (k, seed) — seeds 1, 2, 3 at k = 1: 0.25, 0.5, 0.75.
        Assert.Contains("| 1 | eigenfaces, 1-NN (reference) | 3 | 50.0 ± 25.0 % |", md);
    }

    [Fact]
    public void ExperimentAugmentRunsEndToEndInAChildProcessAndWritesTheCsvAndTable()
    {
        var root = TestPaths.NewTempFolder();
        var run = Path.Combine(root, "run");
        var result = CliProcess.Run(new[] { "experiment", "augment", "--dataset", "synthetic", "--identities", "4", "--per-identity", "4",
            "--image-size", "16", "--channels", "1", "-k", "1,2", "--seeds", "2", "--steps", "3", "--generator-steps", "2",
            "--pretrain-steps", "2", "--pretrain-identities", "6", "--pretrain-per-identity", "3", "--width", "4", "--embedding", "8",
            "--generator-width", "4", "--generator-latent", "4", "--synthetic-per-identity", "2", "--generator", "cvae",
            "--device", "cpu", "--threads", "1", "--out", run });
        Assert.True(result.ExitCode == 0, result.All);
        var csv = File.ReadAllLines(Path.Combine(run, "runs.csv"));
        Assert.Equal(1 + 2 * 2 * 4, csv.Length); // seeds × k × conditions
        Assert.Equal(new[] { "real", "classic", "generated", "pretrained" }, csv.Skip(1).Take(4).Select(l => l.Split(',')[0]));
        Assert.All(csv.Skip(1), line =>
        {
            var cells = line.Split(',');
            Assert.Equal(9, cells.Length);
            double accuracy = double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(accuracy, 0, 1);
        });
        var md = File.ReadAllText(Path.Combine(run, "results.md"));
        Assert.Contains("(c) (b) + cVAE samples", md);
        Assert.Equal(2 * (4 + 2), md.Split('\n').Count(l => l.StartsWith("| 1 |") || l.StartsWith("| 2 |")));
        Assert.Contains("**", md);
        Assert.Empty(Directory.EnumerateFiles(run, "*.tmp*")); // every file was swapped in whole
        // (c)'s samples of the first seed, per k: rows of k training images then 2 generated (16 px cells, 2 px borders).
        using (var grid = SixLabors.ImageSharp.Image.Load(Path.Combine(run, "generated_k2_seed1.png")))
            Assert.Equal((4 * 18 + 2, 4 * 18 + 2), (grid.Width, grid.Height));
        Assert.True(File.Exists(Path.Combine(run, "generated_k1_seed1.png")));
        Assert.False(File.Exists(Path.Combine(run, "generated_k1_seed2.png")));
        Assert.Contains("16 runs", result.Output);

        var bad = CliProcess.Run(new[] { "experiment", "augment", "--dataset", "synthetic", "--generator", "diffusion", "--out", Path.Combine(root, "bad") });
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--generator diffusion: expected cgan or cvae", bad.All);
    }
}
