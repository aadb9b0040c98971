using FaceGen.Data;
using FaceGen.Runtime;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class SyntheticFacesTests(ITestOutputHelper output)
{
    static byte[] Bytes(FaceDataset d) => d.Images.data<byte>().ToArray();

    [Fact]
    public void SameSeedGivesIdenticalBytesAndAnotherSeedDoesNot()
    {
        var options = new SyntheticFaceOptions(Identities: 3, ImagesPerIdentity: 3, ImageSize: 32, Seed: 11);
        using var a = SyntheticFaces.Generate(options);
        using var b = SyntheticFaces.Generate(options);
        using var c = SyntheticFaces.Generate(options with { Seed = 12 });
        Assert.Equal(Bytes(a), Bytes(b));
        var (bytesA, bytesC) = (Bytes(a), Bytes(c));
        int differing = bytesA.Zip(bytesC).Count(p => p.First != p.Second);
        Assert.True(differing > bytesA.Length / 2, $"only {differing} of {bytesA.Length} bytes differ between seeds 11 and 12");
    }

    [Theory]
    [InlineData(32, 1)]
    [InlineData(64, 3)]
    [InlineData(128, 3)]
    public void ShapesTypesRangeLabelsAndNames(int size, int channels)
    {
        using var d = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 3, ImagesPerIdentity: 2, ImageSize: size, Channels: channels, Seed: 5));
        Assert.Equal(new long[] { 6, channels, size, size }, d.Images.shape);
        Assert.Equal(ScalarType.Byte, d.Images.dtype);
        Assert.Equal(ScalarType.Int64, d.Labels.dtype);
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2 }, d.LabelArray());
        Assert.Equal(new[] { "id0000", "id0001", "id0002" }, d.ClassNames);
        Assert.Equal("synthetic seed=5 id=2 img=1", d.Sources[5]);
        Assert.Equal(6, d.Attributes["hair_style"].Length);
        // The render uses most of the byte range: dark pupils and hair, bright eye whites or backgrounds.
        var bytes = Bytes(d);
        Assert.True(bytes.Min() < 40 && bytes.Max() > 200, $"bytes span only {bytes.Min()}..{bytes.Max()}");
    }

    [Fact]
    public void GreyIsTheLuminanceOfTheColourRender()
    {
        var options = new SyntheticFaceOptions(Identities: 2, ImagesPerIdentity: 2, ImageSize: 32, Seed: 3);
        using var rgb = SyntheticFaces.Generate(options);
        using var grey = SyntheticFaces.Generate(options with { Channels = 1 });
        // Y = 0.299 R + 0.587 G + 0.114 B of the float render; from the quantised RGB bytes it can be off by one.
        using var expected = ImageAdapter.Luma(rgb.Images.to_type(ScalarType.Float32));
        var difference = (expected - grey.Images.to_type(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(difference <= 1.01f, $"grey differs from the luminance of RGB by {difference} levels");
    }

    [Fact]
    public void LargerRequestsStartWithTheSmallerOnes()
    {
        using var few = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 3, ImagesPerIdentity: 2, ImageSize: 32, Seed: 4));
        using var more = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 7, ImagesPerIdentity: 2, ImageSize: 32, Seed: 4));
        Assert.Equal(Bytes(few), more.Images.narrow(0, 0, 6).data<byte>().ToArray());
        Assert.Equal(few.Sources, more.Sources.Take(6));

        // More images per identity: the first two images of each identity are the same pictures.
        using var longer = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 3, ImagesPerIdentity: 5, ImageSize: 32, Seed: 4));
        using var firstTwo = longer.Subset([0, 1, 5, 6, 10, 11]);
        Assert.Equal(Bytes(few), Bytes(firstTwo));
    }

    [Fact]
    public void RenderOfDrawnParametersMatchesGenerate()
    {
        using var d = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 2, ImagesPerIdentity: 2, ImageSize: 32, Seed: 9));
        var person = FaceIdentityParameters.Draw(9, 1);
        using var scope = NewDisposeScope();
        var one = SyntheticFaces.Render([person], [FaceImageParameters.Draw(9, 1, 0)], 32).mul(255f).round_();
        // Same numbers in a batch of 1 and in Generate's batch; allow one level where a kernel's vectorised
        // and scalar paths round differently.
        var difference = (one - d.Images.narrow(0, 2, 1).to_type(ScalarType.Float32)).abs().max().item<float>();
        Assert.True(difference <= 1f, $"Render and Generate differ by {difference} levels");

        var withGlasses = SyntheticFaces.Render([person with { Glasses = true }], [FaceImageParameters.Draw(9, 1, 0)], 32).mul(255f).round_();
        var withoutGlasses = SyntheticFaces.Render([person with { Glasses = false }], [FaceImageParameters.Draw(9, 1, 0)], 32).mul(255f).round_();
        Assert.True((withGlasses - withoutGlasses).abs().gt(30).sum().item<long>() > 10, "glasses do not show");
    }

    /// <summary>Mean-centred 16×16 pixels of every image, flattened: (N, C·256).</summary>
    static Tensor PixelFeatures(FaceDataset d)
    {
        var x = nn.functional.adaptive_avg_pool2d(FaceDataset.ToUnitRange(d.Images), [16, 16]).flatten(1);
        return x - x.mean([1], keepdim: true);
    }

    /// <summary>Per-image mean colour: (N, C).</summary>
    static Tensor MeanColour(FaceDataset d) => FaceDataset.ToUnitRange(d.Images).mean([2, 3]);

    /// <summary>Mean colour of the central half of each image (mostly skin and hair): (N, C).</summary>
    static Tensor CentreColour(FaceDataset d)
    {
        int quarter = d.Height / 4;
        return FaceDataset.ToUnitRange(d.Images).narrow(2, quarter, 2 * quarter).narrow(3, quarter, 2 * quarter).mean([2, 3]);
    }

    /// <summary>Leave-one-out 1-nearest-neighbour identification: each image in turn is held out and labelled
    /// by its nearest other image (Euclidean distance of the features).</summary>
    static double NearestNeighbourAccuracy(Tensor features, int[] labels)
    {
        var distances = cdist(features, features).add_(eye(labels.Length).mul_(float.MaxValue));
        var nearest = distances.argmin(1).data<long>().ToArray();
        return (double)labels.Where((label, i) => labels[nearest[i]] == label).Count() / labels.Length;
    }

    static (double Intra, double Inter) MeanDistances(Tensor features, int[] labels)
    {
        var distances = cdist(features, features).data<float>().ToArray();
        int n = labels.Length;
        double intra = 0, inter = 0;
        long intraCount = 0, interCount = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                if (labels[i] == labels[j]) { intra += distances[i * n + j]; intraCount++; }
                else { inter += distances[i * n + j]; interCount++; }
        return (intra / intraCount, inter / interCount);
    }

    [Fact]
    public void ImagesOfOneIdentityAreCloserThanImagesOfOthersButNotIdentical()
    {
        const int identities = 16, perIdentity = 8;
        using var d = SyntheticFaces.Generate(new SyntheticFaceOptions(identities, perIdentity, ImageSize: 32, Seed: 1));
        using var scope = NewDisposeScope();
        var features = PixelFeatures(d);
        var labels = d.LabelArray();
        var (intra, inter) = MeanDistances(features, labels);
        double accuracy = NearestNeighbourAccuracy(features, labels);
        var minimumIntra = cdist(features, features).add(eye(d.Count).mul(1e9f)).min().item<float>();
        output.WriteLine($"pixels: mean intra-class distance {intra:F3}, inter-class {inter:F3}; 1-NN accuracy {accuracy:P0} (chance {1.0 / identities:P0}); closest pair {minimumIntra:F3}");
        Assert.True(intra < 0.85 * inter, $"intra-class distance {intra:F3} is not clearly below inter-class {inter:F3}");
        Assert.True(accuracy >= 0.35, $"1-NN identification accuracy {accuracy:P0} on pixels (chance {1.0 / identities:P0})");
        // Pose, light, expression and background really change the picture: no two images are near-copies.
        Assert.True(minimumIntra > 0.1 * intra, $"two images are almost identical (distance {minimumIntra:F3}, mean intra-class {intra:F3})");
    }

    [Fact]
    public void MeanColourAloneIdentifiesFarWorseThanPixels()
    {
        const int identities = 16, perIdentity = 8;
        using var d = SyntheticFaces.Generate(new SyntheticFaceOptions(identities, perIdentity, ImageSize: 32, Seed: 2));
        using var scope = NewDisposeScope();
        var labels = d.LabelArray();
        double pixels = NearestNeighbourAccuracy(PixelFeatures(d), labels);
        double colour = NearestNeighbourAccuracy(MeanColour(d), labels);
        double centre = NearestNeighbourAccuracy(CentreColour(d), labels);
        output.WriteLine($"1-NN accuracy: pixels {pixels:P0}, mean colour {colour:P0}, mean colour of the central half {centre:P0} (chance {1.0 / identities:P0})");
        Assert.True(colour <= pixels - 0.3, $"mean colour alone identifies {colour:P0}, pixels {pixels:P0}: colour is a shortcut");
        // Even the colour of the face region (skin and hair) is far from enough: exposure, white balance and
        // light vary per image, and skin tones of different identities overlap.
        Assert.True(centre <= pixels - 0.15, $"mean colour of the face region identifies {centre:P0}, pixels {pixels:P0}: colour is a shortcut");
    }

    [Theory]
    [InlineData(0, 8, 64, 3, "Identities")]
    [InlineData(4, 0, 64, 3, "ImagesPerIdentity")]
    [InlineData(4, 8, 15, 3, "ImageSize")]
    [InlineData(4, 8, 64, 2, "Channels")]
    public void InvalidOptionsAreRejectedByName(int identities, int perIdentity, int size, int channels, string name)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticFaces.Generate(new SyntheticFaceOptions(identities, perIdentity, size, channels)));
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void ProgressCountsImagesUpToTheTotal()
    {
        var reports = new List<ProgressReport>();
        // 150 images at 64×64 take more than one render batch.
        using var d = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 10, ImagesPerIdentity: 15, ImageSize: 64), new SyncProgress(reports.Add));
        Assert.True(reports.Count >= 2);
        Assert.All(reports, r => Assert.Equal(150, r.Total));
        Assert.Equal(150, reports[^1].Done);
        Assert.Equal(reports.Select(r => r.Done).Order(), reports.Select(r => r.Done));
    }

    [Fact]
    public void GeneratingLeavesNoLiveTensorsBehind()
    {
        SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 1, ImagesPerIdentity: 1, ImageSize: 16)).Dispose();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        // 150 images at 64×64: several render batches.
        SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 5, ImagesPerIdentity: 30, ImageSize: 64)).Dispose();
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    sealed class SyncProgress(Action<ProgressReport> report) : IProgress<ProgressReport>
    {
        public void Report(ProgressReport value) => report(value);
    }
}
