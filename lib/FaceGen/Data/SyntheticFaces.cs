namespace FaceGen.Data;

/// <summary>Options of the procedural face renderer.</summary>
public sealed record SyntheticFaceOptions(int Identities = 16, int ImagesPerIdentity = 8, int ImageSize = 64, int Channels = 3, int Seed = 0);

/// <summary>PLACEHOLDER — being written on another branch.</summary>
public static class SyntheticFaces
{
    public static FaceDataset Generate(SyntheticFaceOptions options, IProgress<FaceGen.Runtime.ProgressReport>? progress = null)
        => throw new NotImplementedException();
}
