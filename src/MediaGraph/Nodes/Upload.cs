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
        private readonly HostStaging _staging = new();

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var device = output.Device ?? throw new MediaGraphException(output.NodeName,
                "upload: this run has no device (GraphOptions.Device / --device is cpu, or auto found no GPU); remove the upload or choose cuda / cuda-sim");
            var result = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, frame);
            try
            {
                // On the node's own stream, without waiting: the frame's consumers wait for its ready fence on the GPU.
                var moved = DeviceCopy.ToDevice(frame, result, _staging, output.StreamOn(device));
                output.Metrics.CountUpload(moved);
            }
            catch
            {
                result.Dispose();
                throw;
            }
            output.Add(result);
        }

        public override void Dispose() => _staging.Dispose();
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
                // The node's stream waits for the frame's producer on the GPU, copies, and the host waits for that
                // copy alone: the one place the host must wait, because it reads the bytes next.
                output.Metrics.CountDownload(DeviceCopy.ToHost(frame, result, ref _staging, output.StreamOn(frame.Device)));
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
/// then moved in one copy (one transfer per frame, not one per row). Returns the bytes moved. Given a node's stream,
/// the copy is ordered by fences (see <see cref="DeviceStream"/>); given none, it runs on the device's shared stream
/// and has finished when the call returns (tests, one-off copies).</summary>
internal static unsafe class DeviceCopy
{
    /// <summary>An upload that has run when it returns.</summary>
    public static long ToDevice(VideoFrame host, VideoFrame device, ref byte[] staging)
    {
        var (buffer, length) = Whole(device);
        if (staging.Length < length) staging = new byte[length];
        var s = staging;
        ForEachPlane(host, device, (hostRow, deviceOffset) => hostRow.CopyTo(s.AsSpan((int)deviceOffset)));
        var stream = device.Device!.SharedStream("an upload given no stream");
        stream.Writes(device);
        // Pinned until the stream has run the copy: a copy queued on a stream reads the array later, and a GC on
        // another thread may move an unpinned array in between.
        fixed (byte* source = staging)
        {
            try
            {
                buffer.SubView(0, length).CopyFromCPU(stream.Stream, ref *source, length);
            }
            finally
            {
                stream.Done();
                stream.Stream.Synchronize();
            }
        }
        return length;
    }

    /// <summary>An upload queued on <paramref name="stream"/>: the host does not wait for it (except, counted, when
    /// both staging buffers are still being read by earlier copies); <paramref name="device"/>'s ready fence says
    /// when it has run.</summary>
    public static long ToDevice(VideoFrame host, VideoFrame device, HostStaging staging, DeviceStream stream)
    {
        var (buffer, length) = Whole(device);
        var slot = staging.Rent(length, stream.Device.Timeline);
        var s = staging.Buffer(slot);
        ForEachPlane(host, device, (hostRow, deviceOffset) => hostRow.CopyTo(s.AsSpan((int)deviceOffset)));
        stream.Writes(device);
        try
        {
            // The staging array lives on the pinned object heap: it never moves while the copy is queued.
            buffer.SubView(0, length).CopyFromCPU(stream.Stream, ref MemoryMarshal.GetArrayDataReference(s), length);
        }
        finally
        {
            stream.Done();
            staging.Used(slot, device.DeviceBuffer!.Ready);
        }
        return length;
    }

    /// <summary>A download: <paramref name="stream"/> (null: the device's shared stream) waits on the GPU for the
    /// frame's producer, copies, and the host waits for that stream, because it reads the bytes next.</summary>
    public static long ToHost(VideoFrame device, VideoFrame host, ref byte[] staging, DeviceStream? stream = null)
    {
        var (buffer, length) = Whole(device);
        if (staging.Length < length) staging = new byte[length];
        var s = stream ?? device.Device!.SharedStream("a download given no stream");
        s.Reads(device);
        fixed (byte* target = staging) // pinned until the stream has run the copy (see ToDevice)
        {
            try
            {
                buffer.SubView(0, length).CopyToCPU(s.Stream, ref *target, length);
            }
            finally
            {
                s.Done();
                s.Synchronize();
            }
        }
        var bytes = staging;
        ForEachPlane(host, device, (hostRow, deviceOffset) => bytes.AsSpan((int)deviceOffset, hostRow.Length).CopyTo(hostRow));
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

/// <summary>
/// An upload's host staging memory: two buffers on the pinned object heap (they never move, so a copy queued on a
/// stream may read one after the call that queued it returned), each with the fence of the copy that used it last.
/// A buffer is written again only once that copy has completed; when both are still being read the host waits for
/// the older one (counted in <see cref="DeviceTimeline.HostWaits"/>), so an upload runs at most two frames ahead of
/// its copies and never overwrites bytes a copy has not read yet.
/// </summary>
internal sealed class HostStaging : IDisposable
{
    private readonly byte[][] _buffers = [[], []];
    private readonly DeviceFence?[] _fences = new DeviceFence?[2];
    private int _next;

    /// <summary>A slot whose buffer holds at least <paramref name="length"/> bytes that no queued copy still reads.</summary>
    public int Rent(long length, DeviceTimeline timeline)
    {
        var slot = _next;
        _next = (_next + 1) % _buffers.Length;
        if (_fences[slot] is { } pending)
        {
            if (!pending.IsComplete)
            {
                timeline.CountHostWait();
                pending.HostWait();
            }
            pending.Release();
            _fences[slot] = null;
        }
        if (_buffers[slot].Length < length) _buffers[slot] = GC.AllocateUninitializedArray<byte>(checked((int)length), pinned: true);
        return slot;
    }

    public byte[] Buffer(int slot) => _buffers[slot];

    /// <summary>The copy from <paramref name="slot"/> has run once <paramref name="fence"/> completed.</summary>
    public void Used(int slot, DeviceFence? fence) => _fences[slot] = fence?.AddRef();

    /// <summary>Waits for the copies still reading the buffers, then lets them go.</summary>
    public void Dispose()
    {
        for (var i = 0; i < _fences.Length; i++)
        {
            if (_fences[i] is not { } f) continue;
            try { f.HostWait(); }
            catch (MediaGraphException) { /* the device failed; its error was reported where it happened */ }
            f.Release();
            _fences[i] = null;
        }
    }
}
