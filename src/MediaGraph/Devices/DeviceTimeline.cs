using System.Collections.Concurrent;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A device's fences and the deferred return of memory someone else owns. It makes fences
/// (<see cref="Record"/>), makes one stream wait for another's fence on the GPU (<see cref="Wait"/>), and keeps
/// memory that goes back to its owner (an NVDEC surface back to FFmpeg) until every fence on it has completed
/// (<see cref="Retire"/>, <see cref="Poll"/>, <see cref="Drain"/>). The ordering logic that uses it (which stream
/// waits on which fence, when a buffer may be written again, when a surface goes back) is one piece of code for every
/// device: <see cref="CudaTimeline"/> does it with CUDA events through the shim, <see cref="ImmediateTimeline"/> with
/// the CPU accelerator's stream-synchronize semantics, and the tests with fences that complete when the test says.
/// </summary>
internal abstract class DeviceTimeline : IDisposable
{
    private readonly ConcurrentQueue<(DeviceFrameMemory Memory, Action Action)> _retiring = new();
    private long _gpuWaits, _hostWaits;
    private int _disposed;

    /// <summary>A fence after the work queued so far on <paramref name="stream"/>, held once by the caller.</summary>
    public abstract DeviceFence Record(DeviceStream stream);

    /// <summary>Makes <paramref name="stream"/> wait until <paramref name="fence"/> has completed, on the GPU (the host
    /// does not wait). Nothing to do for a fence of the same stream: stream order already holds.</summary>
    public void Wait(DeviceStream stream, DeviceFence fence)
    {
        if (DeviceStream.SameQueue(fence.Stream, stream)) return;
        Interlocked.Increment(ref _gpuWaits);
        WaitCore(stream, fence);
    }

    /// <summary>The device's side of <see cref="Wait"/>.</summary>
    protected abstract void WaitCore(DeviceStream stream, DeviceFence fence);

    /// <summary>Cross-stream waits queued on the GPU so far.</summary>
    public long GpuWaits => Interlocked.Read(ref _gpuWaits);

    /// <summary>Times the host blocked for the GPU: downloads (the host reads the copy), an upload reusing its
    /// staging memory, a decoder out of surfaces, the end of a run.</summary>
    public long HostWaits => Interlocked.Read(ref _hostWaits);

    internal void CountHostWait() => Interlocked.Increment(ref _hostWaits);

    /// <summary>Memory waiting for its fences before going back.</summary>
    public int Retiring => _retiring.Count;

    /// <summary>Runs <paramref name="action"/> (memory back to its owner) once every fence on
    /// <paramref name="memory"/> (its producer's, its readers') has completed: at once when they have, else at a
    /// later <see cref="Poll"/>, <see cref="WaitOldest"/> or <see cref="Drain"/>. Any thread.</summary>
    public void Retire(DeviceFrameMemory memory, Action action)
    {
        if (Volatile.Read(ref _disposed) != 0 || memory.FencesComplete())
        {
            memory.ClearFences();
            action();
            return;
        }
        _retiring.Enqueue((memory, action));
    }

    /// <summary>Runs the retired actions whose fences have completed; returns how many ran. Never blocks.</summary>
    public int Poll()
    {
        var ran = 0;
        for (var n = _retiring.Count; n > 0 && _retiring.TryDequeue(out var item); n--)
        {
            if (!item.Memory.FencesComplete())
            {
                _retiring.Enqueue(item); // still being read: look again next time
                continue;
            }
            item.Memory.ClearFences();
            item.Action();
            ran++;
        }
        return ran;
    }

    /// <summary>Blocks (counted in <see cref="HostWaits"/>) until the oldest retired memory's fences have completed
    /// and runs its action: for an owner that has run out (a decoder with no free surface). False when none waits.</summary>
    public bool WaitOldest()
    {
        if (!_retiring.TryDequeue(out var item)) return false;
        CountHostWait();
        item.Memory.HostWaitFences();
        item.Memory.ClearFences();
        item.Action();
        return true;
    }

    /// <summary>Waits for every retired memory's fences and runs its action: the end of a run.</summary>
    public void Drain()
    {
        while (_retiring.TryDequeue(out var item))
        {
            item.Memory.HostWaitFences();
            item.Memory.ClearFences();
            item.Action();
        }
    }

    public virtual void Dispose()
    {
        Drain();
        Volatile.Write(ref _disposed, 1);
        Drain();
    }

    protected bool IsDisposed => Volatile.Read(ref _disposed) != 0;
}

/// <summary>
/// ILGPU's CPU accelerator (<c>cuda-sim</c>): it has no events, and a launch or copy has run when it returns. A fence
/// therefore stands for its stream with stream-synchronize semantics: it is complete, waiting on it synchronizes the
/// stream it was recorded on (on the host: the CPU accelerator has no GPU side), and it holds nothing.
/// </summary>
internal sealed class ImmediateTimeline : DeviceTimeline
{
    public override DeviceFence Record(DeviceStream stream) => stream.CpuFence ??= new StreamFence(stream);

    protected override void WaitCore(DeviceStream stream, DeviceFence fence) => fence.HostWait();

    private sealed class StreamFence(DeviceStream stream) : DeviceFence(stream)
    {
        public override bool IsComplete => true;
        public override void HostWait()
        {
            if (!Stream!.Stream.IsDisposed) Stream.Stream.Synchronize(); // a disposed stream has nothing queued
        }
        protected override bool Counted => false;
        protected override void Free() { }
    }
}

/// <summary>
/// CUDA events through the shim (native/hw.c, the dynamically loaded driver): <see cref="Record"/> is cuEventRecord,
/// <see cref="DeviceTimeline.Wait"/> cuStreamWaitEvent, <see cref="DeviceFence.IsComplete"/> cuEventQuery,
/// <see cref="DeviceFence.HostWait"/> cuEventSynchronize. Events are made with CU_EVENT_DISABLE_TIMING (the fastest
/// kind for waits and queries) and pooled: one per fence in flight, not one per frame. An event goes back to the pool
/// when its last holder lets go; a stream that waited on it before is not affected by its being recorded again
/// (cuStreamWaitEvent uses the state the event had when it was called). Errors name the node whose stream it is.
/// </summary>
internal sealed class CudaTimeline(CudaDriver driver) : DeviceTimeline
{
    private readonly ConcurrentBag<CudaFence> _free = new();

    public override DeviceFence Record(DeviceStream stream)
    {
        if (!_free.TryTake(out var fence)) fence = new CudaFence(this, driver.CreateEvent(stream.Owner));
        fence.Reuse(stream);
        try
        {
            driver.Record(fence.Event, stream.Native, stream.Owner);
        }
        catch
        {
            fence.Release();
            throw;
        }
        return fence;
    }

    protected override void WaitCore(DeviceStream stream, DeviceFence fence)
        => driver.Wait(stream.Native, ((CudaFence)fence).Event, stream.Owner);

    private void Return(CudaFence fence)
    {
        if (!IsDisposed) _free.Add(fence);
        else if (driver.IsOpen) driver.FreeEvent(fence.Event); // a frame that outlived its run let go last
    }

    public override void Dispose()
    {
        base.Dispose();
        while (_free.TryTake(out var f)) driver.FreeEvent(f.Event);
    }

    private sealed class CudaFence(CudaTimeline owner, nint e) : DeviceFence(null)
    {
        public nint Event { get; } = e;

        public void Reuse(DeviceStream stream)
        {
            Stream = stream;
            Revive();
        }

        public override bool IsComplete => owner.IsDisposed || owner.Driver.IsComplete(Event, Stream?.Owner);

        public override void HostWait()
        {
            if (owner.IsDisposed) return;
            owner.Driver.Synchronize(Event, Stream?.Owner);
        }

        protected override void Free()
        {
            Stream = null;
            owner.Return(this);
        }
    }

    private CudaDriver Driver => driver;
}
