namespace MediaGraph;

internal interface IItemPool
{
    /// <summary>Takes a released item back; false when the pool is closed or full (the caller frees it).</summary>
    bool Return(MediaItem item);
}

/// <summary>
/// A bounded pool of reusable items (and so of their native AVFrame/AVPacket shells), so a steady-state pipeline
/// allocates nothing per frame. One pool per kind per graph run; closing it frees everything it holds, and items
/// released after that are freed at once.
/// </summary>
internal sealed class ItemPool<T> : IItemPool, IDisposable where T : MediaItem
{
    private readonly Func<T> _create;
    private readonly Stack<T> _free = new();
    private readonly int _capacity;
    private bool _closed;

    public ItemPool(Func<T> create, int capacity = 256)
    {
        _create = create;
        _capacity = capacity;
    }

    /// <summary>An item with one reference and no content.</summary>
    public T Rent()
    {
        T? item = null;
        lock (_free)
            if (_free.Count > 0) item = _free.Pop();
        if (item is null)
        {
            item = _create();
            item.Pool = this;
            return item;
        }
        item.Revive();
        return item;
    }

    public bool Return(MediaItem item)
    {
        lock (_free)
        {
            if (_closed || _free.Count >= _capacity) return false;
            _free.Push((T)item);
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
