using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Latency statistics of a repeated step: count, average, mean of the last 100, min and max (in
/// <see cref="Stopwatch"/> ticks). One writer at a time; the owner decides how readers are kept consistent (a node's
/// own loop writes its metrics and observers read them racily; a stage with overlapping steps locks).
/// </summary>
internal struct LatencyWindow
{
    public const int RecentCount = 100;
    private long[]? _recent; // the last RecentCount latencies, a ring
    private long _recentSum, _total, _min, _max;

    public long Count { readonly get; private set; }

    public void Record(long ticks)
    {
        ticks = Math.Max(0, ticks);
        Count++;
        _total += ticks;
        if (Count == 1 || ticks < _min) _min = ticks;
        if (ticks > _max) _max = ticks;
        _recent ??= new long[RecentCount];
        var slot = (int)((Count - 1) % RecentCount);
        _recentSum += ticks - _recent[slot];
        _recent[slot] = ticks;
    }

    public readonly TimeSpan Average => Count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, _total / Count);
    /// <summary>The mean of the last <see cref="RecentCount"/> steps (fewer at the start).</summary>
    public readonly TimeSpan Recent
    {
        get
        {
            var n = Math.Min(Count, RecentCount);
            return n == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, _recentSum / n);
        }
    }
    public readonly TimeSpan Min => Count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, _min);
    public readonly TimeSpan Max => Stopwatch.GetElapsedTime(0, _max);
}
