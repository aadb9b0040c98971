using FaceGen.Models;
using FaceGen.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FaceGen.Tutorial;

/// <summary>
/// The generator of the tutorial's Keras example (§4, <c>build_generator</c>), translated layer for
/// layer so that a notebook can run it and show what goes wrong: Dense(4·4·512, no bias) →
/// LeakyReLU → BatchNormalization → Reshape(4, 4, 512) → ten Conv2D(3×3, 'same', ReLU) each followed
/// by BatchNormalization (256, 256, 256, 256, 128, 128, 128, 64, 64, 64 filters) → Conv2D(3, 3×3,
/// 'same', tanh). Nothing ever upsamples: the output is 3×4×4, not the 3×32×32 the training code
/// assumes (erratum, notebook 02). Keras defaults are kept: LeakyReLU slope 0.3, BatchNormalization
/// momentum 0.99 (PyTorch momentum 0.01) and ε = 0.001. Tensors are NCHW here, NHWC in Keras.
/// </summary>
public sealed class TutorialKerasGenerator : GanGenerator
{
    static readonly int[] ConvFilters = { 256, 256, 256, 256, 128, 128, 128, 64, 64, 64 };
    readonly Sequential dense, convs;
    readonly int latentSize;

    public TutorialKerasGenerator(int latentSize = 100) : base(nameof(TutorialKerasGenerator))
    {
        TorchRuntime.EnsureInitialized();
        this.latentSize = latentSize;
        dense = Sequential(
            ("dense", Linear(latentSize, 4 * 4 * 512, hasBias: false)),
            ("lrelu", LeakyReLU(0.3)),
            ("bn", BatchNorm1d(4 * 4 * 512, eps: 1e-3, momentum: 0.01)));
        var layers = new List<(string, Module<Tensor, Tensor>)>();
        long c = 512;
        for (int i = 0; i < ConvFilters.Length; i++)
        {
            layers.Add(($"conv{i}", Conv2d(c, ConvFilters[i], 3, padding: 1)));
            layers.Add(($"relu{i}", ReLU()));
            layers.Add(($"bn{i}", BatchNorm2d(ConvFilters[i], eps: 1e-3, momentum: 0.01)));
            c = ConvFilters[i];
        }
        layers.Add(("to_image", Conv2d(c, 3, 3, padding: 1)));
        layers.Add(("tanh", Tanh()));
        convs = Sequential(layers);
        RegisterComponents();
    }

    public override int LatentSize => latentSize;

    public override Tensor forward(Tensor z, Tensor? labels)
    {
        // Keras reshapes the Dense output to (4, 4, 512) channels-last; the NCHW equivalent is (512, 4, 4).
        var h = dense.forward(z).view(-1, 4, 4, 512).permute(0, 3, 1, 2);
        return convs.forward(h);
    }
}

/// <summary>
/// The discriminator of the tutorial's Keras example (§4, <c>build_discriminator</c>): three
/// Conv2D(3×3, stride 2, 'same') with 64, 128, 128 filters, each followed by LeakyReLU (Keras slope
/// 0.3) and Dropout(0.3), then Flatten → Dense(1). The example's final sigmoid is left to the loss
/// (this module returns the logit; <c>sigmoid(logit)</c> is its D(x)). Keras' 'same' padding with
/// stride 2 pads one pixel at the bottom/right only; symmetric padding of 1 gives the same output
/// sizes (⌈H/2⌉) with a one-pixel shift of the sampling grid.
/// </summary>
public sealed class TutorialKerasDiscriminator : GanDiscriminator
{
    readonly Sequential body;

    public TutorialKerasDiscriminator(int channels = 3, int imageSize = 32) : base(nameof(TutorialKerasDiscriminator))
    {
        TorchRuntime.EnsureInitialized();
        long side = imageSize;
        for (int i = 0; i < 3; i++) side = (side + 1) / 2;
        body = Sequential(
            ("conv0", Conv2d(channels, 64, 3, stride: 2, padding: 1)), ("lrelu0", LeakyReLU(0.3)), ("drop0", Dropout(0.3)),
            ("conv1", Conv2d(64, 128, 3, stride: 2, padding: 1)), ("lrelu1", LeakyReLU(0.3)), ("drop1", Dropout(0.3)),
            ("conv2", Conv2d(128, 128, 3, stride: 2, padding: 1)), ("lrelu2", LeakyReLU(0.3)), ("drop2", Dropout(0.3)),
            ("flatten", Flatten()),
            ("dense", Linear(128 * side * side, 1)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor images, Tensor? labels) => body.forward(images).view(-1);
}
