using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>One plane of a video frame: a pointer, a byte pitch and the plane's size in bytes and rows.</summary>
/// <param name="Data">Address of the first row (host or device memory, see <see cref="VideoFrame.Location"/>).</param>
/// <param name="Pitch">Bytes from one row to the next (may exceed the row's width, may be negative for flipped images).</param>
/// <param name="RowBytes">Bytes of pixel data in a row.</param>
/// <param name="Rows">Number of rows (chroma planes of 4:2:0 round up for odd heights).</param>
public readonly record struct VideoPlane(nint Data, int Pitch, int RowBytes, int Rows);

/// <summary>
/// A video frame: planes with pitch, pixel format, size, timing (pts, duration, time base), interlacing flags and
/// typed metadata. Reference counted (see <see cref="MediaItem"/>) and pooled.
/// </summary>
public sealed class VideoFrame : FrameBase
{
    internal VideoFrame() { }

    /// <summary>Allocates a frame with its own buffers, e.g. for an app source. Dispose it or hand it to a graph.</summary>
    public static VideoFrame Allocate(int width, int height, PixelFormat format, Rational timeBase)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var frame = new VideoFrame();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_video(frame.Native, width, height, format.Id, 0),
            $"allocating a {width}x{height} {format} frame");
        frame.Refresh(timeBase);
        frame.Pts = Timestamp.None;
        return frame;
    }

    private protected override MediaItem CreateUnpooled() => new VideoFrame();

    private protected override void ShareContentFrom(MediaItem source)
    {
        base.ShareContentFrom(source);
        FrameRate = ((VideoFrame)source).FrameRate;
    }

    private protected override void CompleteTiming(Rational frameRate)
    {
        FrameRate = frameRate;
        if (Duration <= 0 && frameRate.IsValid) Duration = Rational.Rescale(1, frameRate.Invert(), TimeBase);
    }

    /// <summary>The stream's nominal frame rate (0/0 unknown); set by decoders and filters, used by encoders.</summary>
    public Rational FrameRate { get; set; }

    public int Width => Info.Width;

    /// <summary>Every plane's pitch times the height: exact for 4:4:4 and packed formats, an upper bound for
    /// subsampled chroma (4:2:0 counts 2 instead of 1.5 bytes a pixel), computed without a native call.</summary>
    internal override unsafe long EstimatedBytes
    {
        get
        {
            long bytes = 0;
            for (var i = 0; i < 8; i++) bytes += Math.Abs((long)Info.Linesize[i]);
            return bytes * Info.Height;
        }
    }
    public int Height => Info.Height;
    public PixelFormat Format => new(Info.Format);
    /// <summary>Sample (pixel) aspect ratio; 0/1 when unknown.</summary>
    public Rational SampleAspectRatio => new(Info.SarNum, Info.SarDen);
    public bool IsInterlaced => Info.Interlaced != 0;
    public bool TopFieldFirst => Info.TopFieldFirst != 0;
    public bool IsKeyFrame => Info.KeyFrame != 0;
    /// <summary>True when the decoder concealed damage in this frame.</summary>
    public bool IsDamaged => Info.DecodeErrorFlags != 0;
    /// <summary>Where the planes live.</summary>
    public FrameLocation Location => Info.Hw != 0 ? FrameLocation.Cuda : FrameLocation.Host;

    /// <summary>Plane <paramref name="index"/> (0..3); a plane with Data 0 does not exist in this format.</summary>
    public unsafe VideoPlane GetPlane(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 3);
        var data = (nint)Info.Data[index];
        var pitch = Info.Linesize[index];
        if (data == 0) return default;
        NativeStatus.ThrowIfFailed(NativeMethods.mg_pix_fmt_plane_geometry(Info.Format, Width, Height, index, out var rowBytes, out var rows), "describing a plane");
        return new VideoPlane(data, pitch, rowBytes, rows);
    }

    /// <summary>Host memory of plane <paramref name="index"/>, rows included with their padding
    /// (<c>Pitch * (Rows - 1) + RowBytes</c> bytes). Throws for device frames.</summary>
    public unsafe Span<byte> GetPlaneSpan(int index)
    {
        if (Location != FrameLocation.Host) throw new InvalidOperationException($"the frame's planes live on {Location}; download it first");
        var plane = GetPlane(index);
        if (plane.Data == 0 || plane.Pitch < 0) throw new InvalidOperationException($"plane {index} of {Format} is not a positive-pitch host plane");
        return new Span<byte>((void*)plane.Data, plane.Pitch * (plane.Rows - 1) + plane.RowBytes);
    }

    /// <inheritdoc />
    public override string ToString() => $"VideoFrame {Width}x{Height} {Format} {DescribePosition()}";
}
