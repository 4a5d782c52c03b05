using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
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

    private DeviceFrameMemory? _device;

    private protected override void ShareContentFrom(MediaItem source)
    {
        base.ShareContentFrom(source);
        FrameRate = ((VideoFrame)source).FrameRate;
        _device = ((VideoFrame)source)._device;
    }

    /// <summary>Forgets the device buffer with the native buffers (the buffer goes back to its pool when the last
    /// frame referencing it is released).</summary>
    protected override void Reset()
    {
        base.Reset();
        _device = null;
    }

    private protected override bool IsDeviceFrame => _device is not null;

    internal DeviceFrameMemory? DeviceBuffer => _device;

    internal void AttachDevice(DeviceFrameMemory buffer, Rational timeBase)
    {
        _device = buffer;
        Refresh(timeBase);
    }

    /// <summary>The device whose memory holds the planes (ours, or an NVDEC surface adopted zero-copy), or null for
    /// host frames.</summary>
    public ComputeDevice? Device => _device?.Device;

    /// <summary>
    /// Plane <paramref name="index"/> of a device frame as an ILGPU view, without a copy: X counts elements of
    /// <typeparamref name="T"/> in a row (bytes for 8-bit planes; U,V pairs count as two bytes in NV12's chroma
    /// plane), Y counts rows; the row pitch lives in the view's stride. Throws for host frames, and when the pitch is
    /// not a multiple of the element's size.
    /// </summary>
    public ArrayView2D<T, Stride2D.DenseX> GetDevicePlane<T>(int index) where T : unmanaged
    {
        var buffer = _device ?? throw new InvalidOperationException($"{this} is not a device frame: upload it first");
        var plane = GetPlane(index);
        if (plane.Data == 0) throw new ArgumentOutOfRangeException(nameof(index), $"{Format} has no plane {index}");
        var size = Unsafe.SizeOf<T>();
        if (plane.Pitch % size != 0 || plane.RowBytes % size != 0)
            throw new InvalidOperationException($"plane {index} of {this}: pitch {plane.Pitch} and row of {plane.RowBytes} bytes are not whole {typeof(T).Name} elements");
        var offset = plane.Data - buffer.BasePtr;
        var view = buffer.View.SubView(offset, (long)plane.Pitch * plane.Rows).Cast<T>();
        return new ArrayView2D<T, Stride2D.DenseX>(view, new LongIndex2D(plane.RowBytes / size, plane.Rows), new Stride2D.DenseX(plane.Pitch / size));
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
    public FrameLocation Location => Info.Hw != 0 || _device is not null ? FrameLocation.Cuda : FrameLocation.Host;

    /// <summary>FFmpeg's AVColorSpace (1 = BT.709, 5/6 = BT.601, 2 = unspecified) and AVColorRange (1 = limited
    /// "tv", 2 = full "pc", 0 = unspecified) of the frame.</summary>
    public (int Space, int Range) Color
    {
        get
        {
            NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_color(Native, out var space, out var range), "reading a frame's colour");
            return (space, range);
        }
    }

    /// <summary>Sets the sample (pixel) aspect ratio (a scaler's output: the display shape stays the input's).</summary>
    public void SetSampleAspectRatio(Rational sar)
    {
        NativeMethods.mg_frame_set_sar(Native, sar.Num, sar.Den);
        Info.SarNum = sar.Num;
        Info.SarDen = sar.Den;
    }

    /// <summary>Sets the colour metadata (FFmpeg's AVColorSpace and AVColorRange, see <see cref="Color"/>).</summary>
    public void SetColor(int space, int range) => NativeMethods.mg_frame_set_color(Native, space, range);

    /// <summary>Marks the frame progressive or interlaced (a deinterlacer's output is progressive).</summary>
    public void SetInterlacing(bool interlaced, bool topFieldFirst)
    {
        NativeMethods.mg_frame_set_interlacing(Native, interlaced ? 1 : 0, topFieldFirst ? 1 : 0);
        var pts = Pts; var duration = Duration;
        NativeMethods.mg_frame_get_info(Native, out Info);
        Pts = pts; Duration = duration;
    }

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
