using System.Runtime.InteropServices;

namespace FaceGen.Runtime;

/// <summary>The two ways LibTorch computes a CPU convolution (and its gradients).</summary>
public enum ConvBackend
{
    /// <summary>oneDNN's JIT kernels (LibTorch's default on x86): fast, but wrong for some shapes on some CPUs.</summary>
    OneDnn,
    /// <summary>ATen's own im2col + matrix-product convolution, with oneDNN turned off inside ATen: slower, the reference.</summary>
    Aten,
}

/// <summary>What a user asked for: <c>--conv-backend</c>, else <c>FACEGEN_CONV_BACKEND</c>, else <see cref="Auto"/>.</summary>
public enum ConvBackendRequest
{
    /// <summary>oneDNN when the start-up self-check finds it correct on this CPU, ATen otherwise.</summary>
    Auto,
    /// <summary>oneDNN whatever the self-check says (its complaints are still reported).</summary>
    OneDnn,
    /// <summary>ATen's convolutions, always (the fallback, forced: to test it, or to rule oneDNN out).</summary>
    Aten,
}

/// <summary>Switches LibTorch between <see cref="ConvBackend.OneDnn"/> and <see cref="ConvBackend.Aten"/> in a running
/// process, the way PyTorch's <c>torch.backends.mkldnn.enabled</c> does: TorchSharp has no binding for it, so this calls
/// <c>at::globalContext().setUserEnabledMkldnn(bool)</c>, exported by libtorch_cpu, through its C++ symbol (the context
/// pointer is the member function's first argument). The switch is process-wide and takes effect at the next convolution.</summary>
public interface IConvBackendSwitch
{
    /// <summary>Whether this LibTorch exposes the switch (false: only oneDNN, or whatever LibTorch does by default).</summary>
    bool Available { get; }
    ConvBackend Current { get; }
    void Use(ConvBackend backend);
}

/// <summary>The real switch over libtorch_cpu's <c>at::Context</c>.</summary>
public sealed class AtenContextSwitch : IConvBackendSwitch
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate IntPtr GlobalContextFn();
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] delegate void SetFlagFn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)] [return: MarshalAs(UnmanagedType.U1)] delegate bool GetFlagFn(IntPtr context);

    readonly IntPtr context;
    readonly SetFlagFn? setEnabled;
    readonly GetFlagFn? getEnabled;

    // Itanium (Linux, macOS) and MSVC (Windows) names of at::globalContext(), Context::setUserEnabledMkldnn(bool)
    // and Context::userEnabledMkldnn() const.
    static readonly string[][] Symbols =
    [
        ["_ZN2at13globalContextEv", "_ZN2at7Context20setUserEnabledMkldnnEb", "_ZNK2at7Context17userEnabledMkldnnEv"],
        ["?globalContext@at@@YAAEAVContext@1@XZ", "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z", "?userEnabledMkldnn@Context@at@@QEBA_NXZ"],
    ];

    /// <param name="libTorchCpu">A handle of the loaded libtorch_cpu library.</param>
    public AtenContextSwitch(IntPtr libTorchCpu)
    {
        foreach (var names in Symbols)
        {
            if (libTorchCpu == IntPtr.Zero
                || !NativeLibrary.TryGetExport(libTorchCpu, names[0], out var global)
                || !NativeLibrary.TryGetExport(libTorchCpu, names[1], out var set)
                || !NativeLibrary.TryGetExport(libTorchCpu, names[2], out var get)) continue;
            context = Marshal.GetDelegateForFunctionPointer<GlobalContextFn>(global)();
            setEnabled = Marshal.GetDelegateForFunctionPointer<SetFlagFn>(set);
            getEnabled = Marshal.GetDelegateForFunctionPointer<GetFlagFn>(get);
            return;
        }
    }

    public bool Available => setEnabled is not null && context != IntPtr.Zero;

    public ConvBackend Current => Available && !getEnabled!(context) ? ConvBackend.Aten : ConvBackend.OneDnn;

    public void Use(ConvBackend backend)
    {
        if (!Available)
        {
            if (backend == ConvBackend.OneDnn) return;
            throw new InvalidOperationException("This LibTorch does not export at::Context::setUserEnabledMkldnn, so oneDNN cannot be turned off.");
        }
        setEnabled!(context, backend == ConvBackend.OneDnn);
        if (Current != backend) throw new InvalidOperationException($"LibTorch did not switch its convolutions to {backend}.");
    }
}
