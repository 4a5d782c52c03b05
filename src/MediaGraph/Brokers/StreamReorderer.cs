namespace MediaGraph.Brokers;

/// <summary>
/// Restores the order of items numbered per stream (chunk sequence numbers, in presentation order) that parallel
/// workers finish out of order, and drops what at-least-once delivery repeats. Items are released in sequence order
/// per stream; an item ahead of a gap waits. When more than <see cref="Window"/> items wait in one stream, the gap is
/// given up (counted in <see cref="Skipped"/>) and what waits is released; an item for a sequence already released or
/// given up arrives late: counted in <see cref="Late"/> (or <see cref="Duplicates"/> when it was released) and dropped,
/// so a tracking consumer never sees time go backwards. Not thread-safe: one consumer loop owns it.
/// </summary>
/// <typeparam name="T">What is reordered (a results message, a chunk).</typeparam>
public sealed class StreamReorderer<T>
{
    private readonly Dictionary<string, StreamState> _streams = new();

    /// <param name="window">How many items may wait behind a gap in one stream before the gap is given up.</param>
    public StreamReorderer(int window = 64)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        Window = window;
    }

    public int Window { get; }
    /// <summary>Items released in order.</summary>
    public long Released { get; private set; }
    /// <summary>Items received again (at-least-once redelivery, a worker that died after publishing): dropped.</summary>
    public long Duplicates { get; private set; }
    /// <summary>Items that came after their gap was given up: dropped.</summary>
    public long Late { get; private set; }
    /// <summary>Sequence numbers given up because the window was full (the items never came in time).</summary>
    public long Skipped { get; private set; }
    /// <summary>Items waiting behind a gap, all streams.</summary>
    public int Waiting => _streams.Values.Sum(s => s.Waiting.Count);

    /// <summary>Takes item <paramref name="sequence"/> of <paramref name="streamId"/> and returns what can now be
    /// released, in order (empty when it waits behind a gap or was dropped).</summary>
    public IReadOnlyList<T> Add(string streamId, long sequence, T item)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var s = State(streamId);
        if (sequence < s.Next)
        {
            if (s.GivenUp.Remove(sequence)) Late++;
            else Duplicates++;
            return [];
        }
        if (!s.Waiting.TryAdd(sequence, item))
        {
            Duplicates++;
            return [];
        }
        var released = Drain(s);
        while (s.Waiting.Count > Window) released.AddRange(GiveUpGap(s));
        return released;
    }

    /// <summary>The sequence the stream waits for next (0 for a stream never seen).</summary>
    public long NextOf(string streamId) => _streams.TryGetValue(streamId, out var s) ? s.Next : 0;

    /// <summary>Releases what waits in <paramref name="streamId"/> after its last item (the stream ended: the gaps will
    /// not fill), counting the gaps in <see cref="Skipped"/>.</summary>
    public IReadOnlyList<T> Flush(string streamId)
    {
        if (!_streams.TryGetValue(streamId, out var s)) return [];
        var released = new List<T>();
        while (s.Waiting.Count > 0) released.AddRange(GiveUpGap(s));
        return released;
    }

    /// <summary>Gives up the gap before the oldest waiting item (its sequence numbers count in <see cref="Skipped"/>,
    /// and an item for one of them that comes later is late) and releases what follows it in order.</summary>
    private List<T> GiveUpGap(StreamState s)
    {
        var first = s.Waiting.Keys[0];
        for (var missing = s.Next; missing < first; missing++) s.GivenUp.Add(missing);
        Skipped += first - s.Next;
        s.Next = first;
        return Drain(s);
    }

    private List<T> Drain(StreamState s)
    {
        var released = new List<T>();
        while (s.Waiting.Count > 0 && s.Waiting.Keys[0] == s.Next)
        {
            released.Add(s.Waiting.Values[0]);
            s.Waiting.RemoveAt(0);
            s.Next++;
            Released++;
        }
        return released;
    }

    private StreamState State(string streamId)
    {
        if (!_streams.TryGetValue(streamId, out var s)) _streams[streamId] = s = new StreamState();
        return s;
    }

    private sealed class StreamState
    {
        public long Next;
        public readonly SortedList<long, T> Waiting = new();
        public readonly HashSet<long> GivenUp = new();
    }
}
