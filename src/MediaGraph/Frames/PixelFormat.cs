using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A pixel format, identified by FFmpeg's name ("yuv420p", "nv12", "rgb24"). Any format FFmpeg knows is valid, so
/// frames from any decoder can be described; the common ones have properties here.
/// </summary>
public readonly record struct PixelFormat
{
    /// <summary>FFmpeg's AVPixelFormat value in the loaded libraries; -1 when none.</summary>
    public int Id { get; }

    internal PixelFormat(int id) => Id = id;

    /// <summary>No format: let the consumer choose.</summary>
    public static PixelFormat None => new(-1);
    public static PixelFormat Yuv420P => FromName("yuv420p");
    public static PixelFormat Yuv422P => FromName("yuv422p");
    public static PixelFormat Yuv444P => FromName("yuv444p");
    public static PixelFormat Nv12 => FromName("nv12");
    public static PixelFormat Rgb24 => FromName("rgb24");
    public static PixelFormat Bgr24 => FromName("bgr24");
    public static PixelFormat Rgba => FromName("rgba");
    public static PixelFormat Bgra => FromName("bgra");
    public static PixelFormat Gray8 => FromName("gray");
    /// <summary>Frames whose planes live in CUDA device memory.</summary>
    public static PixelFormat Cuda => FromName("cuda");

    /// <summary>Looks a format up by FFmpeg's name; throws with the name when FFmpeg does not know it.</summary>
    public static PixelFormat FromName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        NativeLibraryCheck.EnsureLoaded();
        var id = NativeMethods.mg_pix_fmt_from_name(name);
        if (id < 0) throw new ArgumentException($"unknown pixel format '{name}' (run `ffmpeg -pix_fmts` for the list)", nameof(name));
        return new PixelFormat(id);
    }

    /// <summary>FFmpeg's name of the format, or "none".</summary>
    public unsafe string Name => Id < 0 ? "none" : NativeMethods.Utf8(NativeMethods.mg_pix_fmt_name(Id)) ?? $"pix_fmt#{Id}";

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>An audio sample format by FFmpeg's name ("fltp", "s16").</summary>
public readonly record struct SampleFormat
{
    /// <summary>FFmpeg's AVSampleFormat value; -1 when none.</summary>
    public int Id { get; }
    internal SampleFormat(int id) => Id = id;

    public static SampleFormat None => new(-1);

    /// <summary>Looks a format up by FFmpeg's name.</summary>
    public static SampleFormat FromName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        NativeLibraryCheck.EnsureLoaded();
        var id = NativeMethods.mg_sample_fmt_from_name(name);
        if (id < 0) throw new ArgumentException($"unknown sample format '{name}' (run `ffmpeg -sample_fmts` for the list)", nameof(name));
        return new SampleFormat(id);
    }

    /// <summary>FFmpeg's name, or "none".</summary>
    public unsafe string Name => Id < 0 ? "none" : NativeMethods.Utf8(NativeMethods.mg_sample_fmt_name(Id)) ?? $"sample_fmt#{Id}";

    /// <summary>Bytes of one sample of one channel (2 for s16, 4 for flt/fltp).</summary>
    public int BytesPerSample => Layout().Bytes;

    /// <summary>True when each channel has its own plane (fltp, s16p); false when channels are interleaved (s16, flt).</summary>
    public bool IsPlanar => Layout().Planar;

    private (int Bytes, bool Planar) Layout()
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_sample_fmt_layout(Id, out var bytes, out var planar), "describing a sample format");
        return (bytes, planar != 0);
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
