namespace FaceGen.Data;

/// <summary>An RGB colour with channels in [0, 1] (values as rendered, before quantisation to bytes).</summary>
/// <param name="R">Red.</param>
/// <param name="G">Green.</param>
/// <param name="B">Blue.</param>
public readonly record struct FaceColor(float R, float G, float B)
{
    /// <summary>Channel-wise linear interpolation: a + (b − a)·t.</summary>
    public static FaceColor Lerp(FaceColor a, FaceColor b, float t) =>
        new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);

    /// <summary>Every channel multiplied by <paramref name="k"/>.</summary>
    public FaceColor Scale(float k) => new(R * k, G * k, B * k);
}

/// <summary>Hair styles of the synthetic faces. Each is a preset of the continuous hair parameters of
/// <see cref="FaceIdentityParameters"/>, so that one batched formula renders every style.</summary>
public enum HairStyle { Bald, Short, Fringe, Long, Bob, Curly }

/// <summary>
/// What makes a synthetic identity: face outline, skin, eyes, brows, nose, mouth, hair, glasses, beard.
/// Lengths are in face coordinates: the face is centred at (0, 0), x to the right, y downwards, and a
/// typical face spans about ±0.4 across and ±0.5 from forehead to chin (the image spans ±1 before the
/// per-image pose of <see cref="FaceImageParameters"/> is applied). Draw one with <see cref="Draw"/>, or
/// change one with a <c>with</c> expression and render it with <see cref="SyntheticFaces.Render"/>.
/// </summary>
public sealed record FaceIdentityParameters
{
    /// <summary>Half-width of the face at the cheekbones.</summary>
    public float FaceWidth { get; init; }
    /// <summary>Half-height of the face, centre to chin (and centre to crown).</summary>
    public float FaceHeight { get; init; }
    /// <summary>How much the lower face narrows towards the chin: width(y) = FaceWidth·(1 − taper·(y/FaceHeight)²) for y &gt; 0.</summary>
    public float ChinTaper { get; init; }
    /// <summary>Exponent p of the superellipse outline |x/a|^p + |y/b|^p = 1: 2 is an oval, larger is squarer.</summary>
    public float Squareness { get; init; }
    /// <summary>Skin colour under frontal light, from one pale-to-dark curve with a little hue jitter.</summary>
    public FaceColor Skin { get; init; }
    /// <summary>Horizontal distance from the face's midline to each eye centre.</summary>
    public float EyeSpacing { get; init; }
    /// <summary>Vertical position of the eye centres.</summary>
    public float EyeHeight { get; init; }
    /// <summary>Half-width of an eye opening.</summary>
    public float EyeSize { get; init; }
    /// <summary>Eye opening height / width.</summary>
    public float EyeAspect { get; init; }
    /// <summary>Iris colour (brown, dark brown, hazel, green, blue or grey, jittered).</summary>
    public FaceColor Iris { get; init; }
    /// <summary>Distance from the eye centre up to the brow centre.</summary>
    public float BrowGap { get; init; }
    /// <summary>Half-thickness of a brow.</summary>
    public float BrowThickness { get; init; }
    /// <summary>Half-length of a brow.</summary>
    public float BrowLength { get; init; }
    /// <summary>Slope of a brow: positive lowers the outer end.</summary>
    public float BrowTilt { get; init; }
    /// <summary>Vertical position of the nose tip.</summary>
    public float NoseHeight { get; init; }
    /// <summary>Half-width of the nose tip.</summary>
    public float NoseWidth { get; init; }
    /// <summary>Vertical position of the mouth (the line between the lips).</summary>
    public float MouthHeight { get; init; }
    /// <summary>Half-width of the mouth.</summary>
    public float MouthWidth { get; init; }
    /// <summary>Half-height of the closed lips.</summary>
    public float LipThickness { get; init; }
    /// <summary>Lip colour: the skin colour mixed with red and darkened.</summary>
    public FaceColor Lips { get; init; }
    /// <summary>Relative ear size (1 is typical).</summary>
    public float EarSize { get; init; }
    /// <summary>The style these hair parameters were drawn from (informative; rendering uses the numbers below).</summary>
    public HairStyle Hair { get; init; }
    /// <summary>Hair colour (also of brows, at 75 %, and beard, at 85 %).</summary>
    public FaceColor HairColour { get; init; }
    /// <summary>Opacity of the hair on top of the head (0: fully bald).</summary>
    public float HairAmount { get; init; }
    /// <summary>Thickness of the hair beyond the face outline.</summary>
    public float HairVolume { get; init; }
    /// <summary>Vertical position of the hairline at the parting.</summary>
    public float Hairline { get; init; }
    /// <summary>How fast the hairline descends sideways: hairline(x) = Hairline + curve·(x − parting)².</summary>
    public float HairlineCurve { get; init; }
    /// <summary>Horizontal position of the parting (the hairline's highest point).</summary>
    public float Parting { get; init; }
    /// <summary>Amplitude of the zigzag of a fringe's lower edge.</summary>
    public float FringeJag { get; init; }
    /// <summary>Amplitude of the bumps of curly hair's outline.</summary>
    public float Curl { get; init; }
    /// <summary>Opacity of the hair that falls behind the face and neck (long hair, bobs, curls).</summary>
    public float BackHair { get; init; }
    /// <summary>Where the back hair ends (vertical position of its lower edge).</summary>
    public float BackHairLength { get; init; }
    /// <summary>How far the back hair reaches beyond the face sides.</summary>
    public float BackHairWidth { get; init; }
    /// <summary>Opacity of the beard: 0 none, about 0.35 stubble, about 0.9 full.</summary>
    public float Beard { get; init; }
    /// <summary>Whether the identity wears glasses.</summary>
    public bool Glasses { get; init; }
    /// <summary>Half-width of a glasses lens.</summary>
    public float LensSize { get; init; }
    /// <summary>Colour of the glasses' rims, bridge and arms.</summary>
    public FaceColor FrameColour { get; init; }
    /// <summary>Opacity of the lens tint (about 0.1 clear glasses, about 0.75 sunglasses).</summary>
    public float LensTint { get; init; }

    /// <summary>The parameters of identity <paramref name="identity"/> under <paramref name="seed"/>. They
    /// depend on (seed, identity) only, so the first k identities of a larger set equal those of a smaller one.</summary>
    public static FaceIdentityParameters Draw(int seed, int identity)
    {
        var rng = new Random(SeedMix.Combine(seed, 1, identity, 0));
        float faceWidth = rng.Uniform(0.33f, 0.42f), faceHeight = rng.Uniform(0.47f, 0.55f);
        float eyeSpacing = rng.Uniform(0.12f, 0.17f), eyeHeight = rng.Uniform(-0.09f, -0.02f), eyeSize = rng.Uniform(0.05f, 0.072f);
        float browGap = rng.Uniform(0.075f, 0.11f);
        float noseHeight = eyeHeight + rng.Uniform(0.16f, 0.23f);
        float mouthHeight = noseHeight + rng.Uniform(0.1f, 0.14f);
        var skin = SkinTone(rng);
        var id = new FaceIdentityParameters
        {
            FaceWidth = faceWidth,
            FaceHeight = faceHeight,
            ChinTaper = rng.Uniform(0.05f, 0.4f),
            Squareness = rng.Uniform(2f, 2.9f),
            Skin = skin,
            EyeSpacing = eyeSpacing,
            EyeHeight = eyeHeight,
            EyeSize = eyeSize,
            EyeAspect = rng.Uniform(0.42f, 0.62f),
            Iris = rng.Pick(IrisColours).Jitter(rng, 0.04f),
            BrowGap = browGap,
            BrowThickness = rng.Uniform(0.012f, 0.028f),
            BrowLength = rng.Uniform(0.06f, 0.09f),
            BrowTilt = rng.Uniform(-0.3f, 0.3f),
            NoseHeight = noseHeight,
            NoseWidth = rng.Uniform(0.035f, 0.058f),
            MouthHeight = mouthHeight,
            MouthWidth = rng.Uniform(0.085f, 0.14f),
            LipThickness = rng.Uniform(0.018f, 0.034f),
            Lips = FaceColor.Lerp(skin, new FaceColor(0.72f, 0.25f, 0.28f), rng.Uniform(0.45f, 0.7f)).Scale(0.8f),
            EarSize = rng.Uniform(0.85f, 1.2f),
        };
        return WithGlassesAndBeard(WithHair(id, rng), rng);
    }

    // Skin tones lie on one pale-to-dark curve with a little hue jitter, so that neighbouring identities
    // overlap once per-image exposure and white balance vary: colour alone does not identify a face.
    static readonly FaceColor[] SkinCurve =
    [
        new(0.97f, 0.82f, 0.72f), new(0.90f, 0.71f, 0.58f), new(0.78f, 0.57f, 0.42f),
        new(0.62f, 0.43f, 0.30f), new(0.45f, 0.30f, 0.20f), new(0.32f, 0.21f, 0.15f),
    ];

    static FaceColor SkinTone(Random rng)
    {
        float t = rng.Uniform(0f, SkinCurve.Length - 1);
        int i = Math.Min((int)t, SkinCurve.Length - 2);
        return FaceColor.Lerp(SkinCurve[i], SkinCurve[i + 1], t - i).Jitter(rng, 0.025f);
    }

    static readonly FaceColor[] IrisColours =
    [
        new(0.30f, 0.18f, 0.10f), new(0.18f, 0.11f, 0.07f), new(0.45f, 0.35f, 0.15f),
        new(0.25f, 0.45f, 0.25f), new(0.25f, 0.45f, 0.70f), new(0.45f, 0.50f, 0.55f),
    ];

    static readonly FaceColor[] HairColours =
    [
        new(0.07f, 0.06f, 0.05f), new(0.20f, 0.12f, 0.07f), new(0.38f, 0.24f, 0.13f),
        new(0.55f, 0.25f, 0.10f), new(0.82f, 0.66f, 0.38f), new(0.62f, 0.61f, 0.60f),
    ];

    static readonly FaceColor[] FrameColours =
    [
        new(0.05f, 0.05f, 0.05f), new(0.35f, 0.20f, 0.10f), new(0.75f, 0.62f, 0.30f),
        new(0.60f, 0.10f, 0.12f), new(0.12f, 0.20f, 0.50f),
    ];

    static FaceIdentityParameters WithHair(FaceIdentityParameters id, Random rng)
    {
        var style = rng.Pick([HairStyle.Bald, HairStyle.Short, HairStyle.Short, HairStyle.Fringe, HairStyle.Long, HairStyle.Long, HairStyle.Bob, HairStyle.Curly]);
        var colour = style == HairStyle.Bald && rng.NextDouble() < 0.5 ? HairColours[^1] : rng.Pick(HairColours);
        // The hairline reaches eye level this far outside the outer eye corner; it sets the curve.
        float eyeOuter = id.EyeSpacing + id.EyeSize;
        float CurveReachingEyesAt(float hairline, float x) => (id.EyeHeight - hairline) / (x * x);
        id = id with { Hair = style, HairColour = colour.Jitter(rng, 0.03f), HairAmount = 1f, Parting = rng.Uniform(-0.1f, 0.1f) };
        switch (style)
        {
            case HairStyle.Bald:
                // A horseshoe of short hair at the sides and back; the crown shows the scalp.
                float crown = -1.3f;
                return id with { HairVolume = 0.025f, Hairline = crown, HairlineCurve = CurveReachingEyesAt(crown, id.FaceWidth * 0.95f), Parting = 0f };
            case HairStyle.Short:
            {
                float line = -id.FaceHeight * rng.Uniform(0.55f, 0.72f);
                return id with { HairVolume = rng.Uniform(0.03f, 0.07f), Hairline = line, HairlineCurve = CurveReachingEyesAt(line, id.FaceWidth * rng.Uniform(0.95f, 1.1f)) };
            }
            case HairStyle.Fringe:
            {
                float line = id.EyeHeight - id.BrowGap - rng.Uniform(0.035f, 0.07f);
                return id with { HairVolume = rng.Uniform(0.04f, 0.08f), Hairline = line, HairlineCurve = CurveReachingEyesAt(line, eyeOuter + rng.Uniform(0.07f, 0.12f)), Parting = 0f, FringeJag = rng.Uniform(0.008f, 0.018f) };
            }
            case HairStyle.Long:
            case HairStyle.Bob:
            {
                float line = -id.FaceHeight * rng.Uniform(0.6f, 0.8f);
                float length = style == HairStyle.Long ? rng.Uniform(0.75f, 1.1f) : rng.Uniform(0.25f, 0.45f);
                return id with
                {
                    HairVolume = rng.Uniform(0.04f, 0.08f), Hairline = line, HairlineCurve = CurveReachingEyesAt(line, eyeOuter + rng.Uniform(0.03f, 0.06f)),
                    BackHair = 1f, BackHairLength = length, BackHairWidth = rng.Uniform(0.08f, 0.16f),
                };
            }
            default:
            {
                float line = -id.FaceHeight * rng.Uniform(0.6f, 0.75f), volume = rng.Uniform(0.1f, 0.17f);
                return id with
                {
                    HairVolume = volume, Hairline = line, HairlineCurve = CurveReachingEyesAt(line, eyeOuter + rng.Uniform(0.05f, 0.09f)), Parting = 0f,
                    Curl = rng.Uniform(0.02f, 0.035f), BackHair = 1f, BackHairLength = rng.Uniform(0.15f, 0.35f), BackHairWidth = volume,
                };
            }
        }
    }

    static FaceIdentityParameters WithGlassesAndBeard(FaceIdentityParameters id, Random rng)
    {
        bool glasses = rng.NextDouble() < 0.25;
        double beard = rng.NextDouble();
        return id with
        {
            Glasses = glasses,
            LensSize = id.EyeSize + rng.Uniform(0.025f, 0.045f),
            FrameColour = rng.Pick(FrameColours),
            LensTint = rng.NextDouble() < 0.15 ? rng.Uniform(0.65f, 0.85f) : rng.Uniform(0.05f, 0.12f),
            Beard = beard < 0.18 ? rng.Uniform(0.8f, 0.95f) : beard < 0.32 ? rng.Uniform(0.25f, 0.4f) : 0f,
        };
    }
}

/// <summary>
/// What changes from one photo of an identity to the next: pose (shift, rotation, scale, a slight turn),
/// light (direction, ambient level, exposure, white balance), expression (smile, open mouth, raised brows,
/// blink, gaze), background, clothes and sensor noise. Shift is in image units (the image spans ±1);
/// the expression amounts are roughly in [−1, 1] or [0, 1].
/// </summary>
public sealed record FaceImageParameters
{
    /// <summary>Horizontal shift of the face in image units (the image spans ±1).</summary>
    public float ShiftX { get; init; }
    /// <summary>Vertical shift of the face in image units (positive moves it down).</summary>
    public float ShiftY { get; init; }
    /// <summary>In-plane rotation in radians (positive turns the face clockwise on screen).</summary>
    public float Rotation { get; init; }
    /// <summary>Size of the face relative to the nominal size.</summary>
    public float Scale { get; init; } = 1f;
    /// <summary>A slight head turn in [−1, 1]: the eyes, nose and mouth slide sideways inside the outline.</summary>
    public float Yaw { get; init; }
    /// <summary>Horizontal component of the unit light direction (positive lights the right side); the
    /// component towards the viewer is √(1 − LightX² − LightY²).</summary>
    public float LightX { get; init; }
    /// <summary>Vertical component of the unit light direction (negative lights from above).</summary>
    public float LightY { get; init; }
    /// <summary>Share of the light that does not depend on the surface direction, in [0, 1].</summary>
    public float Ambient { get; init; } = 0.6f;
    /// <summary>Overall brightness factor.</summary>
    public float Exposure { get; init; } = 1f;
    /// <summary>White-balance gains per channel.</summary>
    public FaceColor Tint { get; init; } = new(1f, 1f, 1f);
    /// <summary>Mouth-corner lift: negative frowns, 1 is a broad smile.</summary>
    public float Smile { get; init; }
    /// <summary>How far the mouth is open, in [0, 1].</summary>
    public float MouthOpen { get; init; }
    /// <summary>Brow lift, in [0, 1].</summary>
    public float BrowRaise { get; init; }
    /// <summary>Eye opening relative to the identity's, in [0, 1.1] (0 is closed).</summary>
    public float EyeOpen { get; init; } = 1f;
    /// <summary>Horizontal gaze in [−1, 1].</summary>
    public float Gaze { get; init; }
    /// <summary>Background colour at one end of its linear gradient.</summary>
    public FaceColor BackgroundA { get; init; }
    /// <summary>Background colour at the other end of its linear gradient.</summary>
    public FaceColor BackgroundB { get; init; }
    /// <summary>Direction of the background gradient, in radians.</summary>
    public float BackgroundAngle { get; init; }
    /// <summary>Colour of the clothes on the shoulders.</summary>
    public FaceColor Clothes { get; init; }
    /// <summary>Standard deviation of the additive Gaussian sensor noise (in [0, 1] intensity units).</summary>
    public float NoiseStd { get; init; }
    /// <summary>Seed of the torch generator that draws this image's noise.</summary>
    public long NoiseSeed { get; init; }

    /// <summary>The nuisance parameters of image <paramref name="image"/> of identity <paramref name="identity"/>;
    /// they depend on (seed, identity, image) only.</summary>
    public static FaceImageParameters Draw(int seed, int identity, int image)
    {
        var rng = new Random(SeedMix.Combine(seed, 2, identity, image));
        float lightAngle = rng.Uniform(0f, 2f * MathF.PI), lightTilt = rng.Uniform(0.15f, 0.75f);
        bool blink = rng.NextDouble() < 0.06, open = rng.NextDouble() < 0.3;
        var backA = RandomColour(rng, 0.15f, 0.9f);
        return new FaceImageParameters
        {
            ShiftX = rng.Gaussian(0f, 0.035f, 0.08f),
            ShiftY = rng.Gaussian(0f, 0.035f, 0.08f),
            Rotation = rng.Gaussian(0f, 0.08f, 0.2f),
            Scale = MathF.Exp(rng.Gaussian(0f, 0.05f, 0.12f)),
            Yaw = rng.Gaussian(0f, 0.35f, 1f),
            LightX = MathF.Sin(lightTilt) * MathF.Cos(lightAngle),
            LightY = MathF.Sin(lightTilt) * MathF.Sin(lightAngle) * 0.6f - 0.2f,
            Ambient = rng.Uniform(0.45f, 0.75f),
            Exposure = rng.Uniform(0.7f, 1.2f),
            Tint = WhiteBalance(rng.Gaussian(0f, 0.07f, 0.15f), rng.Gaussian(0f, 0.025f, 0.05f)),
            Smile = rng.Uniform(-0.25f, 1f),
            MouthOpen = open ? rng.Uniform(0.25f, 1f) : 0f,
            BrowRaise = MathF.Pow(rng.Uniform(0f, 1f), 2f),
            EyeOpen = blink ? rng.Uniform(0f, 0.25f) : rng.Uniform(0.8f, 1.08f),
            Gaze = rng.Gaussian(0f, 0.35f, 0.9f),
            BackgroundA = backA,
            BackgroundB = FaceColor.Lerp(backA, RandomColour(rng, 0.1f, 0.95f), rng.Uniform(0.2f, 0.8f)),
            BackgroundAngle = rng.Uniform(0f, 2f * MathF.PI),
            Clothes = RandomColour(rng, 0.1f, 0.85f),
            NoiseStd = rng.Uniform(0.004f, 0.03f),
            NoiseSeed = SeedMix.Combine(seed, 3, identity, image),
        };
    }

    /// <summary>Channel gains of a white balance: colour temperature t (warm t &gt; 0: R·(1 + t), B·(1 − t))
    /// and a green–magenta tint g (G·(1 + g)).</summary>
    static FaceColor WhiteBalance(float temperature, float tint) => new(1f + temperature, 1f + tint, 1f - temperature);

    /// <summary>A colour of random hue, saturation up to 0.6, and value in [lo, hi].</summary>
    static FaceColor RandomColour(Random rng, float lo, float hi)
    {
        float value = rng.Uniform(lo, hi), saturation = rng.Uniform(0f, 0.6f), hue = rng.Uniform(0f, 6f);
        float Channel(float offset)
        {
            float k = (offset + hue) % 6f;
            float pure = Math.Clamp(Math.Min(k, 4f - k), 0f, 1f);
            return value * (1f - saturation * pure);
        }
        return new FaceColor(Channel(5f), Channel(3f), Channel(1f));
    }
}

/// <summary>Seed derivation and the few distributions the parameter draws need.</summary>
static class SeedMix
{
    /// <summary>A 31-bit seed from (seed, stream, identity, image) by SplitMix64 mixing: streams and
    /// neighbouring indices give unrelated <see cref="Random"/> sequences.</summary>
    public static int Combine(int seed, int stream, int identity, int image)
    {
        ulong h = (ulong)(uint)seed;
        foreach (var part in new[] { stream, identity, image })
            h = Mix(h ^ (Mix((ulong)(uint)part + 0x9E3779B97F4A7C15UL)));
        return (int)(h >> 33);
    }

    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static float Uniform(this Random rng, float lo, float hi) => lo + (hi - lo) * (float)rng.NextDouble();

    /// <summary>A normal draw (Box–Muller) clipped to mean ± limit.</summary>
    public static float Gaussian(this Random rng, float mean, float std, float limit)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return Math.Clamp(mean + std * (float)z, mean - limit, mean + limit);
    }

    public static T Pick<T>(this Random rng, T[] items) => items[rng.Next(items.Length)];

    /// <summary>Each channel moved by a uniform amount in ±<paramref name="amount"/>, clamped to [0, 1].</summary>
    public static FaceColor Jitter(this FaceColor c, Random rng, float amount) => new(
        Math.Clamp(c.R + rng.Uniform(-amount, amount), 0f, 1f),
        Math.Clamp(c.G + rng.Uniform(-amount, amount), 0f, 1f),
        Math.Clamp(c.B + rng.Uniform(-amount, amount), 0f, 1f));
}
