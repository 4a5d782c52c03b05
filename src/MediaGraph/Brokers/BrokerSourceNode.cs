using Microsoft.Extensions.Logging;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="BrokerSourceNode"/>.</summary>
public sealed record BrokerSourceOptions
{
    /// <summary>The durable consumer: a graph that restarts resumes after the last chunk it took. Default "graph".</summary>
    public string Group { get; init; } = "graph";

    /// <summary>The stream to take; chunks of other streams are counted and skipped. Null (default): the first
    /// stream seen.</summary>
    public string? StreamId { get; init; }

    /// <summary>How many chunks may wait behind a missing one before it is given up. Default 16.</summary>
    public int Window { get; init; } = 16;

    /// <summary>End the source at the stream's end mark (default). Off: keep reading (a live stream that restarts).</summary>
    public bool EndAtStreamEnd { get; init; } = true;
}

/// <summary>
/// Feeds a graph with the packets of one stream from a broker topic, as a <see cref="BrokerSinkNode"/> published
/// them: chunks in sequence order (redelivered ones dropped), each packet carrying the codec parameters that came
/// with it, so <see cref="PacketStream.DecodeVideo"/> decodes them. A chunk is acknowledged once its packets are
/// handed to the graph. Ends at the stream's end mark, at a drain stop, or when nothing consumes it; bad messages are
/// counted (<see cref="Counters"/>), logged with topic and position, and skipped.
/// </summary>
public sealed class BrokerSourceNode : Node
{
    public BrokerSourceNode(IMediaBroker broker, string topic, BrokerSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Broker = broker;
        Topic = topic;
        Options = options ?? new BrokerSourceOptions();
        AddOutput(MediaKind.Packets, "packets");
    }

    public IMediaBroker Broker { get; }
    public string Topic { get; }
    public BrokerSourceOptions Options { get; }
    /// <summary>What the latest run met besides good chunks.</summary>
    public BrokerCounters Counters { get; private set; } = new();
    public override string Kind => "broker-source";
    /// <summary>Shared: it awaits the broker, never blocks a thread.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;
    public override NodeRoles Roles => NodeRoles.None;

    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string>
    {
        ["engine"] = Broker.Engine, ["topic"] = Topic, ["group"] = Options.Group,
    };

    protected internal override NodeInstance CreateInstance()
    {
        Counters = new BrokerCounters();
        return new Instance(this, Counters);
    }

    private sealed class Instance(BrokerSourceNode node, BrokerCounters counters) : NodeInstance
    {
        private readonly CodecParametersCache _parameters = new();

        protected internal override async Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        {
            await node.Broker.PrepareTopicAsync(node.Topic, TopicUse.WorkQueue, cancellationToken).ConfigureAwait(false);
            var reorder = new StreamReorderer<(ChunkMessage Chunk, BrokerMessage Message)>(node.Options.Window);
            var stream = node.Options.StreamId;
            long? end = null;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.StopRequested, cancellationToken);
            try
            {
                await foreach (var message in node.Broker.ConsumeAsync(node.Topic, node.Options.Group, stop.Token).ConfigureAwait(false))
                {
                    if (await counters.DecodeOrSkipAsync(context.Logger, context.NodeName, message, cancellationToken).ConfigureAwait(false) is not { } decoded) continue;
                    stream ??= decoded.StreamId;
                    if (decoded.StreamId != stream || decoded is ResultsMessage)
                    {
                        counters.UnknownStreamMessage(context.Logger, context.NodeName, message,
                            decoded.StreamId != stream ? $"a message of stream '{decoded.StreamId}'; this source takes '{stream}'" : "a results message where chunks are expected");
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    if (decoded is EndMessage endMark)
                    {
                        end = endMark.Sequence;
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        var chunk = (ChunkMessage)decoded;
                        var (duplicates, late) = (reorder.Duplicates, reorder.Late);
                        var released = reorder.Add(chunk.StreamId, chunk.Sequence, (chunk, message));
                        counters.AddDuplicates(reorder.Duplicates - duplicates);
                        counters.AddLate(reorder.Late - late);
                        if (released.Count == 0 && (reorder.Duplicates > duplicates || reorder.Late > late))
                            await message.AckAsync(cancellationToken).ConfigureAwait(false);
                        foreach (var (c, m) in released)
                        {
                            await EmitAsync(context, c, m, counters, cancellationToken).ConfigureAwait(false);
                            await m.AckAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                    if (context.AllOutputsClosed) break;
                    if (node.Options.EndAtStreamEnd && end is { } count && reorder.NextOf(stream) >= count) break;
                }
            }
            catch (OperationCanceledException) when (context.StopRequested.IsCancellationRequested && !cancellationToken.IsCancellationRequested) { }
            counters.AddSkipped(reorder.Skipped);
        }

        private async ValueTask EmitAsync(NodeContext context, ChunkMessage chunk, BrokerMessage message, BrokerCounters counters, CancellationToken cancellationToken)
        {
            StreamParameters parameters;
            try { parameters = _parameters.Get(chunk.CodecParameters.Span); }
            catch (WireFormatException e)
            {
                counters.DamagedMessage(context.Logger, context.NodeName, message, e.Message);
                return;
            }
            foreach (var p in chunk.Packets)
                await context.EmitAsync(0, Packet.FromData(p.Data.Span, parameters, p.Pts, p.Dts, p.Duration, p.IsKeyFrame), cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync()
        {
            // Packets handed on may still hold these parameters until the run's end; the run disposes nodes after
            // every edge drained, so this is the end.
            _parameters.Dispose();
            return default;
        }
    }
}
