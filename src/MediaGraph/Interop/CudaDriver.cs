namespace MediaGraph.Interop;

/// <summary>
/// A CUDA device as the shim holds it (native/hw.c): the device's retained primary context, the one stream FFmpeg,
/// the kernels and ONNX Runtime share, FFmpeg's AVHWDeviceContext over both, and the driver calls MediaGraph needs
/// that ILGPU 1.5 does not bind (events, cross-stream waits, contexts). The NVIDIA driver is loaded by the shim at
/// <see cref="Open"/>; without one, <see cref="Open"/> throws saying so and nothing else is affected.
/// </summary>
internal sealed unsafe class CudaDriver : IDisposable
{
    private readonly CudaHandle _handle;

    private CudaDriver(CudaHandle handle)
    {
        _handle = handle;
        Context = NativeMethods.mg_cuda_context(handle.Ptr);
        Stream = NativeMethods.mg_cuda_stream(handle.Ptr);
        Name = NativeMethods.Utf8(NativeMethods.mg_cuda_name(handle.Ptr)) ?? "";
    }

    /// <summary>Opens CUDA device <paramref name="ordinal"/> on its primary context. <paramref name="driverLibrary"/>:
    /// the driver's file name (null: libcuda.so.1). Throws <see cref="MediaGraphException"/> naming the cause (no
    /// driver, no such device, a driver error).</summary>
    public static CudaDriver Open(int ordinal, string? driverLibrary = null, string? node = null)
        => new(Handles.Open<CudaHandle>((out nint p) => NativeMethods.mg_cuda_open(driverLibrary, ordinal, out p),
            $"opening CUDA device {ordinal}", node));

    /// <summary>The number of CUDA GPUs, or 0 with <paramref name="why"/> saying why there is none.</summary>
    public static int Probe(out string why, string? driverLibrary = null)
    {
        var status = NativeMethods.mg_cuda_probe(driverLibrary, out var count);
        why = status < 0 ? NativeStatus.LastError() : count == 0 ? "the NVIDIA driver found no GPU" : "";
        return status < 0 ? 0 : count;
    }

    /// <summary>The shim's handle (mg_cuda*), for decoders, encoders and filter graphs on this device.</summary>
    public nint Ptr => _handle.Ptr;

    /// <summary>The device's primary CUcontext.</summary>
    public nint Context { get; }

    /// <summary>The shared CUstream (FFmpeg's AVCUDADeviceContext.stream).</summary>
    public nint Stream { get; }

    /// <summary>The GPU's name.</summary>
    public string Name { get; }

    /// <summary>A context of this device that is not the primary one (see <see cref="PrimaryContext"/>).</summary>
    public nint CreateContext()
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_ctx_create(Ptr, out var ctx), "creating a CUDA context");
        return ctx;
    }

    public void DestroyContext(nint ctx) => NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_ctx_destroy(Ptr, ctx), "destroying a CUDA context");

    /// <summary>A CUDA event made with CU_EVENT_DISABLE_TIMING (no timestamps: the cheapest for waits and queries).
    /// Errors name <paramref name="node"/>.</summary>
    public nint CreateEvent(string? node = null)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_event_create(Ptr, out var e), "creating a CUDA event", node);
        return e;
    }

    /// <summary>Destroys <paramref name="e"/> (if work it was recorded after is still queued, the driver frees it
    /// once that work has run).</summary>
    public void FreeEvent(nint e) => NativeMethods.mg_cuda_event_free(Ptr, ref e);

    /// <summary>Records <paramref name="e"/> after the work queued so far on <paramref name="stream"/> (0: the shared one).</summary>
    public void Record(nint e, nint stream, string? node = null)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_event_record(Ptr, e, stream), "recording a CUDA event (cuEventRecord)", node);

    /// <summary>Makes <paramref name="stream"/> (0: the shared one) wait on the GPU for <paramref name="e"/>; the host
    /// does not wait.</summary>
    public void Wait(nint stream, nint e, string? node = null)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_stream_wait_event(Ptr, stream, e), "making a stream wait for a CUDA event (cuStreamWaitEvent)", node);

    /// <summary>True when the work recorded before <paramref name="e"/> has run (cuEventQuery; never blocks).</summary>
    public bool IsComplete(nint e, string? node = null)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_event_query(Ptr, e), "querying a CUDA event (cuEventQuery)", node) == NativeMethods.Ok;

    /// <summary>Blocks until the work recorded before <paramref name="e"/> has run (cuEventSynchronize).</summary>
    public void Synchronize(nint e, string? node = null)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_event_synchronize(Ptr, e), "waiting for a CUDA event (cuEventSynchronize)", node);

    /// <summary>False once disposed (events made by it must not be touched any more).</summary>
    public bool IsOpen => !_handle.IsClosed;

    public void Dispose() => _handle.Dispose();
}
