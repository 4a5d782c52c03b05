namespace MediaGraph;

/// <summary>
/// Typed values attached to a frame or packet, keyed by type: an inference node sets its detections, an overlay
/// reads them. Ordering and timestamps hold by construction because the values travel with the item.
/// </summary>
public sealed class FrameMetadata
{
    private readonly List<object> _values = new(2);

    /// <summary>Number of values attached.</summary>
    public int Count => _values.Count;

    /// <summary>Attaches <paramref name="value"/>, replacing a value of the same type.</summary>
    public void Set<T>(T value) where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_values)
        {
            var i = _values.FindIndex(v => v is T);
            if (i >= 0) _values[i] = value; else _values.Add(value);
        }
    }

    /// <summary>Gets the value of type <typeparamref name="T"/>, if attached.</summary>
    public bool TryGet<T>(out T value) where T : class
    {
        lock (_values)
        {
            foreach (var v in _values)
                if (v is T t) { value = t; return true; }
        }
        value = null!;
        return false;
    }

    /// <summary>All attached values.</summary>
    public IReadOnlyList<object> Values { get { lock (_values) return _values.ToArray(); } }

    internal void Clear() { lock (_values) _values.Clear(); }

    /// <summary>Copies this item's values onto <paramref name="target"/> (a node that makes a new frame from an old one).</summary>
    public void CopyTo(FrameMetadata target)
    {
        lock (_values) foreach (var v in _values) lock (target._values) if (!target._values.Contains(v)) target._values.Add(v);
    }
}
