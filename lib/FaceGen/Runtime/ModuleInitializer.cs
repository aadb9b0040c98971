using System.Runtime.CompilerServices;

namespace FaceGen.Runtime;

internal static class FaceGenModule
{
    /// <summary>
    /// Loads the native backend as soon as FaceGen.dll is loaded, so that user code (a notebook cell, a
    /// test) may call <c>torch.*</c> directly before any kit function: otherwise TorchSharp's own loader runs
    /// first, fails on Debian 12 / Ubuntu 22.04, and its failed static initialiser poisons torch for the rest
    /// of the process. A failure here is kept quiet: every kit entry point calls
    /// <see cref="TorchRuntime.EnsureInitialized"/> again and reports it with its cause and remedy (doctor).
    /// </summary>
#pragma warning disable CA2255 // A library module initialiser is intended here: see the summary.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void LoadNativeBackend()
    {
        try { TorchRuntime.EnsureInitialized(); }
        catch (TorchLoadException) { }
    }
}
