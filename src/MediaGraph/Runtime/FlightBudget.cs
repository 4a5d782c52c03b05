namespace MediaGraph;

/// <summary>
/// The bytes of items waiting on a graph's edges (frames and packets in flight), against
/// <see cref="GraphOptions.MemoryBudget"/>. Edges count what they hold; while the total is over the budget, an edge
/// that already holds an item reports itself full, so a producer waits as it would on a full edge (its consumer is
/// told a writer waits, and reading that one item lets it go on). An empty edge always takes one item, so every
/// consumer can still be fed and the graph never stalls on the budget: it bounds how many large frames queue up,
/// not what nodes hold inside them (a decoder's reference frames, an encoder's lookahead).
/// </summary>
internal sealed class FlightBudget(long limit)
{
    private long _bytes;
    private long _peak;

    /// <summary>The budget in bytes; 0 = accounting only.</summary>
    public long Limit { get; } = limit;
    public long Bytes => Interlocked.Read(ref _bytes);
    public long Peak => Interlocked.Read(ref _peak);

    /// <summary>True when <paramref name="bytes"/> more would go over the budget.</summary>
    public bool WouldExceed(long bytes) => Limit > 0 && Interlocked.Read(ref _bytes) + bytes > Limit;

    public void Add(long bytes)
    {
        var now = Interlocked.Add(ref _bytes, bytes);
        var peak = Interlocked.Read(ref _peak);
        while (now > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peak, now, peak);
            if (seen == peak) break;
            peak = seen;
        }
    }

    public void Remove(long bytes) => Interlocked.Add(ref _bytes, -bytes);
}
