using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace MediaGraph;

/// <summary>
/// A node's own queue of GPU work on a <see cref="ComputeDevice"/>: an ILGPU <see cref="AcceleratorStream"/> (on CUDA
/// a non-blocking CUDA stream of the device's primary context), made for one node instance
/// (<see cref="NodeContext.StreamOn"/>) and disposed with the run. Nodes do not wait for each other on the host:
/// before launching, a node says what it reads and writes and its stream waits on the GPU for what those frames need
/// (<see cref="Reads"/>: the producer's "ready" fence; <see cref="Writes"/>: the buffer's last writer and every
/// reader that may still be reading it); after launching, <see cref="Done"/> records one fence that becomes the
/// written frames' "ready" fence and a "done reading" fence on every frame read. A pooled buffer is handed out again
/// with the fences it still has, so its next writer's stream waits for them (see <see cref="DeviceFramePool"/>), and
/// an NVDEC surface goes back to FFmpeg only once all of them have completed (<see cref="DeviceTimeline.Retire"/>).
/// Used by one node at a time (a node is never re-entered).
/// </summary>
public sealed class DeviceStream : IDisposable
{
    private readonly bool _owned;
    private readonly List<DeviceFrameMemory> _written = new(4);
    private readonly List<DeviceFrameMemory> _read = new(4);
    private int _disposed;

    internal DeviceStream(ComputeDevice device, AcceleratorStream stream, nint native, string owner, bool owned)
    {
        Device = device;
        Stream = stream;
        Native = native;
        Owner = owner;
        _owned = owned;
    }

    /// <summary>A new stream on <paramref name="device"/> for <paramref name="owner"/> (a node's name, for messages).</summary>
    internal static DeviceStream Create(ComputeDevice device, string owner)
    {
        var stream = device.Accelerator.CreateStream();
        return new DeviceStream(device, stream, stream is CudaStream cuda ? cuda.StreamPtr : 0, owner, owned: true);
    }

    /// <summary>The device the stream belongs to.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The ILGPU stream to launch kernels and copies on.</summary>
    public AcceleratorStream Stream { get; }

    /// <summary>The node it works for (named in errors).</summary>
    public string Owner { get; }

    /// <summary>The CUstream (0 on the CPU accelerator).</summary>
    internal nint Native { get; }

    /// <summary>True when both name the same queue of work (two views of the device's shared stream do).</summary>
    internal static bool SameQueue(DeviceStream? a, DeviceStream? b) => a is not null && b is not null && ReferenceEquals(a.Stream, b.Stream);

    /// <summary>The CPU accelerator's fence for this stream (see <see cref="ImmediateTimeline"/>).</summary>
    internal DeviceFence? CpuFence { get; set; }

    /// <summary>Before launching work that reads <paramref name="frame"/>: the stream waits on the GPU for the
    /// work that wrote it (its producer's "ready" fence). The host does not wait.</summary>
    public void Reads(VideoFrame frame)
    {
        var memory = MemoryOf(frame);
        memory.OrderRead(this);
        _read.Add(memory);
    }

    /// <summary>Before launching work that writes <paramref name="frame"/> (a buffer just rented): the stream waits on
    /// the GPU for the buffer's previous writer and for every reader whose "done reading" fence may still be
    /// pending, so a reused buffer is never overwritten under a kernel still reading it.</summary>
    public void Writes(VideoFrame frame)
    {
        var memory = MemoryOf(frame);
        memory.OrderWrite(this);
        _written.Add(memory);
    }

    /// <summary>After launching the work announced with <see cref="Reads"/> and <see cref="Writes"/>: records one
    /// fence after it; the written frames are ready after it and the read frames are being read until it completes.
    /// Call it also when a launch failed (what was queued still runs).</summary>
    public void Done()
    {
        if (_written.Count == 0 && _read.Count == 0) return;
        var fence = Device.Timeline.Record(this);
        try
        {
            foreach (var m in _written) m.SetReady(fence);
            foreach (var m in _read) m.AddReader(fence);
        }
        finally
        {
            fence.Release();
            _written.Clear();
            _read.Clear();
        }
    }

    /// <summary>Blocks until everything queued on this stream has run: only where the host must read the result (a
    /// download). Counted in <see cref="DeviceTimeline.HostWaits"/>.</summary>
    public void Synchronize()
    {
        Device.Timeline.CountHostWait();
        Stream.Synchronize();
    }

    private DeviceFrameMemory MemoryOf(VideoFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var memory = frame.DeviceBuffer ?? throw new MediaGraphException(Owner, $"{frame} is not a device frame: upload it first");
        if (!ReferenceEquals(memory.Device, Device)) throw new MediaGraphException(Owner, $"{frame} lives on {memory.Device}, not on {Device}");
        return memory;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _written.Clear();
        _read.Clear();
        // A CUDA stream destroyed with work still queued is released once that work has run (cuStreamDestroy);
        // the fences recorded on it stay valid events.
        if (!_owned || Device.Accelerator.IsDisposed) return;
        Device.Accelerator.Bind(); // the primary context current on this thread (the run may end on any thread)
        Stream.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Owner}'s stream on {Device.Device}";
}
