using TorchSharp;
using static TorchSharp.torch;

namespace FaceGen.Runtime;

/// <summary>The one place where the compute device and the CPU thread count are chosen.
/// Device: an explicit option (auto|cpu|cuda|cuda:N), else <c>FACEGEN_DEVICE</c>, else auto
/// (CUDA when available, otherwise CPU). Threads: an explicit option, else <c>FACEGEN_THREADS</c>,
/// else LibTorch's default.</summary>
public static class Devices
{
    public const string DeviceVariable = "FACEGEN_DEVICE";
    public const string ThreadsVariable = "FACEGEN_THREADS";

    /// <summary>Resolves a device request. Throws <see cref="ArgumentException"/> naming the value for an
    /// unknown name, and when CUDA is requested but unavailable (with the remedy).</summary>
    public static Device Resolve(string? request = null)
    {
        TorchRuntime.EnsureInitialized();
        string source = request is not null ? "--device" : DeviceVariable;
        string value = (request ?? Environment.GetEnvironmentVariable(DeviceVariable) ?? "auto").Trim().ToLowerInvariant();
        if (value is "" or "auto") return cuda.is_available() ? CUDA : CPU;
        if (value == "cpu") return CPU;
        if (value == "cuda" || value.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ArgumentException($"{source}={value}: CUDA is not available here (CPU build of TorchSharp, or no NVIDIA driver). " +
                    "Use --device cpu, or build with -p:FaceGenBackend=cuda on a machine with an NVIDIA GPU (see environment.md).");
            int ordinal = value == "cuda" ? 0 : int.TryParse(value[5..], out var k) ? k : -1;
            if (ordinal < 0 || ordinal >= cuda.device_count())
                throw new ArgumentException($"{source}={value}: no such CUDA device ({cuda.device_count()} available).");
            return new Device(DeviceType.CUDA, ordinal);
        }
        throw new ArgumentException($"{source}={value}: unknown device; expected auto, cpu, cuda or cuda:N.");
    }

    /// <summary>Sets LibTorch's intra-op thread count from the option or <c>FACEGEN_THREADS</c>; returns the count in force.</summary>
    public static int ConfigureThreads(int? requested = null)
    {
        TorchRuntime.EnsureInitialized();
        string? env = Environment.GetEnvironmentVariable(ThreadsVariable);
        int? count = requested;
        if (count is null && !string.IsNullOrWhiteSpace(env))
            count = int.TryParse(env, out var n) ? n : throw new ArgumentException($"{ThreadsVariable}={env}: expected a positive integer.");
        if (count is not null)
        {
            if (count <= 0) throw new ArgumentException($"--threads {count}: expected a positive integer.");
            set_num_threads(count.Value);
        }
        return get_num_threads();
    }
}
