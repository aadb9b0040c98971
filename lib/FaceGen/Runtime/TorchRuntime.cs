using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace FaceGen.Runtime;

/// <summary>How the native backend was loaded, for <c>facegen doctor</c> and bug reports.</summary>
public sealed record NativeLoadReport(
    string Mode,
    string? LibTorchFolder,
    string? LibTorchSharpOriginal,
    string? LibTorchSharpLoaded,
    string? LibStdCxx,
    CompatDecision? Compat)
{
    public bool CompatCopyInUse => Compat?.Action == CompatAction.LoadWeakenedCopy;
}

/// <summary>Thrown when TorchSharp's native backend cannot be loaded; the message says why and what to do.</summary>
public class TorchLoadException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one initialiser of the native backend. Every library entry point that touches torch calls
/// <see cref="EnsureInitialized"/> first; it is idempotent and thread-safe.
/// On Linux it loads libtorch and LibTorchSharp explicitly by path, before TorchSharp's own loader
/// runs, from the folder TorchSharp itself would use (the app's <c>runtimes/linux-x64/native</c>,
/// i.e. next to TorchSharp.dll — also right in a notebook kernel, whose base directory is the
/// kernel's — else the NuGet package folders). Where the system's libstdc++ is older than GCC 13,
/// it loads a checked compat copy of LibTorchSharp (see <see cref="LibStdCxxCompat"/>).
/// On Windows and macOS TorchSharp's own loader is used unchanged.
/// </summary>
public static class TorchRuntime
{
    static readonly object Gate = new();
    static NativeLoadReport? report;
    static IntPtr libTorchSharpHandle;
    static IntPtr libTorchCpuHandle;
    static NumericsReport? numerics;
    static NumericsException? numericsFailure;

    /// <summary>The kit's cache folder: <c>FACEGEN_CACHE</c>, else <c>$XDG_CACHE_HOME/facegen</c>, else <c>~/.cache/facegen</c>.</summary>
    public static string CacheFolder
    {
        get
        {
            var explicitFolder = Environment.GetEnvironmentVariable("FACEGEN_CACHE");
            if (!string.IsNullOrWhiteSpace(explicitFolder)) return explicitFolder;
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var root = !string.IsNullOrWhiteSpace(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "facegen");
        }
    }

    /// <summary>Loads the native backend once, then runs the arithmetic self-check (<see cref="NumericsGuard"/>) with the
    /// convolution path asked for by <c>FACEGEN_CONV_BACKEND</c> (default auto), and returns how the backend was loaded.
    /// Throws <see cref="TorchLoadException"/> with the cause and a remedy when it cannot load, and
    /// <see cref="NumericsException"/> (the same on every later call) when no convolution path computes correctly.</summary>
    public static NativeLoadReport EnsureInitialized()
    {
        if (report is not null && numerics is not null) return report;
        lock (Gate)
        {
            LoadOnce();
            if (numerics is null)
            {
                if (numericsFailure is not null) throw numericsFailure;
                string? value = Environment.GetEnvironmentVariable(NumericsGuard.Variable);
                ConvBackendRequest request;
                try { request = NumericsGuard.ParseRequest(value, NumericsGuard.Variable); }
                catch (ArgumentException e) { throw numericsFailure = new NumericsException(e.Message); }
                SelectConvBackend(request, string.IsNullOrWhiteSpace(value) ? "default" : $"{NumericsGuard.Variable}={value.Trim()}");
            }
            return report!;
        }
    }

    /// <summary>The self-check's outcome and the convolution path in force (initialises the runtime first).</summary>
    public static NumericsReport Numerics
    {
        get
        {
            EnsureInitialized();
            return numerics!;
        }
    }

    /// <summary>The self-check's outcome once it has chosen a path, else null; never starts the runtime.</summary>
    public static NumericsReport? NumericsIfChecked => numerics;

    /// <summary>Chooses the convolution path as <c>--conv-backend</c> asks (auto | onednn | aten), overriding
    /// <c>FACEGEN_CONV_BACKEND</c>; runs the self-check again unless the same request is already in force.</summary>
    public static NumericsReport UseConvBackend(string value, string source = "--conv-backend")
    {
        var request = NumericsGuard.ParseRequest(value, source);
        lock (Gate)
        {
            LoadOnce();
            if (numerics is not null && numerics.Requested == request) return numerics;
            return SelectConvBackend(request, $"{source} {value.Trim().ToLowerInvariant()}");
        }
    }

    static NumericsReport SelectConvBackend(ConvBackendRequest request, string source)
    {
        numerics = null;
        numericsFailure = null;
        try
        {
            return numerics = NumericsGuard.Select(request, source, ArithmeticCheck.DefaultProbes, ConvBackendSwitch,
                NumericsGuard.VerdictFile(CacheFolder, torch.__version__));
        }
        catch (NumericsException e) { throw numericsFailure = e; }
    }

    /// <summary>The process-wide switch between oneDNN and ATen convolutions (reads the flag LibTorch itself holds).
    /// Prefer <see cref="UseConvBackend"/>, which checks the path it turns on.</summary>
    public static IConvBackendSwitch ConvBackendSwitch
    {
        get
        {
            lock (Gate) LoadOnce();
            return new AtenContextSwitch(LibTorchCpuHandle());
        }
    }

    static void LoadOnce()
    {
        if (report is not null) return;
        var loaded = RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? LoadLinux() : new NativeLoadReport("torchsharp-default", null, null, null, null, null);
        try
        {
            // The first real torch call; TorchSharp's loader finds LibTorchSharp already in the process.
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(1);
        }
        catch (Exception e) when (e is not TorchLoadException)
        {
            throw new TorchLoadException(
                $"TorchSharp could not start its CPU backend ({e.GetType().Name}: {FirstLine(e.Message)}). " +
                $"Load mode: {loaded.Mode}; LibTorchSharp: {loaded.LibTorchSharpLoaded ?? "(TorchSharp's own search)"}. " +
                "Remedy: rebuild (dotnet build) so that the TorchSharp-cpu natives are next to the app, and run `facegen doctor`.", e);
        }
        report = loaded;
    }

    /// <summary>libtorch_cpu's handle: the one loaded by path on Linux, else the library TorchSharp's loader brought in.</summary>
    static IntPtr LibTorchCpuHandle()
    {
        if (libTorchCpuHandle != IntPtr.Zero) return libTorchCpuHandle;
        foreach (var name in new[] { "torch_cpu", "libtorch_cpu" })
            if (NativeLibrary.TryLoad(name, typeof(torch).Assembly, null, out var handle)) return libTorchCpuHandle = handle;
        return IntPtr.Zero;
    }

    static string FirstLine(string s) => s.Split('\n')[0].Trim();

    static NativeLoadReport LoadLinux()
    {
        string rid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64";
        const string sharpName = "libLibTorchSharp.so";
        var (sharpFolder, torchFolder) = FindNativeFolders(rid, sharpName);
        if (sharpFolder is null || torchFolder is null)
            throw new TorchLoadException(
                $"Could not find {sharpName} and libtorch_cpu.so next to TorchSharp.dll ({TorchSharpFolder()}/runtimes/{rid}/native) " +
                "nor in the NuGet package folders. Remedy: reference the TorchSharp-cpu package (the kit's default build does) " +
                "and run `dotnet build`; for CUDA build with -p:FaceGenBackend=cuda.");

        // libtorch first, by path, in dependency order (libtorch_cuda only exists in CUDA builds).
        foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
        {
            var path = Path.Combine(torchFolder, name);
            if (!File.Exists(path)) continue;
            try
            {
                var handle = NativeLibrary.Load(path);
                if (name == "libtorch_cpu.so") libTorchCpuHandle = handle;
            }
            catch (Exception e)
            {
                throw new TorchLoadException($"Could not load {path}: {FirstLine(e.Message)}. Remedy: check that the file is complete " +
                    "(delete the package folder and run `dotnet restore`) and that this is a 64-bit glibc Linux.", e);
            }
        }

        string original = Path.Combine(sharpFolder, sharpName);
        string? stdcxx = LibStdCxxCompat.LoadedLibStdCxxPath();
        CompatDecision? decision = null;
        string toLoad = original;
        string mode = "explicit-preload";
        if (stdcxx is not null)
        {
            var elf = ElfFile.Read(original);
            decision = LibStdCxxCompat.Decide(elf, ElfFile.Read(stdcxx).VersionDefinitions());
            if (decision.Action == CompatAction.Refuse)
                throw new TorchLoadException($"Refusing to load {original}: {decision.Explanation}");
            if (decision.Action == CompatAction.LoadWeakenedCopy)
            {
                toLoad = LibStdCxxCompat.EnsureWeakenedCopy(elf, decision, CacheFolder);
                mode = "explicit-preload+libstdc++-compat-copy";
            }
        }
        try { libTorchSharpHandle = NativeLibrary.Load(toLoad); }
        catch (Exception e)
        {
            throw new TorchLoadException($"Could not load {toLoad}: {FirstLine(e.Message)}. " +
                (decision is null ? "" : $"libstdc++ check: {decision.Explanation}. ") +
                "Remedy: run `facegen doctor`; see environment.md, section 'Linux: libstdc++'.", e);
        }
        // Route TorchSharp's [DllImport("LibTorchSharp")] to the handle we loaded. If another
        // resolver is already registered (a second copy of the kit in one kernel), ld.so's soname
        // match still finds the loaded library.
        try { NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, ResolveLibTorchSharp); }
        catch (InvalidOperationException) { }
        return new NativeLoadReport(mode, torchFolder, original, toLoad, stdcxx, decision);
    }

    static IntPtr ResolveLibTorchSharp(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == "LibTorchSharp" ? libTorchSharpHandle : IntPtr.Zero;

    static string TorchSharpFolder() => Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? ".";

    /// <summary>Where LibTorchSharp and libtorch live: next to TorchSharp.dll (a built app or a
    /// library loaded with #r), flattened there (a RID-specific publish), or in the NuGet cache.</summary>
    static (string? sharp, string? torch) FindNativeFolders(string rid, string sharpName)
    {
        string asm = TorchSharpFolder();
        foreach (var folder in new[] { Path.Combine(asm, "runtimes", rid, "native"), asm })
            if (File.Exists(Path.Combine(folder, sharpName)) && File.Exists(Path.Combine(folder, "libtorch_cpu.so")))
                return (folder, folder);

        string nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string sharpVersion = typeof(torch).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "";
        string sharp = Path.Combine(nuget, "torchsharp", sharpVersion, "runtimes", rid, "native");
        string? torchFolder = Directory.Exists(nuget)
            ? Directory.GetDirectories(nuget, $"libtorch-*-{rid}")
                .Select(d => Path.Combine(d, torch.__version__, "runtimes", rid, "native"))
                .FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")))
            : null;
        return (File.Exists(Path.Combine(sharp, sharpName)) ? sharp : null, torchFolder);
    }
}
