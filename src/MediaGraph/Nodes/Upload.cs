using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph;

/// <summary>
/// Copies host video frames into device frames on the run's device (<see cref="GraphOptions.Device"/>), one pooled,
/// pitched device buffer per frame, and counts every byte it moves (<see cref="NodeMetrics.BytesUploaded"/>).
/// Frames already on the device pass through untouched. The graph inserts one where a host node feeds a node that
/// runs on the device; write one yourself to choose the place. Emits one frame per frame, timing, flags, colour and
/// metadata kept. Fails, naming the node, when the run has no device (it runs on the CPU).
/// </summary>
public sealed class UploadNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "upload",
        Doc = "Copies host video frames to the run's device (counted in bytes).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = [],
        Create = v => new UploadNode(),
    };

    /// <summary>An upload to the run's device.</summary>
    public UploadNode() : base(Descriptor, new ParameterValues()) { }

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => location == FrameLocation.Host ? new UploadTransform() : PassThrough.Instance;

    private sealed class UploadTransform : FrameTransform
    {
        private byte[] _staging = [];

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var device = output.Device ?? throw new MediaGraphException(output.NodeName,
                "upload: this run has no device (GraphOptions.Device / --device is cpu, or auto found no GPU); remove the upload or choose cuda / cuda-sim");
            var result = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, frame);
            try
            {
                var moved = DeviceCopy.ToDevice(frame, result, ref _staging);
                output.Metrics.CountUpload(moved);
            }
            catch
            {
                result.Dispose();
                throw;
            }
            output.Add(result);
        }
    }
}

/// <summary>
/// Copies device video frames back into host frames, counting every byte (<see cref="NodeMetrics.BytesDownloaded"/>);
/// host frames pass through untouched. The graph inserts one where a node that runs on the device feeds a host node
/// (an encoder, a libavfilter filter, an app sink). Emits one frame per frame, timing, flags, colour and metadata kept.
/// </summary>
public sealed class DownloadNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "download",
        Doc = "Copies device video frames back to host memory (counted in bytes).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = [],
        Create = v => new DownloadNode(),
    };

    /// <summary>A download to host memory.</summary>
    public DownloadNode() : base(Descriptor, new ParameterValues()) { }

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => location == FrameLocation.Host ? PassThrough.Instance : new DownloadTransform();

    private sealed class DownloadTransform : FrameTransform
    {
        private byte[] _staging = [];

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            if (frame.Device is null)
                throw new MediaGraphException(output.NodeName, $"download: {frame} is an FFmpeg CUDA frame no device of this run adopted (its producer must adopt it: ForeignDeviceMemory)");
            var result = output.RentVideoFrame();
            try
            {
                DeviceCopy.AllocateHostLike(result, frame);
                output.Metrics.CountDownload(DeviceCopy.ToHost(frame, result, ref _staging));
            }
            catch
            {
                result.Dispose();
                throw;
            }
            output.Add(result);
        }
    }
}

/// <summary>Passes frames on unchanged (an upload of frames already on the device).</summary>
internal sealed class PassThrough : FrameTransform
{
    public static readonly PassThrough Instance = new();
    public override void Transform(FrameBase input, TransformOutput output) => output.Add(input);
    public override void Dispose() { }
}

/// <summary>Host↔device copies of whole frames: rows are laid out with the device pitch in a host staging buffer,
/// then moved in one copy (one transfer per frame, not one per row). Returns the bytes moved.</summary>
internal static unsafe class DeviceCopy
{
    public static long ToDevice(VideoFrame host, VideoFrame device, ref byte[] staging)
    {
        var (buffer, length) = Whole(device);
        if (staging.Length < length) staging = new byte[length];
        var s = staging;
        ForEachPlane(host, device, (hostRow, deviceOffset) => hostRow.CopyTo(s.AsSpan((int)deviceOffset)));
        var dev = device.Device!;
        // Pinned until the stream has run the copy: a copy queued on a stream reads the array later, and a GC on
        // another thread may move an unpinned array in between.
        fixed (byte* source = staging)
        {
            buffer.SubView(0, length).CopyFromCPU(dev.Stream, ref *source, length);
            dev.Stream.Synchronize();
        }
        return length;
    }

    public static long ToHost(VideoFrame device, VideoFrame host, ref byte[] staging)
    {
        var (buffer, length) = Whole(device);
        if (staging.Length < length) staging = new byte[length];
        var dev = device.Device!;
        fixed (byte* target = staging) // pinned until the stream has run the copy (see ToDevice)
        {
            buffer.SubView(0, length).CopyToCPU(dev.Stream, ref *target, length);
            dev.Stream.Synchronize();
        }
        var s = staging;
        ForEachPlane(host, device, (hostRow, deviceOffset) => s.AsSpan((int)deviceOffset, hostRow.Length).CopyTo(hostRow));
        return length;
    }

    /// <summary>Gives <paramref name="host"/> (an empty pooled shell) host buffers for <paramref name="like"/>'s
    /// format and size, with its timing, flags and colour.</summary>
    public static void AllocateHostLike(VideoFrame host, VideoFrame like)
    {
        Interop.NativeStatus.ThrowIfFailed(Interop.NativeMethods.mg_frame_alloc_video(host.Native, like.Width, like.Height, like.Format.Id, 0),
            $"allocating a {like.Width}x{like.Height} {like.Format} host frame");
        Interop.NativeStatus.ThrowIfFailed(Interop.NativeMethods.mg_frame_copy_props(host.Native, like.Native), "copying frame properties");
        host.Refresh(like.TimeBase);
        host.Pts = like.Pts;
        host.Duration = like.Duration;
        host.FrameRate = like.FrameRate;
    }

    private delegate void RowCopy(Span<byte> hostRow, long deviceOffset);

    private static (ArrayView<byte> Buffer, long Length) Whole(VideoFrame device)
    {
        // The span from the buffer's start to the end of its last plane, as the pool laid it out.
        long end = 0;
        var p0 = device.GetPlane(0).Data;
        for (var i = 0; i < 4; i++)
        {
            var p = device.GetPlane(i);
            if (p.Data == 0) continue;
            end = Math.Max(end, p.Data - p0 + (long)p.Pitch * p.Rows);
        }
        // Planes are addressed from the first plane (an adopted NVDEC surface's view may start elsewhere).
        var memory = device.DeviceBuffer!;
        return (memory.View.SubView(p0 - memory.BasePtr), end);
    }

    private static void ForEachPlane(VideoFrame host, VideoFrame device, RowCopy copy)
    {
        var p0 = device.GetPlane(0).Data;
        for (var i = 0; i < 4; i++)
        {
            var d = device.GetPlane(i);
            if (d.Data == 0) continue;
            var h = host.GetPlane(i);
            var span = host.GetPlaneSpan(i);
            for (var row = 0; row < d.Rows; row++)
                copy(span.Slice(row * h.Pitch, d.RowBytes), d.Data - p0 + (long)row * d.Pitch);
        }
    }
}
