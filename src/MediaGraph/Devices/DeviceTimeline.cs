using System.Collections.Concurrent;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A point on a device's stream: the work queued before it was recorded. A producer records one after the work that
/// writes a frame (<see cref="VideoFrame"/> carries it), a consumer on another stream waits on it on the GPU, and
/// memory goes back to its pool (or to FFmpeg, for NVDEC surfaces) only once the fence of its last use has passed.
/// </summary>
internal sealed class DeviceFence
{
    internal DeviceFence(nint handle, nint stream)
    {
        Handle = handle;
        Stream = stream;
    }

    /// <summary>The CUevent (0 for a fence that passed when it was made).</summary>
    public nint Handle { get; }

    /// <summary>The stream it was recorded on.</summary>
    public nint Stream { get; }

    /// <summary>A fence that has passed: work on a device whose streams run synchronously (ILGPU's CPU accelerator).</summary>
    public static DeviceFence Passed { get; } = new(0, 0);
}

/// <summary>
/// Orders GPU work between producers and consumers and defers the return of memory until the GPU is done with it.
/// <see cref="CudaTimeline"/> uses CUDA events through the shim (cuEventRecord, cuStreamWaitEvent, cuEventQuery);
/// <see cref="ImmediateTimeline"/> stands for a device whose work has finished when its launch returns (the CPU
/// accelerator), so every fence has passed. The retire queue is the same for both: <see cref="Retire"/> runs an
/// action (a buffer back to its pool, an NVDEC surface unmapped) once a fence has passed, polled when memory is
/// wanted (<see cref="Poll"/>) and drained at the end (<see cref="Drain"/>).
/// </summary>
internal abstract class DeviceTimeline : IDisposable
{
    private readonly ConcurrentQueue<(DeviceFence Fence, Action Action)> _retiring = new();
    private int _disposed;

    /// <summary>A fence after the work queued so far on <paramref name="stream"/> (0: the device's shared stream).</summary>
    public abstract DeviceFence Record(nint stream);

    /// <summary>Makes <paramref name="stream"/> wait on the GPU until <paramref name="fence"/> has passed; the host
    /// does not wait. Nothing to do for a fence of the same stream (stream order already holds).</summary>
    public abstract void Wait(nint stream, DeviceFence fence);

    /// <summary>True once the work before <paramref name="fence"/> has run.</summary>
    public abstract bool HasPassed(DeviceFence fence);

    /// <summary>Blocks until <paramref name="fence"/> has passed.</summary>
    public abstract void Synchronize(DeviceFence fence);

    /// <summary>Frees a fence's event (after it passed and nobody waits on it).</summary>
    protected abstract void Free(DeviceFence fence);

    /// <summary>Actions waiting for their fence.</summary>
    public int Retiring => _retiring.Count;

    /// <summary>Runs <paramref name="action"/> once the work queued so far on <paramref name="stream"/> has run: at
    /// once when it has, else at a later <see cref="Poll"/> or <see cref="Drain"/>. Any thread.</summary>
    public void Retire(nint stream, Action action)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            action();
            return;
        }
        var fence = Record(stream);
        if (HasPassed(fence) && _retiring.IsEmpty)
        {
            Free(fence);
            action();
            return;
        }
        _retiring.Enqueue((fence, action));
    }

    /// <summary>Runs the retired actions whose fence has passed, oldest first (a stream's fences pass in order).</summary>
    public int Poll()
    {
        var ran = 0;
        while (_retiring.TryPeek(out var head) && HasPassed(head.Fence))
        {
            if (!_retiring.TryDequeue(out var item)) break;
            Free(item.Fence);
            item.Action();
            ran++;
        }
        return ran;
    }

    /// <summary>Waits for every retired action's fence and runs it: the end of a run.</summary>
    public void Drain()
    {
        while (_retiring.TryDequeue(out var item))
        {
            Synchronize(item.Fence);
            Free(item.Fence);
            item.Action();
        }
    }

    public virtual void Dispose()
    {
        Drain();
        Volatile.Write(ref _disposed, 1);
        Drain();
    }
}

/// <summary>A device whose work has run when its launch returns (ILGPU's CPU accelerator, <c>cuda-sim</c>).</summary>
internal sealed class ImmediateTimeline : DeviceTimeline
{
    public override DeviceFence Record(nint stream) => DeviceFence.Passed;
    public override void Wait(nint stream, DeviceFence fence) { }
    public override bool HasPassed(DeviceFence fence) => true;
    public override void Synchronize(DeviceFence fence) { }
    protected override void Free(DeviceFence fence) { }
}

/// <summary>CUDA events through the shim; events are pooled (one per frame in flight, not one per frame).</summary>
internal sealed class CudaTimeline(CudaDriver driver) : DeviceTimeline
{
    private readonly ConcurrentBag<nint> _events = new();

    public override DeviceFence Record(nint stream)
    {
        if (!_events.TryTake(out var e)) e = driver.CreateEvent();
        var s = stream == 0 ? driver.Stream : stream;
        driver.Record(e, s);
        return new DeviceFence(e, s);
    }

    public override void Wait(nint stream, DeviceFence fence)
    {
        var s = stream == 0 ? driver.Stream : stream;
        if (fence.Handle == 0 || fence.Stream == s) return;
        driver.Wait(s, fence.Handle);
    }

    public override bool HasPassed(DeviceFence fence) => fence.Handle == 0 || driver.IsComplete(fence.Handle);

    public override void Synchronize(DeviceFence fence)
    {
        if (fence.Handle != 0) driver.Synchronize(fence.Handle);
    }

    protected override void Free(DeviceFence fence)
    {
        if (fence.Handle != 0) _events.Add(fence.Handle);
    }

    public override void Dispose()
    {
        base.Dispose();
        while (_events.TryTake(out var e)) driver.FreeEvent(e);
    }
}
