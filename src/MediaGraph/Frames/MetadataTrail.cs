namespace MediaGraph;

/// <summary>
/// Carries metadata across a step that takes items and gives back other items, possibly later (libavfilter
/// lookahead, a decoder's reordering): <see cref="Record"/> each input, <see cref="Apply"/> each output. An output
/// takes the metadata of the input with the same pts; one with no such input (a field yadif made, a frame fps
/// duplicated) takes that of the latest input at or before its pts; one without a pts takes the newest input's.
/// Costs nothing until an input carries metadata. Keeps at most <see cref="Capacity"/> inputs.
/// </summary>
internal sealed class MetadataTrail
{
    /// <summary>Inputs remembered at most (a filter that holds more frames than this loses the oldest's metadata).</summary>
    public const int Capacity = 64;

    private readonly List<Entry> _entries = new(); // sorted by pts
    private int _newest = -1;                      // index of the input recorded last

    private readonly record struct Entry(long Pts, Rational TimeBase, Holder? Metadata);

    /// <summary>Remembers <paramref name="input"/>'s pts and metadata (before the step may release it).</summary>
    public void Record(MediaItem input)
    {
        if (!input.HasMetadata && _entries.Count == 0) return;
        if (input.Pts == Timestamp.None) return;
        Holder? holder = null;
        if (input.HasMetadata)
        {
            holder = new Holder();
            MetadataCarrier.Carry(input, holder);
        }
        var entry = new Entry(input.Pts, input.TimeBase, holder);
        var at = _entries.Count;
        while (at > 0 && Compare(_entries[at - 1], entry) > 0) at--;
        _entries.Insert(at, entry);
        _newest = at;
        if (_entries.Count > Capacity)
        {
            _entries.RemoveAt(0);
            _newest--;
        }
    }

    /// <summary>Gives <paramref name="output"/> the metadata of its input (see the class summary), and forgets inputs
    /// older than that one.</summary>
    public void Apply(MediaItem output)
    {
        if (_entries.Count == 0) return;
        int found;
        if (output.Pts == Timestamp.None) found = _newest;
        else
        {
            found = -1;
            for (var i = 0; i < _entries.Count; i++)
            {
                var pts = Rational.Rescale(_entries[i].Pts, _entries[i].TimeBase, output.TimeBase);
                if (pts > output.Pts) break;
                found = i;
            }
        }
        if (found < 0) return;
        if (_entries[found].Metadata is { } metadata) MetadataCarrier.Carry(metadata, output);
        _entries.RemoveRange(0, found);
        _newest = Math.Max(-1, _newest - found);
        if (_entries.TrueForAll(e => e.Metadata is null)) Clear();
    }

    /// <summary>Forgets every input.</summary>
    public void Clear()
    {
        _entries.Clear();
        _newest = -1;
    }

    private static int Compare(in Entry a, in Entry b)
        => Rational.Rescale(a.Pts, a.TimeBase, b.TimeBase).CompareTo(b.Pts);

    /// <summary>An item that only holds metadata between an input's release and its output's birth.</summary>
    private sealed class Holder : MediaItem
    {
        protected override void Reset() { }
        internal override void FreeNative() { }
    }
}
