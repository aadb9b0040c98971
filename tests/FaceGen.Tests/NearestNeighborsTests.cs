using FaceGen.Data;
using FaceGen.Metrics;
using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Tests;

public class NearestNeighborsTests
{
    public NearestNeighborsTests() => TorchRuntime.EnsureInitialized();

    [Fact]
    public void ASetAgainstItselfFindsEachItemAtDistanceZero()
    {
        var faces = FaceDataset.ToUnitRange(SyntheticFaces.Generate(new SyntheticFaceOptions(5, 3, 16, 1, Seed: 2)).Images);
        var match = NearestNeighbors.Find(faces, faces, queryBlock: 4, referenceBlock: 6);
        Assert.Equal(Enumerable.Range(0, 15).Select(i => (long)i), match.Indices);
        Assert.All(match.Distances, d => Assert.Equal(0.0, d));
        Assert.Equal(256, match.Dimensions);
    }

    [Fact]
    public void DistancesAndIndicesMatchAHandComputedExampleInAnyBlocking()
    {
        var references = tensor(new float[] { 0, 0, 3, 4, 10, 0 }).view(3, 2);
        var queries = tensor(new float[] { 3, 4.5f, 9, 1, -1, 0 }).view(3, 2);
        foreach (var (qb, rb) in new[] { (256, 1024), (1, 1), (2, 2) })
        {
            var match = NearestNeighbors.Find(queries, references, qb, rb);
            Assert.Equal(new long[] { 1, 2, 0 }, match.Indices);
            Assert.Equal(0.5, match.Distances[0], 6);           // (3, 4.5) − (3, 4)
            Assert.Equal(Math.Sqrt(2), match.Distances[1], 6);  // (9, 1) − (10, 0)
            Assert.Equal(1, match.Distances[2], 6);             // (−1, 0) − (0, 0)
            Assert.Equal(0.5 / Math.Sqrt(2), match.RootMeanSquare[0], 6);
        }
    }

    [Fact]
    public void TiesGoToTheSmallestIndexAcrossBlocks()
    {
        var references = tensor(new float[] { 5, 5, 1, 1, 1, 1 }).view(3, 2);
        var query = tensor(new float[] { 1, 1 }).view(1, 2);
        Assert.Equal(1, NearestNeighbors.Find(query, references).Indices[0]);
        Assert.Equal(1, NearestNeighbors.Find(query, references, referenceBlock: 1).Indices[0]);
    }

    [Fact]
    public void MismatchedShapesAndEmptySetsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => NearestNeighbors.Find(zeros(2, 1, 4, 4), zeros(3, 1, 4, 5)));
        Assert.Contains("same shape per item", error.Message);
        Assert.Throws<ArgumentException>(() => NearestNeighbors.Find(zeros(0, 4), zeros(3, 4)));
        Assert.Throws<ArgumentException>(() => NearestNeighbors.Find(zeros(2, 4), zeros(3, 4), queryBlock: 0));
    }
}
