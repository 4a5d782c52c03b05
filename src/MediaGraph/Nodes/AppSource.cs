using System.Threading.Channels;
namespace MediaGraph;

/// <summary>
/// The app writes frames or packets into a graph: <see cref="WriteAsync"/> waits while the graph is busy
/// (backpressure), <see cref="Complete"/> ends the stream. Ownership of each written item passes to the graph.
/// Video frames need a time base and should carry a frame rate; packets carry their <see cref="StreamParameters"/>.
/// Items written (or <see cref="Complete"/> called) before the first run are that run's; for a later run of the same
/// graph, write after calling <see cref="Graph.RunAsync"/>.
/// </summary>
public sealed class AppSource<T> : Node, IAppEndpoint where T : MediaItem
{
    private readonly RunChannel<T> _channel;

    internal AppSource(MediaKind kind, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _channel = new RunChannel<T>(capacity, singleWriter: false);
        AddOutput(kind, kind.ToString().ToLowerInvariant());
    }

    public override string Kind => "source";
    /// <summary>Shared: it only hands items to or from the app, awaiting it.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;


    /// <summary>The stream of what the app writes (use with operators like any decoded stream).</summary>
    public MediaStream Stream(Graph graph) => Outputs[0].Kind switch
    {
        MediaKind.Video => graph.Streams(this).VideoOutput(0),
        MediaKind.Audio => graph.Streams(this).AudioOutput(0),
        _ => new PacketStream(graph, Outputs[0], MediaKind.Other),
    };

    /// <summary>Hands <paramref name="item"/> to the graph, waiting while it is full. Throws
    /// <see cref="InvalidOperationException"/> after <see cref="Complete"/> or when the run ended.</summary>
    public async ValueTask WriteAsync(T item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.TimeBase.Num <= 0) throw new ArgumentException("the item needs a TimeBase (for example 1/frame rate)", nameof(item));
        try
        {
            await _channel.Current.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            item.Dispose();
            throw new InvalidOperationException("the source is complete or its graph stopped; nothing more can be written");
        }
    }

    /// <summary>Ends the stream; the graph drains and finishes.</summary>
    public void Complete() => _channel.Current.Writer.TryComplete();

    void IAppEndpoint.BeginRun() => _channel.BeginRun();
    void IAppEndpoint.FailBeforeStart(Exception error) => _channel.FailBeforeStart(error);

    protected internal override NodeInstance CreateInstance()
    {
        return new Instance(_channel.Take());
    }

    private sealed class Instance(Channel<T> channel) : NodeInstance
    {
        protected internal override async Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.StopRequested, cancellationToken);
            try
            {
                while (!context.AllOutputsClosed && await channel.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
                    while (channel.Reader.TryRead(out var item))
                        await context.EmitAsync(0, item, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.StopRequested.IsCancellationRequested && !cancellationToken.IsCancellationRequested) { }
        }

        public override ValueTask DisposeAsync()
        {
            channel.Writer.TryComplete();
            while (channel.Reader.TryRead(out var left)) left.Dispose();
            return default;
        }
    }
}
