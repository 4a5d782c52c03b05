using System.Runtime.InteropServices;

namespace MediaGraph.Interop;

/// <summary>The shim's CUDA entry points (native/hw.c): the shared primary context, events, hardware frames. The
/// driver is loaded by the shim with dlopen, so these fail with a message (never a missing-library crash) on a machine
/// without an NVIDIA driver.</summary>
internal static unsafe partial class NativeMethods
{
    // int mg_cuda_probe(const char *driver_library, int *device_count)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_cuda_probe(string? driverLibrary, out int deviceCount);
    // int mg_cuda_open(const char *driver_library, int ordinal, mg_cuda **out)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_cuda_open(string? driverLibrary, int ordinal, out nint cuda);
    // void mg_cuda_free(mg_cuda **p)
    [LibraryImport(Library)] internal static partial void mg_cuda_free(ref nint p);
    // void *mg_cuda_context(const mg_cuda *c)  (CUcontext)
    [LibraryImport(Library)] internal static partial nint mg_cuda_context(nint c);
    // void *mg_cuda_stream(const mg_cuda *c)  (CUstream)
    [LibraryImport(Library)] internal static partial nint mg_cuda_stream(nint c);
    // const char *mg_cuda_name(const mg_cuda *c)
    [LibraryImport(Library)] internal static partial byte* mg_cuda_name(nint c);
    // int mg_cuda_ctx_create(mg_cuda *c, void **ctx)
    [LibraryImport(Library)] internal static partial int mg_cuda_ctx_create(nint c, out nint ctx);
    // int mg_cuda_ctx_destroy(mg_cuda *c, void *ctx)
    [LibraryImport(Library)] internal static partial int mg_cuda_ctx_destroy(nint c, nint ctx);
    // int mg_cuda_event_create(mg_cuda *c, void **event)
    [LibraryImport(Library)] internal static partial int mg_cuda_event_create(nint c, out nint evt);
    // void mg_cuda_event_free(mg_cuda *c, void **event)
    [LibraryImport(Library)] internal static partial void mg_cuda_event_free(nint c, ref nint evt);
    // int mg_cuda_event_record(mg_cuda *c, void *event, void *stream)
    [LibraryImport(Library)] internal static partial int mg_cuda_event_record(nint c, nint evt, nint stream);
    // int mg_cuda_stream_wait_event(mg_cuda *c, void *stream, void *event)
    [LibraryImport(Library)] internal static partial int mg_cuda_stream_wait_event(nint c, nint stream, nint evt);
    // int mg_cuda_event_query(mg_cuda *c, void *event)
    [LibraryImport(Library)] internal static partial int mg_cuda_event_query(nint c, nint evt);
    // int mg_cuda_event_synchronize(mg_cuda *c, void *event)
    [LibraryImport(Library)] internal static partial int mg_cuda_event_synchronize(nint c, nint evt);
    // int mg_cuda_frame_to_hw(mg_cuda *c, mg_frame *dst, const mg_frame *src)
    [LibraryImport(Library)] internal static partial int mg_cuda_frame_to_hw(nint c, nint dst, nint src);
    // int mg_frame_hw_to_device(mg_frame *f, uint8_t **base, size_t *size)
    [LibraryImport(Library)] internal static partial int mg_frame_hw_to_device(nint f, out nint basePtr, out nuint size);
    // int mg_decoder_open_hw(const mg_codecpar *par, const char *codec_name, int threads, const char *options, mg_cuda *cuda, int extra_hw_frames, mg_decoder **out)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_decoder_open_hw(nint codecpar, string? codecName, int threads, string? options, nint cuda, int extraHwFrames, out nint decoder);
    // int mg_decoder_hw_state(const mg_decoder *d, char *why, int why_size)
    [LibraryImport(Library)] internal static partial int mg_decoder_hw_state(nint d, byte* why, int whySize);
    // int mg_filter_graph_set_cuda(mg_filter_graph *g, mg_cuda *cuda)
    [LibraryImport(Library)] internal static partial int mg_filter_graph_set_cuda(nint g, nint cuda);
    // const char *mg_filter_graph_filter_name(const mg_filter_graph *g, int index)
    [LibraryImport(Library)] internal static partial nint mg_filter_graph_filter_name(nint g, int index);
}

internal sealed class CudaHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_cuda_free(ref p); return true; }
}
