using System.Diagnostics;
using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// One connection from an output to an input: a bounded queue with real backpressure. The edge never waits itself:
/// <see cref="TryWrite"/> and <see cref="TryRead"/> only try, and the edge wakes the other side through its
/// <see cref="Wakeup"/>s (the consumer's on an item, the end, or a writer starting to wait on a full edge; the
/// producer's when a full edge gets room), so each node waits in one place, on its own thread, with a deadline if it
/// has one. The consumer may abandon the edge (it stopped or failed): the edge closes, the producer is woken and
/// told "closed", and items left in it are released.
/// </summary>
internal sealed class Edge
{
    private readonly Channel<Queued> _channel;

    /// <summary>An item in the edge and the generation it had when written: if it comes out released, or reused by
    /// another owner, its producer released it after emitting it.</summary>
    private readonly record struct Queued(MediaItem Item, int Generation, long Bytes, long Enqueued = 0, uint Sequence = 0);
    private int _writerWaiting;
    private uint _sequence; // items written (traced edges only; the producer is the one writer)
    private readonly FlightBudget? _budget;
    private long _bytes;

    public Edge(OutputPort from, InputPort to, int capacity, Wakeup consumer, Wakeup producer, NodeMetrics? consumerMetrics = null, FlightBudget? budget = null, NodeMetrics? producerMetrics = null)
    {
        _budget = budget;
        From = from;
        To = to;
        // The producer's policy (a live source's) or the consumer's DropOldest: a full edge drops instead of waiting.
        // A drop chosen by the producer is counted on the producer, one the consumer asked for on the consumer.
        _drops = to.DropOldest || from.Policy != EdgePolicy.Block;
        var counter = from.Policy != EdgePolicy.Block ? producerMetrics : consumerMetrics;
        Capacity = from.Policy == EdgePolicy.KeepLatest ? 1 : capacity;
        Consumer = consumer;
        Producer = producer;
        var options = new BoundedChannelOptions(Capacity)
        {
            FullMode = _drops ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleReader = false, // the consumer and an abandoning runtime may both read
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        };
        _channel = _drops
            ? Channel.CreateBounded<Queued>(options, dropped => { counter?.CountDropped(); Uncount(dropped); Release(dropped); })
            : Channel.CreateBounded<Queued>(options);
    }

    /// <summary>The edge's id in the run's frame timeline (<see cref="FrameTrace"/>), or -1 when the run is not
    /// traced. A traced edge stamps every item written with the time and its number on the edge.</summary>
    public int TraceId { get; init; } = -1;
    private readonly bool _drops;

    public OutputPort From { get; }
    public InputPort To { get; }
    public int Capacity { get; }
    /// <summary>The consuming node's wakeup.</summary>
    public Wakeup Consumer { get; }
    /// <summary>The producing node's wakeup.</summary>
    public Wakeup Producer { get; }
    private volatile bool _closed;

    /// <summary>True once the consumer left (or the edge was detached): writes are refused.</summary>
    public bool IsClosed => _closed;
    public int Count => _channel.Reader.Count;
    /// <summary>Bytes of the items waiting in the edge now (frames: their planes; packets: their data).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>True when the producer found the edge full and waits for room: the consumer's reading it is what
    /// lets that producer go on (used by nodes with several inputs to avoid a deadlock without polling).</summary>
    public bool WriterWaiting => Volatile.Read(ref _writerWaiting) != 0;

    /// <summary>True once the producer completed and every item was read (or the edge was abandoned).</summary>
    public bool IsEnded => _channel.Reader.Completion.IsCompleted;

    /// <summary>Adds <paramref name="item"/> when there is room (or, on an edge that drops, always). False when
    /// full; the caller waits on <see cref="Producer"/> after <see cref="BeginWaitingToWrite"/>.</summary>
    public bool TryWrite(MediaItem item)
    {
        var bytes = item.EstimatedBytes;
        // Over the graph's memory budget an edge that holds an item counts as full (see FlightBudget).
        if (_budget is { } budget && !_drops && budget.WouldExceed(bytes) && _channel.Reader.Count > 0) return false;
        Interlocked.Add(ref _bytes, bytes);
        _budget?.Add(bytes);
        // Traced: one clock read, the item's enqueue time (its queue wait, and where its flow starts).
        var queued = TraceId < 0 ? new Queued(item, item.Generation, bytes) : new Queued(item, item.Generation, bytes, Stopwatch.GetTimestamp(), ++_sequence);
        if (!_channel.Writer.TryWrite(queued))
        {
            if (queued.Sequence != 0) _sequence--;
            Interlocked.Add(ref _bytes, -bytes);
            _budget?.Remove(bytes);
            return false;
        }
        Consumer.Set();
        return true;
    }

    private void Uncount(Queued queued)
    {
        Interlocked.Add(ref _bytes, -queued.Bytes);
        _budget?.Remove(queued.Bytes);
    }

    /// <summary>The producer found the edge full and is about to wait: the consumer is told (it may need to read
    /// this edge to unblock the producer). The producer must try to write once more before it waits.</summary>
    public void BeginWaitingToWrite()
    {
        Interlocked.Exchange(ref _writerWaiting, 1);
        Consumer.Set();
    }

    public void EndWaitingToWrite() => Interlocked.Exchange(ref _writerWaiting, 0);

    /// <summary>Takes the oldest item. Throws <see cref="MediaGraphException"/> naming the producer when the item
    /// was released while it waited here (its producer disposed what it had emitted): the consumer would otherwise
    /// read an empty frame, or one that another owner rented since.</summary>
    public bool TryRead(out MediaItem item) => TryRead(out item, out _);

    /// <inheritdoc cref="TryRead(out MediaItem)"/>
    /// <param name="item">The item taken.</param>
    /// <param name="stamp">On a traced edge (<see cref="TraceId"/>), when the item was written and its number on
    /// the edge; default otherwise.</param>
    public bool TryRead(out MediaItem item, out EdgeStamp stamp)
    {
        if (!_channel.Reader.TryRead(out var queued))
        {
            item = null!;
            stamp = default;
            return false;
        }
        stamp = new EdgeStamp(queued.Enqueued, queued.Sequence);
        Uncount(queued);
        if (Volatile.Read(ref _writerWaiting) != 0) Producer.Set();
        item = queued.Item;
        if (item.Generation != queued.Generation || item.ReferenceCount <= 0)
            throw new MediaGraphException(From.Node.Name,
                $"released a {item.GetType().Name} after emitting it on '{From}' to '{To}' (released twice): an emitted item belongs to its consumer, which would have read an empty frame or another owner's");
        return true;
    }

    private static void Release(Queued queued)
    {
        // An item some node released although it emitted it ("released twice") is reported where it is read; ending
        // the run or dropping must still free everything else.
        if (queued.Item.Generation != queued.Generation) return;
        try { queued.Item.Dispose(); }
        catch (ObjectDisposedException) { }
    }

    /// <summary>The producer is done.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
        Consumer.Set();
    }

    /// <summary>The producer keeps running but this consumer leaves it (a branch being removed): the consumer reads
    /// what is queued, then ends as if the producer had ended; the producer's writes are refused.</summary>
    public void Detach()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        Consumer.Set();
        Producer.Set();
    }

    /// <summary>The consumer is gone: close and release what is queued; a waiting producer wakes and sees
    /// <see cref="IsClosed"/>.</summary>
    public void Abandon()
    {
        _closed = true;
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var queued))
        {
            Uncount(queued);
            Release(queued);
        }
        Consumer.Set();
        Producer.Set();
    }
}

/// <summary>When an item was written to a traced edge (Stopwatch ticks) and its number on it (1, 2 ...).</summary>
internal readonly record struct EdgeStamp(long Enqueued, uint Sequence);
