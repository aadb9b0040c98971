using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Benchmarks;

/// <summary>
/// Analytic floating-point operation counts, from the layer shapes seen in one forward pass.
/// A multiply–add counts as 2 FLOPs; only convolutions, transposed convolutions and linear layers are
/// counted (they are ≥ 97% of the arithmetic of every model in the kit; batch norm, activations and
/// losses are elementwise and left out, so the counts are slight underestimates):
/// <list type="bullet">
/// <item>Conv2d: 2 · |W| · H_out · W_out per image, |W| = C_out · C_in/groups · k_h · k_w;</item>
/// <item>ConvTranspose2d: 2 · |W| · H_in · W_in per image (every input pixel scatters the whole kernel);</item>
/// <item>Linear: 2 · |W| per row, |W| = in · out.</item>
/// </list>
/// A backward pass costs twice its forward pass (gradients with respect to the weights and to the inputs,
/// each a product of the same size), so a forward + backward costs 3× the forward.
/// </summary>
public static class FlopCount
{
    /// <summary>One training step of a model with one forward pass per image (VAE, recogniser): forward + backward = 3·F.</summary>
    public static double TrainingStepPerImage(double forward) => 3 * forward;

    /// <summary>One GAN training step (one critic step, no penalty) per image: 4·F_G + 9·F_D. D step: G forward (1·F_G),
    /// D forward on real and fake (2·F_D) and their backward (4·F_D); G step: G forward (1·F_G), D forward (1·F_D),
    /// backward through D (2·F_D) and G (2·F_G).</summary>
    public static double GanTrainingStepPerImage(double forwardG, double forwardD) => 4 * forwardG + 9 * forwardD;

    /// <summary>Forward FLOPs per input row of <paramref name="module"/> (as above), counted with forward hooks
    /// during one no-grad pass of <paramref name="run"/> over a batch of <paramref name="batch"/> rows.</summary>
    public static double ForwardPerRow(Module module, Action run, int batch)
    {
        TorchRuntime.EnsureInitialized();
        double total = 0;
        var removers = new List<Action>();
        foreach (var layer in module.modules())
        {
            switch (layer)
            {
                case Conv2d conv:
                    removers.Add(conv.register_forward_hook((m, input, output) =>
                    { total += 2.0 * conv.weight!.numel() * output.shape[^2] * output.shape[^1] * output.shape[0]; return output; }).remove);
                    break;
                case ConvTranspose2d convT:
                    removers.Add(convT.register_forward_hook((m, input, output) =>
                    { total += 2.0 * convT.weight!.numel() * input.shape[^2] * input.shape[^1] * input.shape[0]; return output; }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((m, input, output) =>
                    { total += 2.0 * linear.weight!.numel() * (input.numel() / input.shape[^1]); return output; }).remove);
                    break;
            }
        }
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            run();
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return total / batch;
    }
}
