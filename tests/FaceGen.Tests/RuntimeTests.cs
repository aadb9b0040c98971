using FaceGen.Runtime;
using TorchSharp;

namespace FaceGen.Tests;

public class RuntimeTests
{
    [Fact]
    public void InitialiserIsIdempotentAndTorchComputes()
    {
        var first = TorchRuntime.EnsureInitialized();
        var second = TorchRuntime.EnsureInitialized();
        Assert.Same(first, second);
        using var a = torch.tensor(new float[] { 1, 2, 3 });
        Assert.Equal(14f, a.dot(a).item<float>());
    }
}
