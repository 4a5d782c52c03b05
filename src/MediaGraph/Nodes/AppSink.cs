using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// The app-facing end of a graph: frames (or packets) the app reads with <c>await foreach</c> while
/// <see cref="Graph.RunAsync"/> runs. Backpressure reaches back through the graph: a slow reader slows the
/// decoder, nothing piles up. The app owns each item it reads and must dispose it. Stopping early (breaking out of
/// the loop) closes the sink; the graph then ends cleanly (sources stop, outputs are finalised).
/// </summary>
/// <example>
/// <code>
/// var frames = graph.Sink(graph.Decode("in.mp4").Video.Scale(224, 224, pixelFormat: "rgb24"));
/// var run = graph.RunAsync(ct);
/// await foreach (var frame in frames.ReadAllAsync(ct)) using (frame) Use(frame);
/// await run;
/// </code>
/// </example>
public sealed class AppSink<T> : Node where T : MediaItem
{
    private readonly int _capacity;
    private Channel<T> _channel;
    private volatile bool _readerGone;

    internal AppSink(OutputPort source, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _capacity = capacity;
        _channel = NewChannel();
        var input = AddInput(source.Kind, "in");
        input.Source = source;
        source.Consumers.Add(input);
    }

    public override string Kind => "sink";
    internal override bool IsSink => true;

    private Channel<T> NewChannel() => Channel.CreateBounded<T>(new BoundedChannelOptions(_capacity) { SingleReader = true, SingleWriter = true });

    /// <summary>Reads the items of the current (or next) run until the run ends. Break out to stop the graph early.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = _channel;
        _readerGone = false;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var item))
                    yield return item;
        }
        finally
        {
            _readerGone = true;
            channel.Writer.TryComplete();
            while (channel.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    protected internal override NodeInstance CreateInstance()
    {
        if (_channel.Reader.Completion.IsCompleted) _channel = NewChannel();
        return new Instance(this, _channel);
    }

    private sealed class Instance(AppSink<T> node, Channel<T> channel) : NodeInstance
    {
        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            try
            {
                if (!node._readerGone && await channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) && channel.Writer.TryWrite((T)item))
                    return;
            }
            catch (ChannelClosedException) { }
            item.Dispose();
            context.StopInputs(); // the app stopped reading: end the graph cleanly
        }

        public override ValueTask DisposeAsync()
        {
            channel.Writer.TryComplete();
            return default;
        }
    }
}
