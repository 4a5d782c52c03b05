using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// The caching pool of a <see cref="ComputeDevice"/>'s frame buffers: one device allocation per frame holding every
/// plane, each row padded to a 256-byte pitch (CUDA's texture alignment; 768 for 3-byte pixels, so rows hold whole
/// pixels). A buffer returns to the pool when the last frame referencing it is released (fan-out shares), and is
/// reused for the next frame of the same format and size, so a steady stream allocates nothing on the device.
/// Any format FFmpeg describes with plain planes works: nv12, yuv420p, rgb24, bgr24, rgba, gray, and planar float
/// (<c>gbrpf32le</c>, and <c>grayf32le</c> planes for tensors).
/// <para>
/// Reuse and the GPU: a released buffer comes back at once, with the fences of its last writer and of every reader
/// (<see cref="DeviceStream"/>), whose work may still be queued. <see cref="Fill"/> hands out the oldest buffer
/// whose fences have all completed (cuEventQuery, never blocking). When every free buffer of that shape is still
/// being read, it does not block the host and does not allocate: it hands out the oldest one with its fences, and
/// the next writer's stream waits for them on the GPU before writing (<see cref="DeviceStream.Writes"/>), counted in
/// <see cref="ReusedWhilePending"/>. Only an empty pool allocates.
/// </para>
/// </summary>
public sealed class DeviceFramePool : IDisposable
{
    /// <summary>Row pitch alignment in bytes.</summary>
    public const int PitchAlignment = 256;

    private readonly ComputeDevice _device;
    private readonly ConcurrentDictionary<(int Format, int Width, int Height), List<DeviceFrameBuffer>> _free = new();
    private long _allocated, _pendingReuses;
    private int _disposed;

    internal DeviceFramePool(ComputeDevice device) => _device = device;

    /// <summary>Device buffers allocated so far (not reused ones): stays flat in a steady stream.</summary>
    public long Allocations => Interlocked.Read(ref _allocated);

    /// <summary>Buffers handed out while a reader's (or the last writer's) fence was still pending: their next
    /// writer's stream waited for those fences on the GPU.</summary>
    public long ReusedWhilePending => Interlocked.Read(ref _pendingReuses);

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Makes <paramref name="shell"/> (an empty pooled frame, see <see cref="TransformOutput.RentVideoFrame"/>)
    /// a device frame of <paramref name="format"/> at <paramref name="width"/>×<paramref name="height"/> over a pooled
    /// buffer, with the timing, flags and colour of <paramref name="props"/> when given. Its pixels are undefined, and
    /// it may still be read by GPU work queued earlier: write it only on a stream that called
    /// <see cref="DeviceStream.Writes"/> for it.</summary>
    public void Fill(VideoFrame shell, PixelFormat format, int width, int height, VideoFrame? props)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _device.Timeline.Poll(); // NVDEC surfaces whose readers are done go back to FFmpeg
        var home = _free.GetOrAdd((format.Id, width, height), _ => new List<DeviceFrameBuffer>());
        var buffer = Take(home);
        if (buffer is null)
        {
            buffer = new DeviceFrameBuffer(_device, this, home, format, width, height);
            Interlocked.Increment(ref _allocated);
        }
        try
        {
            buffer.Wrap(shell, props);
        }
        catch
        {
            buffer.GoHome();
            throw;
        }
    }

    /// <summary>The oldest free buffer whose fences completed, else the oldest free one (its fences stay, for its
    /// writer's stream to wait on), else null.</summary>
    private DeviceFrameBuffer? Take(List<DeviceFrameBuffer> home)
    {
        lock (home)
        {
            if (home.Count == 0) return null;
            for (var i = 0; i < home.Count; i++)
            {
                var b = home[i];
                if (!b.FencesComplete()) continue;
                home.RemoveAt(i);
                b.ClearFences();
                return b;
            }
            var oldest = home[0];
            home.RemoveAt(0);
            Interlocked.Increment(ref _pendingReuses);
            return oldest;
        }
    }

    /// <summary>Frees every pooled buffer; buffers still in frames are freed when those are released.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var home in _free.Values)
            lock (home)
            {
                foreach (var b in home) b.Free();
                home.Clear();
            }
    }
}

/// <summary>Device memory holding a frame's planes: a pooled buffer of ours (<see cref="DeviceFrameBuffer"/>) or memory
/// FFmpeg owns (<see cref="ForeignDeviceMemory"/>: an NVDEC surface, a CUDA filter's output). It carries the fences
/// that order work on it across streams: the "ready" fence of its last writer and the "done reading" fences of its
/// readers since (the latest one per stream: a stream's later fence covers its earlier ones).</summary>
internal abstract class DeviceFrameMemory
{
    private readonly object _gate = new();
    private DeviceFence? _ready;
    private DeviceFence?[] _readers = new DeviceFence?[2];
    private int _readerCount;

    public abstract ComputeDevice Device { get; }
    /// <summary>All of the memory as bytes, for views and copies.</summary>
    public abstract ArrayView<byte> View { get; }
    /// <summary>The device address <see cref="View"/> starts at.</summary>
    public abstract nint BasePtr { get; }

    /// <summary>The last writer's fence (null: none, or it completed and was let go).</summary>
    internal DeviceFence? Ready
    {
        get { lock (_gate) return _ready; }
    }

    /// <summary>Readers whose fences are held.</summary>
    internal int Readers
    {
        get { lock (_gate) return _readerCount; }
    }

    /// <summary><paramref name="stream"/> will read: it waits for the last writer.</summary>
    internal void OrderRead(DeviceStream stream)
    {
        lock (_gate)
            if (_ready is { } ready) Device.Timeline.Wait(stream, ready);
    }

    /// <summary><paramref name="stream"/> will write: it waits for the last writer and every reader since; the
    /// readers' fences are let go (the new writer's own fence, after its wait, covers them).</summary>
    internal void OrderWrite(DeviceStream stream)
    {
        lock (_gate)
        {
            if (_ready is { } ready) Device.Timeline.Wait(stream, ready);
            for (var i = 0; i < _readerCount; i++)
            {
                Device.Timeline.Wait(stream, _readers[i]!);
                _readers[i]!.Release();
                _readers[i] = null;
            }
            _readerCount = 0;
        }
    }

    /// <summary>The memory was written by the work before <paramref name="fence"/>.</summary>
    internal void SetReady(DeviceFence fence)
    {
        lock (_gate)
        {
            var old = _ready;
            _ready = fence.AddRef();
            old?.Release();
        }
    }

    /// <summary>The memory is read by the work before <paramref name="fence"/>.</summary>
    internal void AddReader(DeviceFence fence)
    {
        lock (_gate)
        {
            for (var i = 0; i < _readerCount; i++)
            {
                if (!DeviceStream.SameQueue(_readers[i]!.Stream, fence.Stream)) continue;
                var old = _readers[i]!;
                _readers[i] = fence.AddRef();
                old.Release();
                return;
            }
            if (_readerCount == _readers.Length) Array.Resize(ref _readers, _readers.Length * 2);
            _readers[_readerCount++] = fence.AddRef();
        }
    }

    /// <summary>True when the last writer and every reader have finished on the GPU (queries, never blocks). Fences
    /// found complete are let go on the way, so each is queried until it completes and not after.</summary>
    internal bool FencesComplete()
    {
        lock (_gate)
        {
            if (_ready is { } ready)
            {
                if (!ready.IsComplete) return false;
                _ready = null;
                ready.Release();
            }
            for (var i = _readerCount - 1; i >= 0; i--)
            {
                var reader = _readers[i]!;
                if (!reader.IsComplete) return false;
                _readers[i] = _readers[--_readerCount];
                _readers[_readerCount] = null;
                reader.Release();
            }
            return true;
        }
    }

    /// <summary>Blocks until the last writer and every reader have finished.</summary>
    internal void HostWaitFences()
    {
        DeviceFence?[] fences;
        lock (_gate)
        {
            fences = new DeviceFence?[_readerCount + 1];
            fences[0] = _ready?.AddRef();
            for (var i = 0; i < _readerCount; i++) fences[i + 1] = _readers[i]!.AddRef();
        }
        foreach (var f in fences)
        {
            if (f is null) continue;
            try { f.HostWait(); }
            finally { f.Release(); }
        }
    }

    /// <summary>Lets go of every fence (they completed, or the memory is gone).</summary>
    internal void ClearFences()
    {
        lock (_gate)
        {
            _ready?.Release();
            _ready = null;
            for (var i = 0; i < _readerCount; i++)
            {
                _readers[i]!.Release();
                _readers[i] = null;
            }
            _readerCount = 0;
        }
    }
}

/// <summary>One pooled device allocation holding a frame's planes with pitch.</summary>
internal sealed class DeviceFrameBuffer : DeviceFrameMemory
{
    private readonly DeviceFramePool _pool;
    private readonly List<DeviceFrameBuffer> _home;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _memory;
    private readonly long[] _offsets = new long[4];
    private readonly int[] _pitches = new int[4];
    private GCHandle _self;

    public DeviceFrameBuffer(ComputeDevice device, DeviceFramePool pool, List<DeviceFrameBuffer> home, PixelFormat format, int width, int height)
    {
        Device = device;
        _pool = pool;
        _home = home;
        Format = format;
        Width = width;
        Height = height;
        long size = 0;
        for (var i = 0; i < 4; i++)
        {
            NativeStatus.ThrowIfFailed(NativeMethods.mg_pix_fmt_plane_geometry(format.Id, width, height, i, out var rowBytes, out var rows), "describing a plane");
            if (rowBytes == 0) continue;
            _offsets[i] = size;
            // 256-byte rows, and whole pixels per row for 3-byte packed formats (768 = lcm(256, 3)).
            var align = format.Name is "rgb24" or "bgr24" ? 3 * DeviceFramePool.PitchAlignment : DeviceFramePool.PitchAlignment;
            _pitches[i] = (rowBytes + align - 1) / align * align;
            size += (long)_pitches[i] * rows;
        }
        if (size == 0) throw new ArgumentException($"{format} has no planes a device buffer can hold (a hardware format?)", nameof(format));
        _memory = device.Accelerator.Allocate1D<byte>(size);
        _self = GCHandle.Alloc(this);
    }

    public override ComputeDevice Device { get; }
    public PixelFormat Format { get; }
    public int Width { get; }
    public int Height { get; }
    public override ArrayView<byte> View => _memory.View;
    public override nint BasePtr => _memory.NativePtr;

    public unsafe void Wrap(VideoFrame shell, VideoFrame? props)
    {
        fixed (long* offsets = _offsets)
        fixed (int* pitches = _pitches)
            NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_wrap_device(shell.Native, props?.Native ?? 0, Width, Height, Format.Id,
                _memory.NativePtr, (nuint)_memory.LengthInBytes, offsets, pitches, &Release, GCHandle.ToIntPtr(_self)),
                $"wrapping a {Width}x{Height} {Format} device buffer in a frame");
        shell.AttachDevice(this, props?.TimeBase ?? shell.TimeBase);
        if (props is null) return;
        // The native copy of the properties has the timing FFmpeg last saw; a transform before this one (the device
        // yadif doubling its time base) may have changed it on the managed side only.
        shell.Pts = props.Pts;
        shell.Duration = props.Duration;
    }

    /// <summary>The last frame referencing this buffer was released (FFmpeg's buffer free callback, any thread). The
    /// GPU may still be running work queued on it: the buffer goes home with its fences, and the pool hands it out
    /// again so that its next writer cannot overtake its last reader (see <see cref="DeviceFramePool"/>).</summary>
    [UnmanagedCallersOnly]
    private static void Release(nint opaque, nint data)
    {
        var buffer = (DeviceFrameBuffer)GCHandle.FromIntPtr(opaque).Target!;
        buffer.GoHome();
    }

    internal void GoHome()
    {
        if (_pool.IsDisposed)
        {
            Free();
            return;
        }
        lock (_home)
        {
            if (!_pool.IsDisposed)
            {
                _home.Add(this);
                return;
            }
        }
        Free();
    }

    public void Free()
    {
        ClearFences();
        if (_self.IsAllocated) _self.Free();
        if (!Device.Accelerator.IsDisposed) _memory.Dispose();
    }
}
