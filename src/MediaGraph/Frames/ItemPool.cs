using System.Diagnostics;

namespace MediaGraph;

internal interface IItemPool
{
    /// <summary>An item of the pool's kind with one reference and no content (<see cref="MediaItem.ShareForBranch"/>).</summary>
    MediaItem RentItem();

    /// <summary>Takes a released item back; false when the pool is closed or full (the caller frees it).</summary>
    bool Return(MediaItem item);
}

/// <summary>
/// A bounded pool of reusable items (and so of their native AVFrame/AVPacket shells), so a steady-state pipeline
/// allocates nothing per frame. One pool per kind per graph run; closing it frees everything it holds, and items
/// released after that are freed at once.
/// </summary>
/// <remarks>
/// Reuse is first in, first out, and an item is handed out again only once <see cref="MinIdle"/> other items were
/// released after it: a released item stays idle (its reference count 0) for that long, so a second release of it
/// in that window finds it released and throws instead of taking a reference from its next owner. Idle items hold
/// no buffers (release unreferences them), so the window costs a few empty shells per kind.
/// </remarks>
internal sealed class ItemPool<T> : IItemPool, IDisposable where T : MediaItem
{
    /// <summary>How many later releases an item waits for before it is handed out again.</summary>
    public const int MinIdle = 16;

    private readonly Func<T> _create;
    private readonly Queue<T> _free = new();
    private readonly int _capacity;
    private bool _closed;

    public ItemPool(Func<T> create, int capacity = 256)
    {
        Debug.Assert(capacity > MinIdle, "the pool must hold its idle window");
        _create = create;
        _capacity = capacity;
    }

    /// <summary>Items waiting in the pool (tests).</summary>
    internal int IdleCount { get { lock (_free) return _free.Count; } }

    /// <summary>An item with one reference and no content.</summary>
    public T Rent()
    {
        T? item = null;
        lock (_free)
            if (_free.Count > MinIdle) item = _free.Dequeue();
        if (item is null)
        {
            item = _create();
            item.Pool = this;
            return item;
        }
        item.Revive();
        return item;
    }

    MediaItem IItemPool.RentItem() => Rent();

    public bool Return(MediaItem item)
    {
        Debug.Assert(item is T && item.Pool == this && item.ReferenceCount == 0, "only a released item of this pool comes back");
        lock (_free)
        {
            if (_closed || _free.Count >= _capacity) return false;
            _free.Enqueue((T)item);
            return true;
        }
    }

    public void Dispose()
    {
        T[] items;
        lock (_free)
        {
            _closed = true;
            items = _free.ToArray();
            _free.Clear();
        }
        foreach (var item in items) item.FreeNative();
    }
}
