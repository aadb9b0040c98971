namespace FaceGen.Data;

/// <summary>Bad input data: a missing folder, a corrupt or unsupported file, a malformed name, an empty
/// set. <see cref="Path"/> names the file or folder; the message says what to do.</summary>
public sealed class DataException(string path, string message, Exception? inner = null)
    : Exception($"{path}: {message}", inner)
{
    public string Path { get; } = path;
}
