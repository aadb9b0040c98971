using FaceGen.Data;
using FaceGen.Evaluation;
using static TorchSharp.torch;

namespace FaceGen.Tests;

/// <summary>The attribute classifier learns an obvious attribute, and its accuracy measures on hand-made predictions.</summary>
public class AttributeClassifierTests
{
    [Fact]
    public void LearnsDarkAgainstBrightFacesAndPredictsBoth()
    {
        // Class 0: dark images (values 0..80), class 1: bright ones (175..255); 3 of 4 images are dark.
        var generator = new Generator(3);
        var dark = randint(0, 81, new long[] { 48, 1, 16, 16 }, generator: generator);
        var bright = randint(175, 256, new long[] { 16, 1, 16, 16 }, generator: generator);
        var images = cat([dark, bright], 0).to_type(ScalarType.Byte);
        var labels = cat([zeros(48, dtype: ScalarType.Int64), ones(16, dtype: ScalarType.Int64)], 0);
        using var data = new FaceDataset("toy", images, labels, ["dark", "bright"], Enumerable.Range(0, 64).Select(i => $"#{i}").ToArray());
        using var classifier = AttributeClassifier.Train(data, new AttributeClassifierOptions(Steps: 40, Batch: 32, Width: 4, Embedding: 8, Balanced: true, Seed: 1));
        var predicted = classifier.Predict(data);
        Assert.Equal(64, predicted.Length);
        Assert.True(AttributeClassifier.BalancedAccuracy(predicted, data.LabelArray()) >= 0.9, $"balanced accuracy {AttributeClassifier.BalancedAccuracy(predicted, data.LabelArray())}");
        Assert.Equal(["dark", "bright"], classifier.ClassNames);
        Assert.True(classifier.Parameters > 0);
    }

    [Fact]
    public void AccuracyAndBalancedAccuracyOfHandMadePredictions()
    {
        int[] truth = [0, 0, 0, 0, 0, 0, 1, 1];
        int[] majority = [0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(0.75, AttributeClassifier.Accuracy(majority, truth));
        // Recall 1 for class 0, 0 for class 1: the mean is ½, whatever the classes' sizes.
        Assert.Equal(0.5, AttributeClassifier.BalancedAccuracy(majority, truth));
        int[] mixed = [0, 0, 0, 1, 1, 0, 1, 0];
        Assert.Equal(0.5 * (4 / 6.0 + 1 / 2.0), AttributeClassifier.BalancedAccuracy(mixed, truth), 12);
        Assert.Throws<ArgumentException>(() => AttributeClassifier.Accuracy([0], truth));
    }
}
