using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Carries metadata from the frames a component was given to the items it makes of them later, matched by
/// timestamp: an encoder reorders (B-frames), delays (lookahead) and re-chunks (audio), so the packet made from a
/// frame is not the next one out. Each frame's metadata is remembered with the span it presents
/// (<c>[pts, pts + duration)</c>, in the output's time base); an output whose pts falls in a remembered span gets
/// that frame's values (shared, copy-on-write). Frames without metadata are not remembered, so a stream without
/// metadata costs nothing, and the list only holds frames the component has not finished with.
/// </summary>
internal sealed class MetadataByPts
{
    /// <summary>Frames remembered at most: far beyond any encoder's delay, a bound for one that never reports how
    /// far it got (no dts), past which the oldest frame is forgotten.</summary>
    internal const int Capacity = 1024;

    private readonly List<Entry> _entries = new();

    private readonly record struct Entry(long Start, long End, MetadataValues Values);

    /// <summary>Frames remembered and not yet forgotten (tests).</summary>
    public int Count => _entries.Count;

    /// <summary>Remembers the metadata of a frame sent with <paramref name="pts"/> and <paramref name="duration"/>
    /// (in the output's time base). A frame without a timestamp cannot be matched and is not remembered.</summary>
    public void Remember(long pts, long duration, MetadataValues values)
    {
        if (pts == Timestamp.None) return;
        if (_entries.Count == Capacity) _entries.RemoveAt(0);
        _entries.Add(new Entry(pts, pts + Math.Max(duration, 1), values));
    }

    /// <summary>
    /// Attaches to <paramref name="output"/> the metadata of the frame whose span holds its pts, then forgets the
    /// frames no later output can come from: those that end at or before <paramref name="horizon"/>, a timestamp
    /// no later output's pts is below (an encoder's packet dts: dts only grows and pts is never below it).
    /// </summary>
    public void AttachTo(MediaItem output, long horizon)
    {
        if (_entries.Count == 0) return;
        var pts = output.Pts;
        if (pts != Timestamp.None)
        {
            foreach (var entry in _entries)
            {
                if (pts < entry.Start || pts >= entry.End) continue;
                output.Metadata.Attach(entry.Values);
                break;
            }
        }
        if (horizon == Timestamp.None) return;
        var done = 0;
        while (done < _entries.Count && _entries[done].End <= horizon) done++;
        Debug.Assert(done <= _entries.Count);
        if (done > 0) _entries.RemoveRange(0, done);
    }
}
