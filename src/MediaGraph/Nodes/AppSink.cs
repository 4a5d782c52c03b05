using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// The app-facing end of a graph: frames (or packets) the app reads with <c>await foreach</c> while
/// <see cref="Graph.RunAsync"/> runs. Backpressure reaches back through the graph: a slow reader slows the
/// decoder, nothing piles up. The app owns each item it reads and must dispose it. Stopping early (breaking out of
/// the loop) closes the sink; the graph then ends cleanly (sources stop, outputs are finalised). For a later run of
/// the same graph, start reading after calling <see cref="Graph.RunAsync"/>.
/// </summary>
/// <example>
/// <code>
/// var frames = graph.Sink(graph.Decode("in.mp4").Video.Scale(224, 224, pixelFormat: "rgb24"));
/// var run = graph.RunAsync(ct);
/// await foreach (var frame in frames.ReadAllAsync(ct)) using (frame) Use(frame);
/// await run;
/// </code>
/// </example>
public sealed class AppSink<T> : Node, IAppEndpoint where T : MediaItem
{
    private readonly RunChannel<T> _channel;

    internal AppSink(OutputPort source, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _channel = new RunChannel<T>(capacity, singleWriter: true);
        var input = AddInput(source.Kind, "in");
        input.Source = source;
        source.Consumers.Add(input);
    }

    public override string Kind => "sink";
    /// <summary>Shared: it only hands items to or from the app, awaiting it.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;
    internal override bool IsSink => true;


    /// <summary>Reads the items of the current (or next) run until the run ends. Break out to stop the graph early.</summary>
    public async IAsyncEnumerable<T> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = _channel.Current;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var item))
                    yield return item;
        }
        finally
        {
            channel.Writer.TryComplete(); // the reader is gone: the instance sees a closed channel and stops the graph
            while (channel.Reader.TryRead(out var left)) left.Dispose();
        }
    }

    void IAppEndpoint.BeginRun() => _channel.BeginRun();

    protected internal override NodeInstance CreateInstance()
    {
        return new Instance(_channel.Take());
    }

    private sealed class Instance(Channel<T> channel) : NodeInstance
    {
        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            try
            {
                if (await channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) && channel.Writer.TryWrite((T)item))
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
