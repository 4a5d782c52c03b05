using System.Runtime.InteropServices;

namespace MediaGraph.Interop;

/// <summary>How <see cref="BareDecodeLoop"/> decodes (mg_decode_bench's mode).</summary>
internal enum BareDecodeMode
{
    /// <summary>libavcodec's software decoder.</summary>
    Software = 0,
    /// <summary>NVDEC (FFmpeg's CUDA hwaccel, CUDA frames); fails without a GPU.</summary>
    Cuda = 1,
    /// <summary>NVDEC when a CUDA device opens and the stream takes it, else software.</summary>
    Auto = 2,
}

/// <summary>What one pass of the bare decode loop measured.</summary>
/// <param name="Frames">Frames decoded (each dropped at once).</param>
/// <param name="Hardware">True when they were NVDEC's CUDA frames.</param>
/// <param name="Why">Why the frames were decoded in software although CUDA was asked for ("" otherwise).</param>
/// <param name="OpenSeconds">Opening the file, the device and the decoder.</param>
/// <param name="Seconds">The loop: first packet read to the decoder drained.</param>
/// <param name="FirstFrameSeconds">From the loop's start to the first frame.</param>
/// <param name="LastFrameSeconds">From the loop's start to the last frame.</param>
internal sealed record BareDecodeResult(long Frames, long Packets, bool Hardware, string Why, int Width, int Height,
    double OpenSeconds, double Seconds, double FirstFrameSeconds, double LastFrameSeconds)
{
    /// <summary>Frames per second from the first frame to the last (the decoder's steady rate, start-up excluded).</summary>
    public double SteadyFps => Frames > 1 && LastFrameSeconds > FirstFrameSeconds ? (Frames - 1) / (LastFrameSeconds - FirstFrameSeconds) : 0;
}

/// <summary>
/// The bare decode loop in the native library (native/bench.c, <c>mg_decode_bench</c>): opens a file, decodes its
/// video and drops each frame as it is received — no download, no conversion, no graph. It is the baseline the
/// graph's decode is measured against (issue 17's "≥ 95% of the fps of a bare decode loop in the native library").
/// </summary>
internal static unsafe class BareDecodeLoop
{
    /// <summary>Decodes <paramref name="url"/> once. With CUDA, on <paramref name="cuda"/>'s device context when given
    /// (the primary context a graph's device retains), else on device 0's primary context opened by FFmpeg
    /// (AV_CUDA_USE_PRIMARY_CONTEXT). <paramref name="threads"/>: decoder threads (0 = one per core). Throws
    /// <see cref="MediaGraphException"/> naming the cause (no such file, no video, no GPU for <see cref="BareDecodeMode.Cuda"/>).</summary>
    public static BareDecodeResult Run(string url, BareDecodeMode mode, CudaDriver? cuda = null, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        NativeLibraryCheck.EnsureLoaded();
        DecodeBenchResult r;
        NativeStatus.ThrowIfFailed(NativeMethods.mg_decode_bench(url, (int)mode, cuda?.Ptr ?? 0, threads, &r), $"bare decode loop over {url}");
        return new BareDecodeResult(r.Frames, r.Packets, r.Hw != 0, NativeMethods.Utf8(r.Why) ?? "", r.Width, r.Height,
            r.OpenSeconds, r.Seconds, r.FirstFrameSeconds, r.LastFrameSeconds);
    }
}

/// <summary>mg_decode_bench_result.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct DecodeBenchResult
{
    public long Frames;
    public long CudaFrames;
    public long Packets;
    public double OpenSeconds;
    public double Seconds;
    public double FirstFrameSeconds;
    public double LastFrameSeconds;
    public int Hw;
    public int Width;
    public int Height;
    public fixed byte Why[256];
}

/// <summary>The bare decode loop (native/bench.c).</summary>
internal static unsafe partial class NativeMethods
{
    // int mg_decode_bench(const char *url, int mode, mg_cuda *cuda, int threads, mg_decode_bench_result *out)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial int mg_decode_bench(string url, int mode, nint cuda, int threads, DecodeBenchResult* result);
}
