using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// The caching pool of a <see cref="ComputeDevice"/>'s frame buffers: one device allocation per frame holding every
/// plane, each row padded to a 256-byte pitch (CUDA's texture alignment; 768 for 3-byte pixels, so rows hold whole
/// pixels). A
/// buffer returns to the pool when the last frame referencing it is released (fan-out shares), and is reused for
/// the next frame of the same format and size, so a steady stream allocates nothing on the device.
/// Any format FFmpeg describes with plain planes works: nv12, yuv420p, rgb24, bgr24, rgba, gray, and planar float
/// (<c>gbrpf32le</c>, and <c>grayf32le</c> planes for tensors).
/// </summary>
public sealed class DeviceFramePool : IDisposable
{
    /// <summary>Row pitch alignment in bytes.</summary>
    public const int PitchAlignment = 256;

    private readonly ComputeDevice _device;
    private readonly ConcurrentDictionary<(int Format, int Width, int Height), ConcurrentBag<DeviceFrameBuffer>> _free = new();
    private long _allocated;
    private int _disposed;

    internal DeviceFramePool(ComputeDevice device) => _device = device;

    /// <summary>Device buffers allocated so far (not reused ones): stays flat in a steady stream.</summary>
    public long Allocations => Interlocked.Read(ref _allocated);

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Makes <paramref name="shell"/> (an empty pooled frame, see <see cref="TransformOutput.RentVideoFrame"/>)
    /// a device frame of <paramref name="format"/> at <paramref name="width"/>×<paramref name="height"/> over a pooled
    /// buffer, with the timing, flags and colour of <paramref name="props"/> when given. Its pixels are undefined.</summary>
    public void Fill(VideoFrame shell, PixelFormat format, int width, int height, VideoFrame? props)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _device.Timeline.Poll(); // buffers whose last GPU use has run come home first
        var bag = _free.GetOrAdd((format.Id, width, height), _ => new ConcurrentBag<DeviceFrameBuffer>());
        if (!bag.TryTake(out var buffer))
        {
            buffer = new DeviceFrameBuffer(_device, this, bag, format, width, height);
            Interlocked.Increment(ref _allocated);
        }
        buffer.Wrap(shell, props);
    }

    /// <summary>Frees every pooled buffer; buffers still in frames are freed when those are released.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var bag in _free.Values)
            while (bag.TryTake(out var b)) b.Free();
    }
}

/// <summary>Device memory holding a frame's planes: a pooled buffer of ours (<see cref="DeviceFrameBuffer"/>) or memory
/// FFmpeg owns (<see cref="ForeignDeviceMemory"/>: an NVDEC surface, a CUDA filter's output).</summary>
internal abstract class DeviceFrameMemory
{
    public abstract ComputeDevice Device { get; }
    /// <summary>All of the memory as bytes, for views and copies.</summary>
    public abstract ArrayView<byte> View { get; }
    /// <summary>The device address <see cref="View"/> starts at.</summary>
    public abstract nint BasePtr { get; }
}

/// <summary>One pooled device allocation holding a frame's planes with pitch.</summary>
internal sealed class DeviceFrameBuffer : DeviceFrameMemory
{
    private readonly DeviceFramePool _pool;
    private readonly ConcurrentBag<DeviceFrameBuffer> _home;
    private readonly MemoryBuffer1D<byte, Stride1D.Dense> _memory;
    private readonly long[] _offsets = new long[4];
    private readonly int[] _pitches = new int[4];
    private GCHandle _self;

    public DeviceFrameBuffer(ComputeDevice device, DeviceFramePool pool, ConcurrentBag<DeviceFrameBuffer> home, PixelFormat format, int width, int height)
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
    /// GPU may still be running work queued on it: the buffer goes home once that work has run (the device's
    /// timeline), so the next frame's writer cannot overtake its last reader.</summary>
    [UnmanagedCallersOnly]
    private static void Release(nint opaque, nint data)
    {
        var buffer = (DeviceFrameBuffer)GCHandle.FromIntPtr(opaque).Target!;
        if (buffer._pool.IsDisposed) buffer.Free();
        else buffer.Device.Timeline.Retire(0, buffer.GoHome);
    }

    private void GoHome()
    {
        if (_pool.IsDisposed) Free();
        else _home.Add(this);
    }

    public void Free()
    {
        if (_self.IsAllocated) _self.Free();
        if (!Device.Accelerator.IsDisposed) _memory.Dispose();
    }
}
