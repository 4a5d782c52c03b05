namespace MediaGraph;

/// <summary>
/// A point on a <see cref="DeviceStream"/>: the work queued on it before the fence was recorded. A producer records
/// one after the work that writes a frame (the frame's "ready" fence); a consumer records one after the work that
/// reads it (a "done reading" fence). Another stream waits on a fence on the GPU (<see cref="DeviceTimeline.Wait"/>,
/// cuStreamWaitEvent on CUDA, no host wait); the host asks <see cref="IsComplete"/> (cuEventQuery) or blocks with
/// <see cref="HostWait"/> (cuEventSynchronize). Held by reference count: a frame's memory and the retire queue keep
/// the fences they still need, and a CUDA event goes back to its pool only when the last holder let go (an event
/// re-recorded while someone still queries it would answer for the wrong work).
/// </summary>
internal abstract class DeviceFence
{
    private int _refs = 1;

    protected DeviceFence(DeviceStream? stream) => Stream = stream;

    /// <summary>The stream it was recorded on (work later on the same stream is ordered after it without a wait).</summary>
    public DeviceStream? Stream { get; protected set; }

    /// <summary>True once the work before the fence has run. Never blocks.</summary>
    public abstract bool IsComplete { get; }

    /// <summary>Blocks the calling thread until the work before the fence has run.</summary>
    public abstract void HostWait();

    /// <summary>False for fences that hold nothing (the CPU accelerator's): holding and letting go are free.</summary>
    protected virtual bool Counted => true;

    /// <summary>One more holder; returns this fence.</summary>
    public DeviceFence AddRef()
    {
        if (Counted) Interlocked.Increment(ref _refs);
        return this;
    }

    /// <summary>A holder lets go; the last one frees the fence (a CUDA event back to its pool).</summary>
    public void Release()
    {
        if (!Counted) return;
        var left = Interlocked.Decrement(ref _refs);
        if (left == 0) Free();
        else if (left < 0) throw new InvalidOperationException("a device fence was released more often than it was held");
    }

    /// <summary>For a pooled fence being handed out again: one holder, the recorder.</summary>
    protected void Revive() => Volatile.Write(ref _refs, 1);

    /// <summary>The last holder let go.</summary>
    protected abstract void Free();
}
