using FaceGen.Runtime;
using static TorchSharp.torch;

namespace FaceGen.Data;

/// <summary>Options of the procedural face renderer (<see cref="SyntheticFaces.Generate"/>).</summary>
/// <param name="Identities">How many people (classes), at least 1.</param>
/// <param name="ImagesPerIdentity">Photos per person, at least 1.</param>
/// <param name="ImageSize">Width = height in pixels, at least 16.</param>
/// <param name="Channels">3 for RGB, 1 for grey (BT.601 luminance).</param>
/// <param name="Seed">Same seed, same pixels.</param>
public sealed record SyntheticFaceOptions(int Identities = 16, int ImagesPerIdentity = 8, int ImageSize = 64, int Channels = 3, int Seed = 0);

/// <summary>
/// The kit's embedded data set: cartoon faces rendered procedurally, so that every notebook and command
/// works offline, with identity labels, at any resolution. Each identity owns its face shape, skin tone,
/// eyes, brows, nose, mouth, hair, glasses and beard (<see cref="FaceIdentityParameters"/>); each image adds
/// pose, light, expression, background, clothes and noise (<see cref="FaceImageParameters"/>).
/// Rendering is batched tensor math: every face part is a soft region — a sigmoid of a signed-distance-like
/// field, alpha = σ((1 − r)·size / ε) for an ellipse of normalised radius r — evaluated on a per-image affine
/// transform of one pixel grid and alpha-blended front to back over the background.
/// </summary>
public static class SyntheticFaces
{
    /// <summary>Pixels rendered per tensor batch: 64 images of 64×64, 256 of 32×32, 16 of 128×128. Large enough
    /// that per-operation overhead is small, small enough to stay in cache and bound memory.</summary>
    const int BlockPixels = 1 << 18;
    /// <summary>At most this many images per batch (the cap only matters below 32×32).</summary>
    const int MaxBlock = 256;

    /// <summary>
    /// Renders <c>Identities × ImagesPerIdentity</c> faces as a <see cref="FaceDataset"/> named "synthetic":
    /// uint8 images round(255·x) of the [0, 1] render, labels = identity index, class names "id0000"…,
    /// sources "synthetic seed=S id=I img=J", and per-image attributes "hair_style" (<see cref="HairStyle"/>),
    /// "glasses" (0/1), "beard" (0 none, 1 stubble, 2 full), "smiling" (0/1) and "mouth_open" (0/1).
    /// Identity parameters depend on (seed, identity) only and image parameters on (seed, identity, image),
    /// so a larger request starts with the images of a smaller one.
    /// </summary>
    public static FaceDataset Generate(SyntheticFaceOptions options, IProgress<ProgressReport>? progress = null)
    {
        Validate(options);
        TorchRuntime.EnsureInitialized();
        int n = options.Identities * options.ImagesPerIdentity, size = options.ImageSize;
        var people = Enumerable.Range(0, options.Identities).Select(i => FaceIdentityParameters.Draw(options.Seed, i)).ToArray();
        var who = new FaceIdentityParameters[n];
        var shots = new FaceImageParameters[n];
        var labels = new int[n];
        var sources = new string[n];
        for (int i = 0, k = 0; i < options.Identities; i++)
            for (int j = 0; j < options.ImagesPerIdentity; j++, k++)
            {
                who[k] = people[i];
                shots[k] = FaceImageParameters.Draw(options.Seed, i, j);
                labels[k] = i;
                sources[k] = $"synthetic seed={options.Seed} id={i} img={j}";
            }

        var images = zeros(n, options.Channels, size, size, ScalarType.Byte);
        int block = BlockSize(size);
        for (int start = 0; start < n; start += block)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(block, n - start);
            // Every batch has exactly `block` images (the last one padded by repeating its last image): a
            // pixel's value then never depends on how many images were requested, not even in the last bit
            // that vectorised versus scalar tails of torch's kernels could change.
            var batchWho = Enumerable.Range(0, block).Select(b => who[start + Math.Min(b, count - 1)]).ToArray();
            var batchShots = Enumerable.Range(0, block).Select(b => shots[start + Math.Min(b, count - 1)]).ToArray();
            var rendered = Render(batchWho, batchShots, size, options.Channels).narrow(0, 0, count);
            images.narrow(0, start, count).copy_(rendered.mul(255f).round_().clamp_(0f, 255f).to_type(ScalarType.Byte));
            progress?.Report(new ProgressReport("render synthetic faces", start + count, n, "images"));
        }

        var classNames = Enumerable.Range(0, options.Identities).Select(i => $"id{i:D4}").ToArray();
        var attributes = new Dictionary<string, int[]>
        {
            ["hair_style"] = who.Select(p => (int)p.Hair).ToArray(),
            ["glasses"] = who.Select(p => p.Glasses ? 1 : 0).ToArray(),
            ["beard"] = who.Select(p => p.Beard >= 0.6f ? 2 : p.Beard > 0f ? 1 : 0).ToArray(),
            ["smiling"] = shots.Select(s => s.Smile >= 0.5f ? 1 : 0).ToArray(),
            ["mouth_open"] = shots.Select(s => s.MouthOpen > 0f ? 1 : 0).ToArray(),
        };
        // FaceDataset keeps an Int64 copy of the labels (to_type), so this Int32 tensor stays ours to dispose.
        using var labelTensor = tensor(labels);
        return new FaceDataset("synthetic", images, labelTensor, classNames, sources, attributes);
    }

    /// <summary>
    /// Renders one face per pair (<paramref name="identities"/>[i], <paramref name="images"/>[i]) as float32
    /// (N, C, size, size) in [0, 1]: RGB for <paramref name="channels"/> = 3, BT.601 luminance
    /// Y = 0.299 R + 0.587 G + 0.114 B for 1. The same parameters give the same pixels.
    /// </summary>
    public static Tensor Render(IReadOnlyList<FaceIdentityParameters> identities, IReadOnlyList<FaceImageParameters> images, int imageSize, int channels = 3)
    {
        if (identities.Count != images.Count || identities.Count == 0)
            throw new ArgumentException($"Render needs one image-parameter record per identity record and at least one of each; got {identities.Count} identities and {images.Count} images.", nameof(images));
        if (imageSize < 16) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "Synthetic faces need at least 16×16 pixels; ask for 16 or more.");
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 (grey) or 3 (RGB).");
        TorchRuntime.EnsureInitialized();
        using var scope = NewDisposeScope();
        var rgb = new FaceCanvas(identities, images, imageSize).Paint();
        var result = channels == 3 ? rgb : ImageAdapter.Luma(rgb);
        return result.MoveToOuterDisposeScope();
    }

    static int BlockSize(int size) => Math.Clamp(BlockPixels / (size * size), 1, MaxBlock);

    static void Validate(SyntheticFaceOptions o)
    {
        if (o.Identities < 1) throw new ArgumentOutOfRangeException(nameof(o.Identities), o.Identities, "SyntheticFaceOptions.Identities must be at least 1.");
        if (o.ImagesPerIdentity < 1) throw new ArgumentOutOfRangeException(nameof(o.ImagesPerIdentity), o.ImagesPerIdentity, "SyntheticFaceOptions.ImagesPerIdentity must be at least 1.");
        if (o.ImageSize < 16) throw new ArgumentOutOfRangeException(nameof(o.ImageSize), o.ImageSize, "SyntheticFaceOptions.ImageSize must be at least 16 pixels; use 32, 64 or 128.");
        if (o.Channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(o.Channels), o.Channels, "SyntheticFaceOptions.Channels must be 1 (grey) or 3 (RGB).");
        if ((long)o.Identities * o.ImagesPerIdentity > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(o.ImagesPerIdentity), "Identities × ImagesPerIdentity must fit in an int.");
    }
}

/// <summary>
/// One batch of faces being painted. Coordinates: the image spans [−1, 1]² (pixel centres, y down); each
/// image's face coordinates (u, v) = R(−rotation)·((x, y) − centre − shift) / scale, so every face part is
/// drawn once, in face coordinates, for the whole batch. Per-image numbers become (N, 1, 1, 1) tensors that
/// broadcast against the (N, 1, H, W) coordinate fields; colours become (N, 3, 1, 1).
/// </summary>
sealed class FaceCanvas
{
    /// <summary>Where the face centre sits in the image before the per-image shift (a little below the middle,
    /// leaving room for hair above and shoulders below).</summary>
    const float CentreY = 0.06f;
    /// <summary>Nominal magnification from face to image units: a typical face (±0.4 × ±0.5) fills about
    /// half the image width and, with its hair, most of the height.</summary>
    const float Zoom = 1.3f;

    readonly FaceIdentityParameters[] who;
    readonly FaceImageParameters[] shot;
    readonly int n, size;
    /// <summary>Width of a pixel in face units at nominal scale (2 / (size·Zoom)); edges are about one pixel wide.</summary>
    readonly float pixel;
    readonly Tensor x, y, u, v;
    Tensor image = null!;

    public FaceCanvas(IReadOnlyList<FaceIdentityParameters> identities, IReadOnlyList<FaceImageParameters> images, int imageSize)
    {
        who = identities.ToArray();
        shot = images.ToArray();
        n = who.Length;
        size = imageSize;
        pixel = 2f / (size * Zoom);
        // Pixel centres: x_j = (2j + 1) / size − 1.
        var line = arange(size, ScalarType.Float32).mul_(2f / size).add_(1f / size - 1f);
        x = line.view(1, 1, 1, size);
        y = line.view(1, 1, size, 1);
        var cos = P((_, s) => MathF.Cos(s.Rotation) / (Zoom * s.Scale));
        var sin = P((_, s) => MathF.Sin(s.Rotation) / (Zoom * s.Scale));
        var dx = x - P((_, s) => s.ShiftX);
        var dy = y - P((_, s) => s.ShiftY + CentreY);
        u = dx * cos + dy * sin;
        v = dy * cos - dx * sin;
    }

    /// <summary>Paints all layers back to front and returns the RGB batch (N, 3, H, W) in [0, 1].</summary>
    public Tensor Paint()
    {
        Background();
        Clothes();
        BackHair();
        Neck();
        Ears();
        var (faceAlpha, faceShade) = Face();
        Cheeks(faceShade);
        Beard(faceAlpha, faceShade);
        Nose();
        Mouth(faceShade);
        Eyes();
        Brows();
        FrontHair();
        Glasses();
        LightAndNoise();
        return image.clamp_(0f, 1f);
    }

    // ---- per-image parameters as tensors -------------------------------------------------------------

    /// <summary>One number per image, shape (N, 1, 1, 1).</summary>
    Tensor P(Func<FaceIdentityParameters, FaceImageParameters, float> f)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = f(who[i], shot[i]);
        return tensor(values, new long[] { n, 1, 1, 1 });
    }

    /// <summary>One colour per image, shape (N, 3, 1, 1).</summary>
    Tensor C(Func<FaceIdentityParameters, FaceImageParameters, FaceColor> f)
    {
        var values = new float[3 * n];
        for (int i = 0; i < n; i++)
        {
            var c = f(who[i], shot[i]);
            (values[3 * i], values[3 * i + 1], values[3 * i + 2]) = (c.R, c.G, c.B);
        }
        return tensor(values, new long[] { n, 3, 1, 1 });
    }

    static Tensor C(FaceColor c) => tensor(new[] { c.R, c.G, c.B }, new long[] { 1, 3, 1, 1 });

    // ---- soft shapes ----------------------------------------------------------------------------------

    /// <summary>Normalised elliptic radius r = √((dx/a)² + (dy/b)²): r &lt; 1 inside.</summary>
    Tensor Radius(Tensor dx, Tensor dy, Func<FaceIdentityParameters, FaceImageParameters, float> a, Func<FaceIdentityParameters, FaceImageParameters, float> b)
    {
        var nx = dx / P(a);
        var ny = dy / P(b);
        return nx.mul_(nx).addcmul_(ny, ny, 1f).sqrt_();
    }

    /// <summary>Soft inside-ness of a region with normalised radius r and size s: σ((1 − r)·s / ε), where
    /// (1 − r)·s approximates the signed distance to the edge (for round, large regions) and ε = 0.35 px:
    /// the sigmoid is an anti-aliased step about one pixel wide.</summary>
    Tensor Inside(Tensor r, Func<FaceIdentityParameters, FaceImageParameters, float> s) =>
        Sigmoid(r.neg().add_(1f).mul_(P((f, m) => s(f, m) / (0.35f * pixel))));

    /// <summary>Soft ellipse (dx/a)² + (dy/b)² &lt; 1. The signed distance to its edge is estimated to first order
    /// as d = f / |∇f| with f = 1 − r², i.e. d = (1 − r²) / (2·√((dx/a²)² + (dy/b²)²)): exact on the axes at the
    /// edge, and unlike (1 − r)·min(a, b) it stays sharp for thin shapes (brows, a closed eye, lips); the
    /// estimate used is min(d, a − |dx|, b − |dy|).</summary>
    Tensor Ellipse(Tensor dx, Tensor dy, Func<FaceIdentityParameters, FaceImageParameters, float> a, Func<FaceIdentityParameters, FaceImageParameters, float> b, float blur = 0f)
    {
        var pa = P(a);
        var pb = P(b);
        var nx = dx / pa;
        var ny = dy / pb;
        var gradient = (nx / pa).pow_(2f).add_((ny / pb).pow_(2f)).sqrt_().mul_(2f).clamp_min_(1e-6f);
        var inside = nx.mul_(nx).addcmul_(ny, ny, 1f).neg_().add_(1f).div_(gradient);
        // Far from a thin ellipse the first-order estimate shrinks towards 0 (a faint streak along its long axis);
        // the distances to the bounding slabs |dx| < a and |dy| < b bound it there.
        return Step(inside.minimum(pa - dx.abs()).minimum(pb - dy.abs()), blur);
    }

    /// <summary>Soft inside-ness σ(d / ε) of a signed distance d (positive inside); ε = 0.35 px, plus
    /// <paramref name="blur"/> for soft shadows.</summary>
    Tensor Step(Tensor d, float blur = 0f) => Sigmoid(d.mul(1f / (0.35f * pixel + blur)));

    /// <summary>σ(z) with z clamped to ±16 (σ(−16) ≈ 1e−7). Far outside a shape σ would reach subnormal floats,
    /// and products of a few such masks stay subnormal; x86 arithmetic on subnormals is about 100× slower.</summary>
    static Tensor Sigmoid(Tensor z) => z.clamp_(-16f, 16f).sigmoid_();

    /// <summary>|u − shift|: the horizontal offset used to draw a symmetric pair (eyes, brows, ears) at once.</summary>
    Tensor Mirrored(Func<FaceIdentityParameters, FaceImageParameters, float> shift) => (u - P(shift)).abs_();

    /// <summary>Lambert shading of a bulging surface whose outline has normalised offsets (nx, ny):
    /// normal n = (nx, ny, √(1 − nx² − ny²)), shade = ambient + (1 − ambient)·max(0, n·L).</summary>
    Tensor Shade(Tensor nx, Tensor ny)
    {
        var nz = (1f - nx * nx - ny * ny).clamp_min_(0f).sqrt_();
        var lambert = (nx * P((_, s) => s.LightX)).addcmul_(ny, P((_, s) => s.LightY), 1f)
            .addcmul_(nz, P((_, s) => MathF.Sqrt(MathF.Max(0f, 1f - s.LightX * s.LightX - s.LightY * s.LightY))), 1f).clamp_min_(0f);
        var ambient = P((_, s) => s.Ambient);
        return lambert.mul_(1f - ambient).add_(ambient);
    }

    /// <summary>Alpha blending: image ← image + α·(colour − image).</summary>
    void Blend(Tensor alpha, Tensor colour) => image.add_((colour - image).mul_(alpha));

    // ---- layers, back to front ------------------------------------------------------------------------

    /// <summary>A linear gradient between two colours along a per-image direction.</summary>
    void Background()
    {
        var t = (x * P((_, s) => 0.35f * MathF.Cos(s.BackgroundAngle)) + y * P((_, s) => 0.35f * MathF.Sin(s.BackgroundAngle))).add_(0.5f);
        var a = C((_, s) => s.BackgroundA);
        image = a + (C((_, s) => s.BackgroundB) - a) * t;
    }

    /// <summary>Shoulders: a wide ellipse below the chin, in a per-image colour.</summary>
    void Clothes()
    {
        var dy = v - P((f, _) => f.FaceHeight + 0.55f);
        var alpha = Ellipse(u, dy, (_, _) => 0.95f, (_, _) => 0.45f);
        var shade = Shade(u / 0.95f, dy.div_(0.6f).clamp_(-1f, 1f));
        Blend(alpha, C((_, s) => s.Clothes) * shade);
    }

    /// <summary>Long hair, bobs and curls: an ellipse behind the head, cut off at the hair's length.</summary>
    void BackHair()
    {
        Func<FaceIdentityParameters, FaceImageParameters, float> top = (f, _) => -f.FaceHeight * 0.6f;
        Func<FaceIdentityParameters, FaceImageParameters, float> bottom = (f, _) => f.BackHairLength + 0.3f;
        var dy = v - P((f, s) => (top(f, s) + bottom(f, s)) / 2);
        var alpha = Ellipse(u, dy, (f, _) => f.FaceWidth + f.BackHairWidth, (f, s) => (bottom(f, s) - top(f, s)) / 2)
            .mul_(Step(P((f, _) => f.BackHairLength) - v)).mul_(P((f, _) => f.BackHair));
        var shade = Shade(u / P((f, _) => f.FaceWidth + f.BackHairWidth), dy.div(0.8f).clamp_(-1f, 1f));
        Blend(alpha, C((f, _) => f.HairColour.Scale(0.8f)) * shade);
    }

    void Neck()
    {
        var alpha = Ellipse(u, v - P((f, _) => f.FaceHeight * 0.9f), (f, _) => f.FaceWidth * 0.5f, (_, _) => 0.3f);
        Blend(alpha, C((f, _) => f.Skin.Scale(0.72f)));
    }

    void Ears()
    {
        var dx = Mirrored((_, _) => 0f) - P((f, _) => f.FaceWidth);
        var dy = v - P((f, _) => f.EyeHeight + 0.08f);
        Blend(Ellipse(dx, dy, (f, _) => 0.055f * f.EarSize, (f, _) => 0.1f * f.EarSize), C((f, _) => f.Skin.Scale(0.8f)));
        var inner = Ellipse(dx - P((f, _) => 0.012f * f.EarSize), dy, (f, _) => 0.025f * f.EarSize, (f, _) => 0.06f * f.EarSize, blur: 0.01f);
        Blend(inner.mul_(0.6f), C((f, _) => f.Skin.Scale(0.65f)));
    }

    /// <summary>The face: a superellipse (|u/w(v)|^p + |v/h|^p)^(1/p) &lt; 1 whose half-width w(v) narrows
    /// towards the chin, shaded as a bulge. Returns its alpha and shading for the parts painted on it.</summary>
    (Tensor Alpha, Tensor Shade) Face()
    {
        var ny = v / P((f, _) => f.FaceHeight);
        var width = ny.clamp(0f, 1f).pow_(2f).mul_(P((f, _) => -f.ChinTaper)).add_(1f).mul_(P((f, _) => f.FaceWidth));
        var nx = u / width;
        var p = P((f, _) => f.Squareness);
        var r = nx.abs().pow_(p).add_(ny.abs().pow_(p)).pow_(P((f, _) => 1f / f.Squareness));
        var alpha = Inside(r, (f, _) => MathF.Min(f.FaceWidth, f.FaceHeight));
        var shade = Shade(nx.clamp(-1f, 1f), ny.clamp(-1f, 1f));
        Blend(alpha, C((f, _) => f.Skin) * shade);
        return (alpha, shade);
    }

    void Cheeks(Tensor faceShade)
    {
        var dx = Mirrored((_, s) => s.Yaw * 0.04f) - P((f, _) => f.EyeSpacing + 0.015f);
        var alpha = Ellipse(dx, v - P((f, _) => f.EyeHeight + 0.15f), (_, _) => 0.07f, (_, _) => 0.045f, blur: 0.04f).mul_(0.2f);
        Blend(alpha, C(new FaceColor(0.85f, 0.32f, 0.32f)) * faceShade);
    }

    /// <summary>Beard and moustache: the face below a curve that runs from above the upper lip up to the
    /// sideburns, hairline(u) = m − (m − sideburn)·(u / width)².</summary>
    void Beard(Tensor faceAlpha, Tensor faceShade)
    {
        var top = P((f, _) => f.MouthHeight - f.LipThickness - 0.03f);
        var drop = P((f, _) => (f.MouthHeight - f.LipThickness - 0.03f - f.EyeHeight - 0.12f) / (f.FaceWidth * f.FaceWidth));
        var line = top - (u * u).mul_(drop);
        var alpha = Step(v - line, blur: 0.01f).mul_(faceAlpha).mul_(P((f, _) => f.Beard));
        Blend(alpha, C((f, _) => f.HairColour.Scale(0.85f)) * faceShade);
    }

    /// <summary>The nose as shading only: a shadow along the side away from the light, a darker tip
    /// underside, two nostrils and a highlight.</summary>
    void Nose()
    {
        Func<FaceIdentityParameters, FaceImageParameters, float> noseX = (_, s) => s.Yaw * 0.07f;
        var ridge = u - P((f, s) => noseX(f, s) - s.LightX * 0.035f);
        var side = Ellipse(ridge, v - P((f, _) => (f.EyeHeight + f.NoseHeight) / 2 + 0.02f), (_, _) => 0.02f, (f, _) => (f.NoseHeight - f.EyeHeight) / 2, blur: 0.02f);
        Blend(side.mul_(0.3f), C((f, _) => f.Skin.Scale(0.55f)));
        var dx = u - P(noseX);
        var tip = Ellipse(dx, v - P((f, _) => f.NoseHeight + 0.01f), (f, _) => f.NoseWidth, (f, _) => f.NoseWidth * 0.55f, blur: 0.01f);
        Blend(tip.mul_(0.35f), C((f, _) => f.Skin.Scale(0.65f)));
        var nostrils = Ellipse(dx.abs() - P((f, _) => f.NoseWidth * 0.5f), v - P((f, _) => f.NoseHeight + 0.012f), (f, _) => f.NoseWidth * 0.3f, (f, _) => f.NoseWidth * 0.2f);
        Blend(nostrils.mul_(0.8f), C((f, _) => f.Skin.Scale(0.3f)));
        var shine = Ellipse(dx - P((_, s) => s.LightX * 0.012f), v - P((f, _) => f.NoseHeight - 0.015f), (f, _) => f.NoseWidth * 0.45f, (f, _) => f.NoseWidth * 0.35f, blur: 0.01f);
        Blend(shine.mul_(0.25f), C(new FaceColor(1f, 1f, 1f)));
    }

    /// <summary>Lips around the curve v = mouth − smile·t², t = (u − centre)/width; an opening (a thin dark line
    /// when closed) and teeth when open.</summary>
    void Mouth(Tensor faceShade)
    {
        var t = (u - P((_, s) => s.Yaw * 0.045f)).div_(P((f, _) => f.MouthWidth));
        // Offsets below are in mouth widths, so that both axes of the lip ellipses are normalised alike.
        var curve = (v - P((f, s) => f.MouthHeight + s.MouthOpen * 0.02f)).div_(P((f, _) => f.MouthWidth));
        curve.addcmul_(t * t, P((f, s) => s.Smile * 0.035f / f.MouthWidth), 1f);
        Func<FaceIdentityParameters, FaceImageParameters, float> ones = (_, _) => 1f;
        Blend(Ellipse(t, curve, ones, (f, s) => (f.LipThickness + s.MouthOpen * 0.03f) / f.MouthWidth).mul_(0.9f), C((f, _) => f.Lips) * faceShade);
        Func<FaceIdentityParameters, FaceImageParameters, float> gap = (f, s) => (0.007f + 0.3f * pixel + s.MouthOpen * 0.035f) / f.MouthWidth;
        var opening = Ellipse(t, curve, (_, _) => 0.85f, gap);
        Blend(opening, C(new FaceColor(0.25f, 0.06f, 0.07f)));
        var teeth = Ellipse(t, curve + P((f, s) => gap(f, s) * 0.55f), (_, _) => 0.6f, (f, s) => gap(f, s) * 0.5f)
            .mul_(opening).mul_(P((_, s) => MathF.Min(1f, 4f * s.MouthOpen)));
        Blend(teeth, C(new FaceColor(0.93f, 0.9f, 0.85f)));
    }

    /// <summary>Both eyes at once from |u − shift|: socket shadow, lash outline, white, iris, pupil.</summary>
    void Eyes()
    {
        var dx = Mirrored((_, s) => s.Yaw * 0.04f) - P((f, _) => f.EyeSpacing);
        var dy = v - P((f, _) => f.EyeHeight);
        Func<FaceIdentityParameters, FaceImageParameters, float> open = (f, s) => MathF.Max(f.EyeSize * f.EyeAspect * s.EyeOpen, 0.002f);
        Blend(Ellipse(dx, dy + 0.01f, (f, _) => f.EyeSize * 1.5f, (f, _) => f.EyeSize, blur: 0.03f).mul_(0.18f), C(new FaceColor(0.1f, 0.05f, 0.05f)));
        Blend(Ellipse(dx, dy, (f, _) => f.EyeSize * 1.12f + 0.3f * pixel, (f, s) => open(f, s) + f.EyeSize * 0.15f + 0.3f * pixel), C(new FaceColor(0.12f, 0.08f, 0.07f)));
        var white = Ellipse(dx, dy, (f, _) => f.EyeSize, open);
        Blend(white, C(new FaceColor(0.95f, 0.93f, 0.9f)));
        var irisX = Mirrored((f, s) => s.Yaw * 0.04f + s.Gaze * f.EyeSize * 0.4f) - P((f, _) => f.EyeSpacing);
        Blend(Ellipse(irisX, dy, (f, _) => f.EyeSize * 0.52f, (f, _) => f.EyeSize * 0.52f).mul_(white), C((f, _) => f.Iris));
        Blend(Ellipse(irisX, dy, (f, _) => f.EyeSize * 0.22f, (f, _) => f.EyeSize * 0.22f).mul_(white), C(new FaceColor(0.03f, 0.02f, 0.02f)));
    }

    /// <summary>Brows: ellipses along the tilted line v = brow + tilt·dx, lifted by the expression.</summary>
    void Brows()
    {
        var dx = Mirrored((_, s) => s.Yaw * 0.04f) - P((f, _) => f.EyeSpacing + 0.01f);
        var dy = (v - P((f, s) => f.EyeHeight - f.BrowGap - s.BrowRaise * 0.03f)).sub_(dx * P((f, _) => f.BrowTilt));
        Blend(Ellipse(dx, dy, (f, _) => f.BrowLength, (f, _) => f.BrowThickness), C((f, _) => f.HairColour.Scale(0.75f)));
    }

    /// <summary>Hair on top of the head: an ellipse larger than the face by the hair's volume (with bumps
    /// r·(1 − curl·sin 14θ) for curls), above the hairline v = hairline + curve·(u − parting)² + jag·sin(90u).</summary>
    void FrontHair()
    {
        var dy = v - P((f, _) => -0.03f);
        var r = Radius(u, dy, (f, _) => f.FaceWidth + f.HairVolume * 0.7f, (f, _) => f.FaceHeight + f.HairVolume);
        var angle = atan2(dy, u);
        var bumps = angle.mul(14f).sin_().mul_(P((f, _) => -f.Curl)).add_(1f);
        var cap = Inside(r.div_(bumps), (f, _) => f.FaceWidth + f.HairVolume * 0.7f);
        var parted = u - P((f, _) => f.Parting);
        var line = (parted * parted).mul_(P((f, _) => f.HairlineCurve)).add_(P((f, _) => f.Hairline))
            .addcmul_(u.mul(90f).sin_(), P((f, _) => f.FringeJag), 1f);
        // In front of the face, hair ends a little below the eyes (sideburns, locks); long hair goes on behind.
        var sides = Step(P((f, _) => f.EyeHeight + 0.12f) - v, blur: 0.01f);
        var alpha = cap.mul_(Step(line - v)).mul_(sides).mul_(P((f, _) => f.HairAmount));
        // Strands: a faint radial ripple 1 + 0.04·sin(70θ) on the shading.
        var shade = Shade(u / P((f, _) => f.FaceWidth + f.HairVolume), dy / P((f, _) => f.FaceHeight + f.HairVolume))
            .mul_(angle.mul_(70f).sin_().mul_(0.04f).add_(1f));
        Blend(alpha, C((f, _) => f.HairColour) * shade);
    }

    /// <summary>Glasses: elliptic rims |r − 1|·size &lt; half-thickness around tinted lenses, a bridge and arms.</summary>
    void Glasses()
    {
        var dx = Mirrored((_, s) => s.Yaw * 0.04f) - P((f, _) => f.EyeSpacing);
        var dy = v - P((f, _) => f.EyeHeight);
        var on = P((f, _) => f.Glasses ? 1f : 0f);
        float half = 0.012f + 0.3f * pixel;
        var r = Radius(dx, dy, (f, _) => f.LensSize, (f, _) => f.LensSize * 0.8f);
        Blend(Inside(r, (f, _) => f.LensSize).mul_(on).mul_(P((f, _) => f.LensTint)), C(new FaceColor(0.1f, 0.12f, 0.15f)));
        var rim = Step((r - 1f).abs_().mul_(P((f, _) => -f.LensSize)).add_(half));
        var across = Mirrored((_, s) => s.Yaw * 0.04f);
        var bridge = Step(P((f, _) => f.EyeSpacing - f.LensSize + 0.01f) - across).mul_(Step(half - (dy + P((f, _) => f.LensSize * 0.3f)).abs_()));
        var arms = Step(dx - P((f, _) => f.LensSize * 0.95f)).mul_(Step(P((f, _) => f.FaceWidth + 0.02f) - u.abs())).mul_(Step(half - dy.abs()));
        var frame = rim.add_(bridge).add_(arms).clamp_max_(1f).mul_(on);
        Blend(frame, C((f, _) => f.FrameColour));
    }

    /// <summary>A mild light gradient across the image, exposure and white balance, then Gaussian sensor
    /// noise from a generator seeded per image (so noise does not depend on the batch).</summary>
    void LightAndNoise()
    {
        var gradient = (x * P((_, s) => 0.12f * s.LightX) + y * P((_, s) => 0.12f * s.LightY)).add_(1f);
        image.mul_(gradient).mul_(C((_, s) => s.Tint.Scale(s.Exposure)));
        var noise = new Tensor[n];
        using var generator = new Generator(0);
        for (int i = 0; i < n; i++)
        {
            generator.manual_seed(shot[i].NoiseSeed);
            noise[i] = randn(new long[] { 3, size, size }, generator: generator);
        }
        image.addcmul_(stack(noise), P((_, s) => s.NoiseStd), 1f);
    }
}
