namespace FaceGen.Data;

/// <summary>
/// How images are turned into the kit's uint8 (C, H, W) layout when a data set is loaded.
/// </summary>
/// <param name="ImageSize">Side of the square output: each image is centre-cropped to a square
/// (side = min(width, height)) and resized to ImageSize × ImageSize (bicubic, anti-aliased when
/// shrinking). Null keeps every image at its native size, uncropped; all images must then share one size.</param>
/// <param name="Channels">3 = RGB; 1 = grey, luminance Y = 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601,
/// as PIL's "L" mode and torchvision's Grayscale), rounded to the nearest integer. Grey sources are
/// replicated into three channels when RGB is asked for.</param>
/// <param name="SkipBad">False: the first bad file (corrupt, unsupported, malformed name, oversize)
/// raises <see cref="DataException"/> naming it. True: bad files are skipped and listed in
/// <see cref="LoadReport.Skipped"/>.</param>
/// <param name="MaxImages">Load at most this many images, spread evenly over the sorted file list
/// (indices ⌊i·total/MaxImages⌋), so that a small sample still covers every identity or attribute range.</param>
/// <param name="MaxImagePixels">Images with more pixels than this (width × height, read from the file
/// header) are refused before decoding: a guard against decompression bombs and mistaken files.</param>
/// <param name="UseCache">Keep the decoded tensor on disk (see <see cref="DatasetCache"/>) and reuse it
/// while the files and options are unchanged.</param>
/// <param name="CacheFolder">Where decoded tensors are kept; null = <c>TorchRuntime.CacheFolder/datasets</c>.</param>
/// <param name="Threads">Decoding threads; null = one per processor core.</param>
public sealed record ImageLoadOptions(
    int? ImageSize = 64,
    int Channels = 3,
    bool SkipBad = false,
    int? MaxImages = null,
    long MaxImagePixels = ImageLoadOptions.DefaultMaxImagePixels,
    bool UseCache = true,
    string? CacheFolder = null,
    int? Threads = null)
{
    /// <summary>40 megapixels: far above any face data set (CelebA 178×218, UTKFace 200×200), well
    /// below what would exhaust memory (a 40 MP RGB image decodes to 120 MB).</summary>
    public const long DefaultMaxImagePixels = 40_000_000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the option whose value is out of range.</summary>
    public void Validate()
    {
        if (ImageSize is <= 0) throw new ArgumentException($"ImageSize={ImageSize}: expected a positive side length, or null for the native size.");
        if (Channels is not (1 or 3)) throw new ArgumentException($"Channels={Channels}: expected 1 (grey) or 3 (RGB).");
        if (MaxImages is <= 0) throw new ArgumentException($"MaxImages={MaxImages}: expected a positive count, or null for all images.");
        if (MaxImagePixels <= 0) throw new ArgumentException($"MaxImagePixels={MaxImagePixels}: expected a positive pixel count.");
        if (Threads is <= 0) throw new ArgumentException($"Threads={Threads}: expected a positive count, or null for one per core.");
    }

    /// <summary>The options that change the decoded pixels or the selection of files, as text for the cache key
    /// (UseCache, CacheFolder and Threads do not change the result and are left out).</summary>
    internal string KeyText => $"size={ImageSize?.ToString() ?? "native"};channels={Channels};skipBad={SkipBad};max={MaxImages?.ToString() ?? "all"};maxPixels={MaxImagePixels}";

    internal int DegreeOfParallelism => Threads ?? Environment.ProcessorCount;
}
