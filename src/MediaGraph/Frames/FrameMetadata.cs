using System.Collections;
using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Typed values attached to a frame or packet, keyed by type: an inference node sets its detections, an overlay
/// reads them. Ordering and timestamps hold by construction because the values travel with the item.
/// </summary>
/// <remarks>
/// Each item has its own <see cref="FrameMetadata"/>, but the values behind it are an immutable snapshot that
/// several items may share: fan-out gives every branch the same snapshot (copying nothing), and a write
/// (<see cref="Set{T}"/>, <see cref="Remove{T}"/>) replaces this item's snapshot with a new one, so what one branch
/// writes is never seen by another (copy-on-write). Reads never copy and never lock, so a node may read its item's
/// metadata while another branch's node writes its own. A write copies the references to the values (a handful),
/// never the values themselves: treat attached values as immutable once set. An item with no metadata holds no
/// snapshot, so the common case allocates nothing.
/// </remarks>
public sealed class FrameMetadata
{
    private MetadataValues? _values;

    /// <summary>Number of values attached.</summary>
    public int Count => Volatile.Read(ref _values)?.Count ?? 0;

    /// <summary>Attaches <paramref name="value"/>, replacing a value of type <typeparamref name="T"/> (or derived
    /// from it). Only this item sees the change, even when its values were shared with other branches.</summary>
    public void Set<T>(T value) where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        while (true)
        {
            var current = Volatile.Read(ref _values);
            var updated = MetadataValues.With(current, value, static existing => existing is T);
            if (Interlocked.CompareExchange(ref _values, updated, current) == current) return;
        }
    }

    /// <summary>Attaches <paramref name="value"/> under its own runtime type (a result whose type is known only at run
    /// time, such as a post-processor's), replacing a value of that type. Only this item sees the change.</summary>
    public void SetValue(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var type = value.GetType();
        while (true)
        {
            var current = Volatile.Read(ref _values);
            var updated = MetadataValues.With(current, value, existing => existing.GetType() == type);
            if (Interlocked.CompareExchange(ref _values, updated, current) == current) return;
        }
    }

    /// <summary>Detaches the value of type <typeparamref name="T"/> (or derived from it); false when there was
    /// none. Only this item sees the change.</summary>
    public bool Remove<T>() where T : class
    {
        while (true)
        {
            var current = Volatile.Read(ref _values);
            if (current is null || current.IndexOf(static existing => existing is T) < 0) return false;
            var updated = current.Without(static existing => existing is T);
            if (Interlocked.CompareExchange(ref _values, updated, current) == current) return true;
        }
    }

    /// <summary>Gets the value of type <typeparamref name="T"/> (or derived from it), if attached.</summary>
    public bool TryGet<T>(out T value) where T : class
    {
        if (Volatile.Read(ref _values) is { } values)
            foreach (var v in values.Items)
                if (v is T t) { value = t; return true; }
        value = null!;
        return false;
    }

    /// <summary>All attached values: a read-only snapshot that later writes do not change.</summary>
    public IReadOnlyList<object> Values => (IReadOnlyList<object>?)Volatile.Read(ref _values) ?? [];

    /// <summary>Puts this item's values on <paramref name="target"/> (a node that makes a new frame from an old
    /// one), each replacing a value of its type there. An empty target shares this item's values without copying.</summary>
    public void CopyTo(FrameMetadata target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (ReferenceEquals(target, this) || Volatile.Read(ref _values) is not { } source) return;
        while (true)
        {
            var current = Volatile.Read(ref target._values);
            var updated = source;
            if (current is not null)
            {
                updated = current;
                foreach (var v in source.Items)
                {
                    var type = v.GetType();
                    updated = MetadataValues.With(updated, v, existing => type.IsInstanceOfType(existing));
                }
            }
            if (Interlocked.CompareExchange(ref target._values, updated, current) == current) return;
        }
    }

    /// <summary>The current snapshot (null when nothing is attached), to carry to another item later.</summary>
    internal MetadataValues? Snapshot => Volatile.Read(ref _values);

    /// <summary>Makes <paramref name="values"/> this item's metadata, replacing what it had; shares, never copies.</summary>
    internal void Attach(MetadataValues? values) => Volatile.Write(ref _values, values);

    /// <summary>Drops every value (the item is released).</summary>
    internal void Clear() => Volatile.Write(ref _values, null);
}

/// <summary>
/// An immutable list of metadata values, shared by the items whose metadata it is (see <see cref="FrameMetadata"/>).
/// It is not an array, so a caller of <see cref="FrameMetadata.Values"/> cannot cast it and write under other items.
/// </summary>
internal sealed class MetadataValues : IReadOnlyList<object>
{
    private MetadataValues(object[] items)
    {
        Debug.Assert(items.Length > 0, "an empty snapshot is represented by null");
        Items = items;
    }

    /// <summary>The values; never written after construction.</summary>
    public object[] Items { get; }

    public int Count => Items.Length;
    public object this[int index] => Items[index];

    public int IndexOf(Func<object, bool> match)
    {
        for (var i = 0; i < Items.Length; i++)
            if (match(Items[i])) return i;
        return -1;
    }

    /// <summary>A snapshot with <paramref name="value"/> in place of the first value <paramref name="replaces"/>
    /// matches, or appended when none does.</summary>
    public static MetadataValues With(MetadataValues? current, object value, Func<object, bool> replaces)
    {
        if (current is null) return new MetadataValues([value]);
        var i = current.IndexOf(replaces);
        var items = new object[i >= 0 ? current.Items.Length : current.Items.Length + 1];
        current.Items.CopyTo(items, 0);
        items[i >= 0 ? i : items.Length - 1] = value;
        return new MetadataValues(items);
    }

    /// <summary>A snapshot without the values <paramref name="match"/> matches; null when none is left.</summary>
    public MetadataValues? Without(Func<object, bool> match)
    {
        var kept = Items.Where(v => !match(v)).ToArray();
        return kept.Length == 0 ? null : new MetadataValues(kept);
    }

    public IEnumerator<object> GetEnumerator() => ((IEnumerable<object>)Items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
