using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceGen.Runtime;

/// <summary>The JSON settings of every file the kit writes (run configs, metrics, checkpoints' state, bench reports).</summary>
public static class JsonFiles
{
    /// <summary>Indented, enums by name, and NaN/±∞ written as the strings "NaN", "Infinity", "-Infinity" (and read back):
    /// a metric of a diverged run must never stop its results, or the results before it, from being written.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically (temp file + rename).</summary>
    public static void Write<T>(string path, T value) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options));
}
