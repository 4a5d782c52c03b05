namespace MediaGraph;

/// <summary>
/// Anything that travels along an edge: a <see cref="VideoFrame"/>, an <see cref="AudioFrame"/> or a
/// <see cref="Packet"/>. Items are reference counted so one item can feed several nodes without a copy: whoever
/// holds an item owns one reference and gives it up with <see cref="Dispose"/>; the last one returns the item to
/// its pool. A node passes ownership on by emitting the item.
/// </summary>
public abstract class MediaItem : IDisposable
{
    private int _refs = 1;
    private FrameMetadata? _metadata;
    internal IItemPool? Pool;

    /// <summary>Presentation timestamp in <see cref="TimeBase"/>, or <see cref="Timestamp.None"/>.</summary>
    public long Pts { get; set; } = Timestamp.None;
    /// <summary>Duration in <see cref="TimeBase"/>; 0 when unknown.</summary>
    public long Duration { get; set; }
    /// <summary>The time base of <see cref="Pts"/> and <see cref="Duration"/>.</summary>
    public Rational TimeBase { get; set; }

    /// <summary>Presentation time in seconds (NaN when unknown).</summary>
    public double PtsSeconds => Timestamp.ToSeconds(Pts, TimeBase);

    /// <summary>Typed values riding on this item (inference results, source ids, tags).</summary>
    public FrameMetadata Metadata => _metadata ??= new FrameMetadata();

    /// <summary>True when metadata was attached.</summary>
    public bool HasMetadata => _metadata is { Count: > 0 };

    /// <summary>Current number of owners (diagnostics and tests).</summary>
    public int ReferenceCount => Volatile.Read(ref _refs);

    /// <summary>Adds <paramref name="count"/> owners (fan-out to several consumers).</summary>
    public void AddRef(int count = 1)
    {
        if (Interlocked.Add(ref _refs, count) <= count)
            throw new ObjectDisposedException(GetType().Name, "AddRef on an item that was already released");
    }

    /// <summary>Gives up one reference; the last one resets the item and returns it to its pool.</summary>
    public void Dispose()
    {
        var left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new ObjectDisposedException(GetType().Name, "an item was released more times than it was referenced");
        _metadata?.Clear();
        Reset();
        if (Pool is { } pool && pool.Return(this)) return;
        FreeNative();
    }

    /// <summary>Called by the pool when it hands the item out again.</summary>
    internal void Revive()
    {
        _refs = 1;
        Pts = Timestamp.None;
        Duration = 0;
    }

    /// <summary>Drops the item's content (native buffer references), keeping the object reusable.</summary>
    protected abstract void Reset();

    /// <summary>Frees what the item owns natively; the object is not used again.</summary>
    internal abstract void FreeNative();

    /// <summary>Seconds of this item's pts and a short description, for error positions.</summary>
    internal string DescribePosition() => Pts == Timestamp.None ? "pts unknown" : $"pts {PtsSeconds:0.000} s";
}
