using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Device memory FFmpeg owns, seen by MediaGraph without a copy: an NVDEC surface (FFmpeg's CUDA hwaccel maps the
/// decoded picture and frees the mapping when its frame is released) or a CUDA filter's output. <see cref="Adopt"/>
/// turns such a frame into a device frame: its planes are the surface's, kernels get views over it
/// (<see cref="VideoFrame.GetDevicePlane{T}"/>), and the FFmpeg frame that owns it is kept until the last MediaGraph
/// reference is released AND every fence on it (FFmpeg's write on the device's shared stream, each reader's
/// "done reading" fence) has completed (the device's <see cref="DeviceTimeline"/>), so a surface is never unmapped
/// (and reused by the decoder) under a kernel still reading it. FFmpeg is not told about our streams: this is a
/// host-side query (polled when a node rents a buffer and before each decode), not a GPU wait.
/// </summary>
internal sealed class ForeignDeviceMemory : DeviceFrameMemory
{
    private readonly ComputeDevice _device;
    private readonly ForeignBuffer _buffer;
    private nint _owner;          // mg_frame* holding FFmpeg's references (the mapping)
    private GCHandle _self;

    private ForeignDeviceMemory(ComputeDevice device, ForeignBuffer buffer, nint owner)
    {
        _device = device;
        _buffer = buffer;
        _owner = owner;
        _self = GCHandle.Alloc(this);
    }

    public override ComputeDevice Device => _device;
    public override ArrayView<byte> View => _buffer.AsArrayView<byte>(0, _buffer.LengthInBytes);
    public override nint BasePtr => _buffer.NativePtr;

    /// <summary>FFmpeg frames adopted and not yet given back (NVDEC surfaces held): what <c>extra_hw_frames</c> must cover.</summary>
    internal static int Outstanding => Volatile.Read(ref s_outstanding);
    private static int s_outstanding;

    /// <summary>
    /// Makes <paramref name="frame"/> a device frame of <paramref name="device"/> over the memory it already has,
    /// without a copy: an FFmpeg CUDA frame (NVDEC's, a CUDA filter's) on a CUDA device, or, on the CPU accelerator
    /// (<c>cuda-sim</c>, whose "device memory" is host memory), a host frame. Timing, flags, colour and side data stay.
    /// Its ready fence is recorded on <paramref name="ffmpegStream"/> (the adopting node's view of the device's shared
    /// stream, where FFmpeg wrote it; null: a view of its own).
    /// </summary>
    public static unsafe void Adopt(ComputeDevice device, VideoFrame frame, Rational timeBase, DeviceStream? ffmpegStream = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(frame);
        nint basePtr;
        nuint size;
        if (frame.Device is not null) throw new ArgumentException($"{frame} is a device frame already", nameof(frame));
        if (frame.Location == FrameLocation.Cuda)
        {
            if (device.Cuda is null)
                throw new MediaGraphException(null, $"{frame} is a CUDA frame and {device} is not a CUDA device");
            NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_hw_to_device(frame.Native, out basePtr, out size), "adopting a CUDA frame");
            frame.Refresh(timeBase);
        }
        else
        {
            if (device.Accelerator is not CPUAccelerator)
                throw new MediaGraphException(null, $"{frame} lives in host memory: upload it to {device} (only the CPU simulator can adopt host memory)");
            (basePtr, size) = Span(frame);
        }

        var offsets = stackalloc long[4];
        var pitches = stackalloc int[4];
        for (var i = 0; i < 4; i++)
        {
            var p = frame.GetPlane(i);
            offsets[i] = p.Data == 0 ? 0 : p.Data - basePtr;
            pitches[i] = p.Data == 0 ? 0 : p.Pitch;
        }
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc(out var owner), "allocating a frame");
        ForeignDeviceMemory? memory = null;
        try
        {
            NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_ref(owner, frame.Native), "referencing a decoded frame");
            memory = new ForeignDeviceMemory(device, device.ForeignBuffer(basePtr, (long)size), owner);
            NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_wrap_device(frame.Native, owner, frame.Width, frame.Height, frame.Format.Id,
                basePtr, size, offsets, pitches, &Release, GCHandle.ToIntPtr(memory._self)), $"wrapping {frame} as a device frame");
        }
        catch
        {
            if (memory is not null) memory._self.Free();
            NativeMethods.mg_frame_free(ref owner);
            throw;
        }
        Interlocked.Increment(ref s_outstanding);
        frame.AttachDevice(memory, timeBase);
        // FFmpeg wrote the surface on the device's shared stream (NVDEC maps and copies the picture with
        // AVCUDADeviceContext.stream; CUDA filters run there): its ready fence is recorded there, so each consumer's
        // own stream waits for it on the GPU.
        var shared = ffmpegStream ?? device.SharedStream("adopting an FFmpeg frame");
        shared.Writes(frame);
        shared.Done();
    }

    private static (nint, nuint) Span(VideoFrame frame)
    {
        nint lo = nint.MaxValue, hi = 0;
        for (var i = 0; i < 4; i++)
        {
            var p = frame.GetPlane(i);
            if (p.Data == 0) continue;
            lo = Math.Min(lo, p.Data);
            hi = Math.Max(hi, p.Data + (nint)((long)p.Pitch * p.Rows)); // whole rows: views span pitch × rows
        }
        return (lo, (nuint)(hi - lo));
    }

    [UnmanagedCallersOnly]
    private static void Release(nint opaque, nint data)
    {
        var memory = (ForeignDeviceMemory)GCHandle.FromIntPtr(opaque).Target!;
        memory._device.Timeline.Retire(memory, memory.GiveBack);
    }

    private void GiveBack()
    {
        NativeMethods.mg_frame_free(ref _owner); // FFmpeg unmaps the surface now
        if (_self.IsAllocated) _self.Free();
        Interlocked.Decrement(ref s_outstanding);
    }

    /// <summary>An ILGPU buffer over memory it does not own (the pattern ILGPU's maintainers point to for interop):
    /// views and copies work on it; disposing it frees nothing.</summary>
    internal sealed class ForeignBuffer : MemoryBuffer
    {
        public ForeignBuffer(Accelerator accelerator, nint pointer, long length) : base(accelerator, length, 1)
        {
            NativePtr = pointer;
        }

        protected override void MemSet(AcceleratorStream stream, byte value, in ArrayView<byte> targetView)
        {
            if (stream is CudaStream cuda) CudaMemoryBuffer.CudaMemSet(cuda, value, targetView);
            else CPUMemoryBuffer.CPUMemSet(targetView.LoadEffectiveAddressAsPtr(), value, 0, targetView.LengthInBytes);
        }

        protected override void CopyFrom(AcceleratorStream stream, in ArrayView<byte> sourceView, in ArrayView<byte> targetView)
        {
            if (stream is CudaStream cuda) CudaMemoryBuffer.CudaCopy(cuda, sourceView, targetView);
            else CPUMemoryBuffer.CPUCopy(stream, sourceView, targetView);
        }

        protected override void CopyTo(AcceleratorStream stream, in ArrayView<byte> sourceView, in ArrayView<byte> targetView)
        {
            if (stream is CudaStream cuda) CudaMemoryBuffer.CudaCopy(cuda, sourceView, targetView);
            else CPUMemoryBuffer.CPUCopy(stream, sourceView, targetView);
        }

        protected override void DisposeAcceleratorObject(bool disposing) => NativePtr = 0; // not ours to free
    }
}
