namespace MediaGraph;

/// <summary>
/// Carries metadata from the items a step was given to the items it makes of them later, matched by timestamp: a
/// decoder reorders (B-frames), libavfilter looks ahead (yadif) or makes frames of its own (a second field, a
/// duplicate), an encoder reorders, delays and re-chunks (audio). Each input is remembered with the span it presents
/// (<c>[pts, pts + duration)</c>, in its time base). An output takes the values (shared, copy-on-write) of the input
/// whose span holds its pts, else of the latest input that starts at or before it. Inputs without metadata are
/// remembered only once some input had metadata (so an output never borrows an older input's values), so a stream
/// without metadata costs nothing. At most <see cref="Capacity"/> inputs are remembered.
/// </summary>
internal sealed class MetadataByPts
{
    /// <summary>Inputs remembered at most: far beyond any codec's or filter's delay; a bound for a step that never
    /// says how far it got, past which the oldest input is forgotten.</summary>
    internal const int Capacity = 1024;

    private readonly List<Entry> _entries = new(); // sorted by start

    private readonly record struct Entry(long Start, long End, Rational TimeBase, MetadataValues? Values);

    /// <summary>Inputs remembered and not yet forgotten (tests).</summary>
    public int Count => _entries.Count;

    /// <summary>Remembers <paramref name="input"/> (before the step may release it).</summary>
    public void Remember(MediaItem input) => Remember(input.Pts, input.Duration, input.TimeBase, input.MetadataSnapshot);

    /// <summary>Remembers an input presented at <paramref name="pts"/> for <paramref name="duration"/> (in
    /// <paramref name="timeBase"/>) with <paramref name="values"/> (null: it has none). An input without a timestamp
    /// cannot be matched and is not remembered.</summary>
    public void Remember(long pts, long duration, Rational timeBase, MetadataValues? values)
    {
        if (pts == Timestamp.None || (values is null && _entries.Count == 0)) return;
        var entry = new Entry(pts, pts + Math.Max(duration, 1), timeBase, values);
        var at = _entries.Count;
        while (at > 0 && Compare(_entries[at - 1], entry) > 0) at--;
        _entries.Insert(at, entry);
        if (_entries.Count > Capacity) _entries.RemoveAt(0);
    }

    /// <summary>For a step whose outputs come in presentation order (decoder, filter graph): attaches
    /// <paramref name="output"/>'s values and forgets the inputs before the one it matched.</summary>
    public void AttachTo(MediaItem output)
    {
        var found = Find(output);
        if (found < 0) return;
        if (_entries[found].Values is { } values) output.Metadata.Attach(values);
        _entries.RemoveRange(0, found);
        if (_entries.TrueForAll(e => e.Values is null)) _entries.Clear();
    }

    /// <summary>For a step whose outputs do not come in presentation order (an encoder's packets, in decode order):
    /// attaches <paramref name="output"/>'s values, then forgets the inputs that end at or before
    /// <paramref name="horizon"/> (in the output's time base), a time no later output's pts is below (a packet's dts:
    /// it only grows and pts is never below it).</summary>
    public void AttachTo(MediaItem output, long horizon)
    {
        var found = Find(output, exact: false);
        if (found >= 0 && _entries[found].Values is { } values) output.Metadata.Attach(values);
        Forget(output.TimeBase, horizon);
    }

    /// <summary>For one input of a step with several (overlay, amix, concat): attaches the values of this input's item
    /// whose span holds <paramref name="output"/>'s pts — only an exact hold, since an output made from another input
    /// must not borrow these — then forgets what ends at or before <paramref name="horizon"/>
    /// (<see cref="Timestamp.None"/>: nothing). True when it attached values.</summary>
    public bool AttachHolding(MediaItem output, long horizon)
    {
        var found = Find(output, exact: true);
        var attached = found >= 0 && _entries[found].Values is not null;
        if (attached) output.Metadata.Attach(_entries[found].Values);
        Forget(output.TimeBase, horizon);
        return attached;
    }

    /// <summary>Forgets the inputs that end at or before <paramref name="horizon"/> (in <paramref name="timeBase"/>;
    /// <see cref="Timestamp.None"/>: nothing).</summary>
    public void Forget(Rational timeBase, long horizon)
    {
        if (horizon == Timestamp.None) return;
        var done = 0;
        while (done < _entries.Count && Rational.Rescale(_entries[done].End, _entries[done].TimeBase, timeBase) <= horizon) done++;
        if (done > 0) _entries.RemoveRange(0, done);
    }

    /// <summary>The input whose span holds <paramref name="output"/>'s pts, else (unless <paramref name="exact"/>)
    /// the latest one starting at or before it, or the newest input for an output without a pts; -1 for none.</summary>
    private int Find(MediaItem output, bool exact = false)
    {
        if (_entries.Count == 0) return -1;
        if (output.Pts == Timestamp.None) return exact ? -1 : _entries.Count - 1;
        var found = -1;
        for (var i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            var start = Rational.Rescale(e.Start, e.TimeBase, output.TimeBase);
            if (start > output.Pts) break;
            found = i;
            if (output.Pts < Rational.Rescale(e.End, e.TimeBase, output.TimeBase)) return i;
        }
        return exact ? -1 : found;
    }

    private static int Compare(in Entry a, in Entry b) => Rational.Rescale(a.Start, a.TimeBase, b.TimeBase).CompareTo(b.Start);
}
