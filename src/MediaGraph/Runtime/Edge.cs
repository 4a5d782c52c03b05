using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// One connection from an output to an input: a bounded channel with real backpressure. The consumer may abandon
/// it (it stopped or failed): the channel is completed, waiting writers wake with "closed", and items left in it
/// are released. Channel operations take no token, so waiting allocates nothing; a hard stop abandons edges
/// instead of cancelling waits.
/// </summary>
internal sealed class Edge
{
    private readonly Channel<MediaItem> _channel;

    public Edge(OutputPort from, InputPort to, int capacity)
    {
        From = from;
        To = to;
        _channel = Channel.CreateBounded<MediaItem>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false, // the consumer and an abandoning runtime may both read
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        });
    }

    public OutputPort From { get; }
    public InputPort To { get; }
    public bool IsClosed { get; private set; }
    public ChannelReader<MediaItem> Reader => _channel.Reader;
    public int Count => _channel.Reader.Count;

    /// <summary>Writes, waiting while full. False (and the item released) when the consumer is gone.</summary>
    public ValueTask<bool> WriteAsync(MediaItem item)
    {
        if (_channel.Writer.TryWrite(item))
        {
            Signal?.Set();
            return new ValueTask<bool>(true);
        }
        return WriteSlowAsync(item);
    }

    /// <summary>Set by a reader of several edges: woken on every write and at the end.</summary>
    public InputSignal? Signal { get; set; }

    // Pooled: a write that waits on a full edge is the steady state under backpressure; it must not allocate.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WriteSlowAsync(MediaItem item)
    {
        try
        {
            while (await _channel.Writer.WaitToWriteAsync().ConfigureAwait(false))
                if (_channel.Writer.TryWrite(item))
                {
                    Signal?.Set();
                    return true;
                }
        }
        catch (ChannelClosedException) { }
        IsClosed = true;
        item.Dispose();
        return false;
    }

    /// <summary>The producer is done.</summary>
    public void Complete()
    {
        _channel.Writer.TryComplete();
        Signal?.Set();
    }

    /// <summary>The consumer is gone: close and release what is queued.</summary>
    public void Abandon()
    {
        IsClosed = true;
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var item)) item.Dispose();
        Signal?.Set();
    }
}
