using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Anything that travels along an edge: a <see cref="VideoFrame"/>, an <see cref="AudioFrame"/> or a
/// <see cref="Packet"/>. Items are reference counted: whoever holds an item owns one reference and gives it up with
/// <see cref="Dispose"/>; the last one returns the item to its pool. A node passes ownership on by emitting the item,
/// and then must not dispose it as well. A fan-out gives every consumer its own item over the same native buffers
/// (no pixel copy), so a branch that writes (after <see cref="FrameBase.MakeWritable"/>) or sets metadata changes
/// only what it sees.
/// </summary>
/// <remarks>
/// Releasing an item more times than it was referenced is a bug that would corrupt whoever holds the item next, so
/// it is checked: <see cref="Dispose"/> or <see cref="AddRef"/> on a released item throws
/// <see cref="ObjectDisposedException"/> ("released twice") and leaves the item untouched, and a node given a released
/// item fails when it hands it to FFmpeg. A pooled item is handed out again only after 16 other items of its kind
/// were released after it, so a second release within that window is always caught; one that comes later may find
/// the item owned by someone else, and then takes that owner's reference (the owner's own release then throws when
/// it comes within the window).
/// </remarks>
public abstract class MediaItem : IDisposable
{
    private int _refs = 1;
    private int _generation;
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

    /// <summary>Typed values riding on this item (inference results, source ids, tags). Copy-on-write: values set
    /// before a fan-out are seen by every branch, values set on one branch only by that branch.</summary>
    public FrameMetadata Metadata
    {
        get
        {
            if (_metadata is { } metadata) return metadata;
            Interlocked.CompareExchange(ref _metadata, new FrameMetadata(), null);
            return _metadata;
        }
    }

    /// <summary>The metadata values (shared, immutable), or null when none are attached; reading it never creates a
    /// <see cref="FrameMetadata"/>.</summary>
    internal MetadataValues? MetadataSnapshot => _metadata?.Snapshot;

    /// <summary>True when metadata was attached.</summary>
    public bool HasMetadata => _metadata is { Count: > 0 };

    /// <summary>Current number of owners (diagnostics and tests).</summary>
    public int ReferenceCount => Volatile.Read(ref _refs);

    /// <summary>How many times this pooled object was handed out: a holder that remembers it can tell the item it
    /// was given from the same object re-rented by someone else.</summary>
    internal int Generation => Volatile.Read(ref _generation);

    /// <summary>Bytes this item holds, for the accounting of items in flight (<see cref="GraphOptions.MemoryBudget"/>);
    /// 0 when unknown.</summary>
    internal virtual long EstimatedBytes => 0;

    /// <summary>Adds <paramref name="count"/> owners of this same object. Every owner sees the same native frame
    /// and metadata, so none of them may write it (<see cref="FrameBase.MakeWritable"/> refuses).</summary>
    public void AddRef(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var refs = Volatile.Read(ref _refs);
        while (true)
        {
            if (refs <= 0) throw Released("AddRef on", "it was released twice");
            var seen = Interlocked.CompareExchange(ref _refs, refs + count, refs);
            if (seen == refs) return;
            refs = seen;
        }
    }

    /// <summary>Gives up one reference; the last one resets the item and returns it to its pool. Throws
    /// <see cref="ObjectDisposedException"/> when the item was already released, without touching it.</summary>
    public void Dispose()
    {
        var refs = Volatile.Read(ref _refs);
        while (true)
        {
            if (refs <= 0) throw Released("Dispose of", "it was released twice");
            var seen = Interlocked.CompareExchange(ref _refs, refs - 1, refs);
            if (seen == refs) break;
            refs = seen;
        }
        if (refs > 1) return;
        _metadata?.Clear();
        Reset();
        if (Pool is { } pool && pool.Return(this)) return;
        FreeNative();
    }

    /// <summary>The exception for touching a released item: <paramref name="what"/> names the operation.</summary>
    private protected ObjectDisposedException Released(string what, string diagnosis) => new(GetType().Name,
        $"{what} a {GetType().Name} ({DescribePosition()}) that was already released: {diagnosis}. " +
        "Whoever emits an item passes its reference on and must not dispose it too.");

    /// <summary>
    /// A new item for another consumer (one more branch of a fan-out): the same native buffers (referenced, never
    /// copied), timing, time base and description, and the same metadata values, copy-on-write. The new item is
    /// rented from this item's pool (an item without one makes an unpooled item), so a steady-state fan-out
    /// allocates nothing managed. Unlike <see cref="AddRef"/>, each consumer owns its own object: a writer's
    /// <see cref="FrameBase.MakeWritable"/> sees the buffers shared and copies, and metadata set on one branch
    /// stays there. The caller keeps its own reference to this item.
    /// </summary>
    internal MediaItem ShareForBranch()
    {
        Debug.Assert(ReferenceCount > 0, "sharing an item that was already released");
        var copy = Pool?.RentItem() ?? CreateUnpooled();
        Debug.Assert(copy.GetType() == GetType(), "a pool hands out items of its own kind");
        try
        {
            copy.ShareContentFrom(this);
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        copy.Pts = Pts;
        copy.Duration = Duration;
        copy.TimeBase = TimeBase;
        if (MetadataSnapshot is { } values) copy.Metadata.Attach(values);
        return copy;
    }

    /// <summary>An empty item of this kind that belongs to no pool.</summary>
    private protected abstract MediaItem CreateUnpooled();

    /// <summary>Makes this (empty) item reference <paramref name="source"/>'s native content and copies its
    /// description (kind-specific fields); timing and metadata are copied by <see cref="ShareForBranch"/>.</summary>
    private protected abstract void ShareContentFrom(MediaItem source);

    /// <summary>Called by the pool when it hands the item out again.</summary>
    internal void Revive()
    {
        Debug.Assert(ReferenceCount == 0, "the pool hands out only released items");
        Pts = Timestamp.None;
        Duration = 0;
        Interlocked.Increment(ref _generation);
        Volatile.Write(ref _refs, 1);
    }

    /// <summary>Drops the item's content (native buffer references), keeping the object reusable.</summary>
    protected abstract void Reset();

    /// <summary>Frees what the item owns natively; the object is not used again.</summary>
    internal abstract void FreeNative();

    /// <summary>Seconds of this item's pts and a short description, for error positions.</summary>
    internal string DescribePosition() => Pts == Timestamp.None ? "pts unknown" : $"pts {PtsSeconds:0.000} s";
}
