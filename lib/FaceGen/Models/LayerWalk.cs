using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceGen.Models;

/// <summary>What one layer of a <see cref="LayerWalk"/> returned.</summary>
public sealed record LayerOutput(string Name, nn.Module Layer, Tensor Output)
{
    /// <summary>The output's shape, e.g. 16×512×4×4.</summary>
    public string Shape => string.Join("×", Output.shape);

    /// <summary>Height × width of an image-shaped (N, C, H, W) output.</summary>
    public string SpatialSize => $"{Output.shape[2]}×{Output.shape[3]}";
}

/// <summary>
/// A network's forward pass taken one layer at a time, so that a notebook can show how the tensor's shape changes
/// from layer to layer (notebook 02 walks the DCGAN generator and discriminator and the tutorial's Keras generator).
/// </summary>
public static class LayerWalk
{
    /// <summary>Feeds <paramref name="input"/> through each child of <paramref name="block"/> in order, without gradients,
    /// keeping every output; the last one is the block's own forward.</summary>
    public static IReadOnlyList<LayerOutput> Through(Sequential block, Tensor input)
    {
        using var noGrad = no_grad();
        var outputs = new List<LayerOutput>();
        var x = input;
        foreach (var (name, layer) in block.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)layer).forward(x);
            outputs.Add(new LayerOutput(name, layer, x));
        }
        return outputs;
    }

    /// <summary>The child module of <paramref name="model"/> called <paramref name="name"/> (e.g. a DCGAN generator's
    /// "body"); an error names the children there are when none is called so.</summary>
    public static T Child<T>(nn.Module model, string name) where T : nn.Module
    {
        var children = model.named_children().ToList();
        var match = children.Where(c => c.name == name).Select(c => c.module).OfType<T>().FirstOrDefault();
        return match ?? throw new ArgumentException(
            $"{model.GetName()} has no {typeof(T).Name} child called '{name}'; its children: {string.Join(", ", children.Select(c => c.name))}.");
    }
}
