using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Models;
using FaceGen.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class EigenfacesTests(ITestOutputHelper output)
{
    [Fact]
    public void PointsOnALineGiveThatLineAsTheFirstComponentWithItsVariance()
    {
        TorchRuntime.EnsureInitialized();
        // x = (t, 2t) + (5, 5) for t = −2 … 2: one direction (1, 2)/√5, variance Σt²·5/(N − 1) = 10·5/4 = 12.5.
        var t = tensor(new double[] { -2, -1, 0, 1, 2 });
        var points = stack(new[] { t + 5, 2 * t + 5 }, 1);
        using var pca = Eigenfaces.Fit(points, components: 1);
        var direction = pca.Components[0].data<double>().ToArray();
        Assert.Equal(1 / Math.Sqrt(5), Math.Abs(direction[0]), 12);
        Assert.Equal(2 / Math.Sqrt(5), Math.Abs(direction[1]), 12);
        Assert.Equal(12.5, pca.ExplainedVariance[0].item<double>(), 10);
        Assert.Equal(new[] { 5.0, 5.0 }, pca.Mean.data<double>().ToArray());
        // On the line, one component rebuilds every point exactly.
        Assert.True((pca.Reconstruct(pca.Project(points)) - points).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void ComponentsAreOrthonormalAndMoreOfThemReconstructBetter()
    {
        TorchRuntime.EnsureInitialized();
        using var faces = SyntheticFaces.Generate(new SyntheticFaceOptions(Identities: 6, ImagesPerIdentity: 5, ImageSize: 16, Channels: 1));
        var x = FaceDataset.ToUnitRange(faces.Images);
        using var pca = Eigenfaces.Fit(x, components: 29); // rank of 30 centred images
        var gram = pca.Components.matmul(pca.Components.t());
        Assert.True((gram - eye(29, dtype: ScalarType.Float64)).abs().max().item<double>() < 1e-9);
        var variance = pca.ExplainedVariance.data<double>().ToArray();
        Assert.Equal(variance.OrderByDescending(v => v), variance);
        double Error(int k)
        {
            using var part = Eigenfaces.Fit(x, k);
            return (part.Reconstruct(part.Project(x)) - x.flatten(1).to_type(ScalarType.Float64)).square().mean().item<double>();
        }
        var errors = new[] { 1, 5, 15, 29 }.Select(Error).ToArray();
        Assert.True(errors[0] > errors[1] && errors[1] > errors[2] && errors[2] > errors[3], string.Join(", ", errors));
        Assert.True(errors[3] < 1e-10); // all components: exact for the training images
        Assert.Throws<ArgumentException>(() => Eigenfaces.Fit(x, 31));
    }

    [SharedDataFact("att_faces")]
    public void EigenfacesNearestNeighbourOnAttMatchesTheKnownBaseline()
    {
        // ../shared/data/README: 64×64, first 5 images of each subject to train, last 5 to test: about 87 %;
        // 1 training image per subject: about 59 %.
        using var att = AttFacesLoader.Load(TestPaths.AttFaces, new ImageLoadOptions(ImageSize: 64, Channels: 1, UseCache: false));
        foreach (var (k, low, high) in new[] { (5, 0.82, 0.92), (1, 0.52, 0.66) })
        {
            var (train, test) = Splits.PerIdentity(att, k);
            using (train) using (test)
            {
                using var pca = Eigenfaces.Fit(FaceDataset.ToUnitRange(train.Images), Math.Min(50, train.Count - 1));
                var predicted = Identification.NearestNeighbour(pca.Project(FaceDataset.ToUnitRange(train.Images)), train.Labels,
                    pca.Project(FaceDataset.ToUnitRange(test.Images)));
                double accuracy = Identification.Accuracy(predicted, test.Labels.data<long>().ToArray());
                output.WriteLine($"k = {k}: {accuracy:P1} with {pca.Count} components");
                Assert.InRange(accuracy, low, high);
            }
        }
    }
}
