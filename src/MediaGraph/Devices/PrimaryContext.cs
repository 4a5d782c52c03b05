using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Puts ILGPU's CUDA accelerator on the device's primary context, the one FFmpeg's device context (native/hw.c) and
/// ONNX Runtime's CUDA provider use, so that memory and streams of each are valid for the others.
/// ILGPU 1.5.3 always creates a private context (cuCtxCreate) and has no API that takes an existing one; its
/// accelerator's <see cref="AcceleratorObject"/>-level <c>NativePtr</c> is that context, and every later bind, module
/// load, allocation and stream creation goes through it. So, right after the accelerator is made (nothing allocated in
/// its own context yet), <see cref="Adopt"/> sets <c>NativePtr</c> (a protected setter, reached by reflection) to
/// the primary context and destroys ILGPU's own. At the end, <see cref="Release"/> hands ILGPU a throw-away context
/// to destroy in its Dispose (it would otherwise destroy the primary context, which the shim releases instead).
/// The alternative, a patched ILGPU build, costs a fork to maintain; see docs/gpu.md for the decision.
/// </summary>
internal static class PrimaryContext
{
    /// <summary>The setter this depends on; null when an ILGPU version changed it (checked by a test).</summary>
    internal static MethodInfo? NativePtrSetter { get; } =
        typeof(Accelerator).GetProperty(nameof(Accelerator.NativePtr))?.GetSetMethod(nonPublic: true);

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Accelerator.NativePtr is a public property of a referenced type.")]
    public static void Adopt(CudaAccelerator accelerator, CudaDriver driver)
    {
        var setter = NativePtrSetter ?? throw new MediaGraphException(null,
            $"this ILGPU version ({typeof(Accelerator).Assembly.GetName().Version}) has no settable Accelerator.NativePtr, which MediaGraph uses to share CUDA's primary context with FFmpeg");
        var own = accelerator.NativePtr;
        if (own == driver.Context) return;
        setter.Invoke(accelerator, [driver.Context]);
        // ILGPU believes it is bound on this thread; make the primary context current so its next call runs there.
        CudaException.ThrowIfFailed(CudaAPI.CurrentAPI.SetCurrentContext(driver.Context));
        driver.DestroyContext(own);
    }

    /// <summary>Before <c>accelerator.Dispose()</c>: its children are freed already (the caller cleared caches and
    /// pools); swaps in a context of its own for ILGPU to destroy, so the primary one survives for the shim to release.</summary>
    public static void Release(CudaAccelerator accelerator, CudaDriver driver)
    {
        if (accelerator.NativePtr != driver.Context || NativePtrSetter is null) return;
        NativePtrSetter.Invoke(accelerator, [driver.CreateContext()]);
    }
}
