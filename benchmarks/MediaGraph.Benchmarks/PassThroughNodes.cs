namespace MediaGraph.Benchmarks;

/// <summary>A source that emits <see cref="Frames"/> empty video frames rented from the run's pool, as fast as the
/// graph takes them: no FFmpeg work, so what is measured is the runtime (channels, scheduling, metrics, pooling).</summary>
public sealed class CountingSourceNode : Node
{
    public CountingSourceNode(int frames, NodeThreading threading = NodeThreading.Shared)
    {
        Threading = threading;
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        Frames = frames;
        AddOutput(MediaKind.Video, "video");
    }

    public int Frames { get; }
    public override string Kind => "bench-source";
    public override NodeThreading Threading { get; }

    protected internal override NodeInstance CreateInstance() => new Instance(Frames);

    private sealed class Instance(int frames) : NodeInstance
    {
        protected internal override async Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var timeBase = new Rational(1, 25);
            var stop = context.StopRequested;
            for (var i = 0; i < frames && !stop.IsCancellationRequested && !context.AllOutputsClosed; i++)
            {
                var frame = context.RentVideoFrame();
                frame.Pts = i;
                frame.Duration = 1;
                frame.TimeBase = timeBase;
                await context.EmitAsync(0, frame, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>Emits every item it receives, untouched: one hop of pure runtime overhead.</summary>
public sealed class PassThroughNode : Node
{
    public PassThroughNode(NodeThreading threading = NodeThreading.Shared)
    {
        Threading = threading;
        AddInput(MediaKind.Video, "in");
        AddOutput(MediaKind.Video, "out");
    }

    public override string Kind => "pass";
    public override NodeThreading Threading { get; }

    protected internal override NodeInstance CreateInstance() => new Instance();

    private sealed class Instance : NodeInstance
    {
        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            => context.EmitAsync(0, item, cancellationToken);
    }
}

/// <summary>Releases every item it receives (back to the pool) and counts them.</summary>
public sealed class DiscardSinkNode : Node
{
    public DiscardSinkNode(NodeThreading threading = NodeThreading.Shared)
    {
        Threading = threading;
        AddInput(MediaKind.Video, "in");
    }

    public override string Kind => "bench-sink";
    public override NodeThreading Threading { get; }

    /// <summary>Items received in the last run.</summary>
    public long Received;

    protected internal override NodeInstance CreateInstance()
    {
        Received = 0;
        return new Instance(this);
    }

    private sealed class Instance(DiscardSinkNode node) : NodeInstance
    {
        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            node.Received++;
            item.Dispose();
            return default;
        }
    }
}

/// <summary>source → <c>hops - 1</c> pass-through nodes → sink: <c>hops</c> edges each frame crosses.</summary>
public static class PassThroughGraph
{
    public static (Graph Graph, DiscardSinkNode Sink) Build(int frames, int passThroughNodes, int? channelCapacity = null, NodeThreading threading = NodeThreading.Shared)
    {
        var options = new GraphOptions();
        if (channelCapacity is { } c) options.ChannelCapacity = c;
        var graph = new Graph(options);
        var previous = graph.Add(new CountingSourceNode(frames, threading)).Outputs[0];
        for (var i = 0; i < passThroughNodes; i++)
        {
            var pass = graph.Add(new PassThroughNode(threading));
            graph.Connect(previous, pass.Inputs[0]);
            previous = pass.Outputs[0];
        }
        var sink = graph.Add(new DiscardSinkNode(threading));
        graph.Connect(previous, sink.Inputs[0]);
        return (graph, sink);
    }
}
