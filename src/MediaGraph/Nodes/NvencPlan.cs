using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// How a video encoder that names NVENC (<c>h264_nvenc</c>, <c>hevc_nvenc</c>, <c>av1_nvenc</c>) runs, decided once
/// when a run starts: on the run's CUDA device straight from device frames (no host copy) when NVENC opens there; else
/// — no CUDA device, a GPU without NVENC (H100 and H200 have none), all sessions taken — with the software encoder of
/// the same codec after one explicit, counted Download, said once in the log.
/// </summary>
internal readonly record struct NvencPlan(bool OnDevice, string Codec, string? Why)
{
    /// <summary>True for FFmpeg's NVENC encoders.</summary>
    public static bool IsNvenc(string codec) => codec.EndsWith("_nvenc", StringComparison.Ordinal);

    /// <summary>The software encoder of the codec an NVENC encoder makes (the ffmpeg CLI's default for it).</summary>
    public static string SoftwareTwin(string codec) => codec switch
    {
        "h264_nvenc" or "nvenc" or "nvenc_h264" => "libx264",
        "hevc_nvenc" or "nvenc_hevc" => "libx265",
        "av1_nvenc" => "libsvtav1",
        _ => throw new ArgumentException($"{codec} is not an NVENC encoder", nameof(codec)),
    };

    /// <summary>The plan for <paramref name="codec"/>: <paramref name="cudaDevice"/> says whether the run has a CUDA
    /// device; <paramref name="probe"/> opens NVENC there and returns null, or the reason it cannot.</summary>
    public static NvencPlan Decide(string codec, bool cudaDevice, Func<string?> probe)
    {
        if (!IsNvenc(codec)) return new(false, codec, null);
        var twin = SoftwareTwin(codec);
        if (!cudaDevice) return new(false, twin, $"{codec} needs a CUDA device and this run has none (GraphOptions.Device / --device)");
        var why = probe();
        return why is null ? new(true, codec, null) : new(false, twin, $"{codec} cannot open on this GPU: {why}");
    }

    /// <summary>Opens a small NVENC session on <paramref name="cuda"/>'s device from CUDA nv12 frames and closes it:
    /// null when it opened, else FFmpeg's reason (no NVENC on this GPU, out of sessions, driver too old).</summary>
    public static unsafe string? Probe(CudaDriver cuda, string codec)
    {
        var name = System.Runtime.InteropServices.Marshal.StringToCoTaskMemUTF8(codec);
        try
        {
            var config = new EncoderConfig
            {
                Codec = (byte*)name, Width = 256, Height = 144, PixFmt = -1, InputPixFmt = PixelFormat.FromName("nv12").Id,
                FrNum = 25, FrDen = 1, SampleFmt = -1, MaxBFrames = -1, Cuda = cuda.Ptr,
            };
            using var encoder = new Encoder(config, codec, "nvenc probe");
            return null;
        }
        catch (MediaGraphException e)
        {
            return e.Message;
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem(name);
        }
    }
}
