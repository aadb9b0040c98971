using static TorchSharp.torch;

namespace FaceGen.Metrics;

/// <summary>The input check shared by the set-to-set distances: two (N, D) feature matrices with the same D.</summary>
internal static class FeatureMatrices
{
    /// <summary>Both matrices as float64 on the CPU; <see cref="ArgumentException"/> naming the shapes otherwise.</summary>
    public static (Tensor A, Tensor B) AsFloat64(Tensor featuresA, Tensor featuresB)
    {
        var a = featuresA.to_type(ScalarType.Float64).cpu();
        var b = featuresB.to_type(ScalarType.Float64).cpu();
        if (a.dim() != 2 || b.dim() != 2 || a.shape[1] != b.shape[1])
            throw new ArgumentException($"Expected two (N, D) feature matrices with the same D, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].");
        return (a, b);
    }
}
