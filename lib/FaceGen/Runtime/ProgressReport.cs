namespace FaceGen.Runtime;

/// <summary>Progress of long work (decoding, downloading, rendering, training), reported through
/// <see cref="IProgress{T}"/>: the CLI draws a console bar from it, a notebook an updating display.</summary>
/// <param name="Task">What is being done, e.g. "decode utkface".</param>
/// <param name="Done">Units finished so far.</param>
/// <param name="Total">Units in all, or 0 when unknown.</param>
/// <param name="Unit">"images", "bytes", "steps" …</param>
public readonly record struct ProgressReport(string Task, long Done, long Total, string Unit = "items");
