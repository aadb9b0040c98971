using FaceGen.Data;
using FaceGen.Restoration;
using FaceGen.Runtime;
using FaceGen.Training;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>Degradations, classical baselines and the restoration trainer, on cases with known answers.</summary>
public class RestorationTests
{
    static Tensor Ramp(int size = 64) =>
        (0.2 + 0.6 * arange(size, dtype: ScalarType.Float32) / (size - 1)).view(1, 1, 1, size).expand(2, 3, size, size).contiguous();

    [Fact]
    public void HarmonicFillReproducesALinearRampInsideAHole()
    {
        // A linear function is harmonic (∇²u = 0), so filling any interior hole from its boundary must give it back.
        var image = Ramp();
        using var generator = Seeding.Generator(1);
        var known = Degradations.Mask(MaskKind.Mouth, 2, 64, generator);
        var filled = Baselines.HarmonicFill(Degradations.ApplyMask(image, known), known);
        float worst = (filled - image).abs().max().item<float>();
        Assert.True(worst < 2e-3, $"largest error {worst}");
        // The mean fill cannot: it puts one value in the hole.
        Assert.True((Baselines.MeanFill(Degradations.ApplyMask(image, known), known) - image).abs().max().item<float>() > 0.1);
    }

    [Fact]
    public void HarmonicFillKeepsNoTensorPerSweep()
    {
        // Regression: every sweep's iterate used to stay alive until the caller's scope ended (24 GB at 64 px, 256 faces).
        using var generator = Seeding.Generator(2);
        var known = Degradations.Mask(MaskKind.EyeBand, 2, 32, generator);
        var holed = Degradations.ApplyMask(rand(2, 3, 32, 32, generator: generator), known);
        long LiveAfter(int sweeps)
        {
            using var scope = NewDisposeScope();
            long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            Baselines.HarmonicFill(holed, known, tolerance: 0, maxIterations: sweeps);
            return TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount - before;
        }
        Assert.Equal(LiveAfter(5), LiveAfter(100));
    }

    [Theory]
    [InlineData(MaskKind.RandomBoxes)]
    [InlineData(MaskKind.EyeBand)]
    [InlineData(MaskKind.Mouth)]
    [InlineData(MaskKind.Strokes)]
    public void EveryMaskLeavesAHoleAndCompositingKeepsTheKnownPixelsExactly(MaskKind kind)
    {
        using var generator = Seeding.Generator(7);
        var known = Degradations.Mask(kind, 4, 64, generator);
        var holeFraction = 1 - known.mean().item<float>();
        Assert.InRange(holeFraction, 0.01, 0.6);
        var original = rand(4, 3, 64, 64);
        var prediction = rand(4, 3, 64, 64);
        var composite = Degradations.Composite(prediction, original, known);
        var keep = known.expand_as(original) > 0.5;
        Assert.True(composite.masked_select(keep).eq(original.masked_select(keep)).all().item<bool>());
        Assert.True(composite.masked_select(keep.logical_not()).eq(prediction.masked_select(keep.logical_not())).all().item<bool>());
        using var again = Seeding.Generator(7);
        Assert.True(Degradations.Mask(kind, 4, 64, again).eq(known).all().item<bool>(), "same seed, same masks");
    }

    [Fact]
    public void EyeBandCoversTheRectangleItDocuments()
    {
        using var generator = Seeding.Generator(0);
        var known = Degradations.Mask(MaskKind.EyeBand, 1, 100, generator);
        // Rows 30..47, columns 12..87 of a 100-pixel face: 18 × 76 holes.
        Assert.Equal(18 * 76, (int)(1 - known).sum().item<float>());
        Assert.Equal(0f, known[0, 0, 30, 12].item<float>());
        Assert.Equal(1f, known[0, 0, 48, 12].item<float>());
    }

    [Fact]
    public void SuperResolutionInputOfAConstantFaceIsThatConstant()
    {
        var grey = full(2, 3, 64, 64, 0.37f);
        var input = Degradations.DownUpBicubic4(grey);
        Assert.Equal(new long[] { 2, 3, 64, 64 }, input.shape);
        Assert.True((input - grey).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void NoiseHasTheRequestedStandardDeviationPerImage()
    {
        using var generator = Seeding.Generator(3);
        var clean = full(2, 3, 64, 64, 0.5f);
        var noisy = Degradations.AddGaussianNoise(clean, new[] { 0.05, 0.1 }, generator);
        // 12,288 draws per image: the sample std is within 3% of σ with overwhelming probability (SE ≈ σ/√(2n) = 0.6%).
        Assert.InRange((noisy[0] - 0.5).std().item<float>(), 0.05 * 0.97, 0.05 * 1.03);
        Assert.InRange((noisy[1] - 0.5).std().item<float>(), 0.1 * 0.97, 0.1 * 1.03);
    }

    [Fact]
    public void GaussianBlurOfAnImpulseIsTheNormalisedKernelSquared()
    {
        var impulse = zeros(1, 1, 21, 21);
        impulse[0, 0, 10, 10] = 1;
        var blurred = Baselines.GaussianBlur(impulse, 1.0);
        double norm = Enumerable.Range(-3, 7).Sum(j => Math.Exp(-j * j / 2.0));
        Assert.Equal(1 / (norm * norm), blurred[0, 0, 10, 10].item<float>(), 5);
        Assert.Equal(Math.Exp(-0.5) / (norm * norm), blurred[0, 0, 10, 11].item<float>(), 5);
        Assert.Equal(1.0, blurred.sum().item<float>(), 4);
    }

    [Fact]
    public void MedianRemovesAnIsolatedOutlierExactly()
    {
        var image = full(1, 1, 8, 8, 0.5f);
        image[0, 0, 3, 4] = 1;
        Assert.True(Baselines.Median3x3(image).eq(full(1, 1, 8, 8, 0.5f)).all().item<bool>());
    }

    [Fact]
    public void UNetLearnsToDenoiseSyntheticFacesWithinSeconds()
    {
        Seeding.Seed(0);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(8, 8, 32, 3, 0));
        using var batches = new DatasetBatches(faces, new BatchOptions(16, Seed: 0, DropLast: true, Range: PixelRange.Unit));
        var options = new RestorationOptions(RestorationTask.Denoise, RestorerKind.UNet, NoiseSigmas: [0.2], LearningRate: 1e-3, Width: 16);
        using var snapshot = FaceDataset.ToUnitRange(faces.Images).narrow(0, 0, 8);
        using var restorer = new RestorationTrainable(options, 32, 3, snapshot);
        new Trainer(restorer, batches, new TrainerOptions(80)).Run();

        var clean = FaceDataset.ToUnitRange(faces.Images).narrow(0, 32, 32);
        var (noisy, known) = restorer.Degrade(clean, step: 10_000);
        Tensor restored;
        using (no_grad()) restored = restorer.Restore(noisy, known);
        double Mse(Tensor a) => (a - clean).square().mean().item<float>();
        // σ = 0.2 noise has MSE ≈ 0.04 (less after clamping); 80 steps must at least halve it — a 3×3 median gets ~0.012 here.
        Assert.True(Mse(restored) < Mse(noisy) / 2, $"restored MSE {Mse(restored):F4} vs noisy {Mse(noisy):F4}");
    }

    [Fact]
    public void InpaintingRestorerNeverChangesAKnownPixel()
    {
        Seeding.Seed(0);
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(4, 4, 32, 1, 0));
        var clean = FaceDataset.ToUnitRange(faces.Images);
        using var restorer = new RestorationTrainable(new RestorationOptions(RestorationTask.Inpaint, RestorerKind.UNetGan, Width: 8), 32, 1, clean.narrow(0, 0, 4));
        var (input, known) = restorer.Degrade(clean, step: 1);
        Tensor restored;
        using (no_grad()) restored = restorer.Restore(input, known);
        var keep = known.expand_as(clean) > 0.5;
        Assert.True(restored.masked_select(keep).eq(clean.masked_select(keep)).all().item<bool>());
    }
}
