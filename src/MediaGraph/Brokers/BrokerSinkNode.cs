using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="BrokerSinkNode"/>.</summary>
public sealed record BrokerSinkOptions
{
    /// <summary>The camera or file these packets come from; the message key, so its chunks keep their order.</summary>
    public required string StreamId { get; init; }

    /// <summary>A chunk is cut at the first key frame at least this long after the chunk began. Zero (default): at
    /// every key frame (one GOP per chunk); 3 s gives the edge uploader's 3-second chunks.</summary>
    public TimeSpan ChunkDuration { get; init; }

    /// <summary>How the topic is kept: <see cref="TopicUse.WorkQueue"/> (default) for a pool of workers.</summary>
    public TopicUse TopicUse { get; init; } = TopicUse.WorkQueue;

    /// <summary>Key each chunk by stream id and sequence instead of stream id alone, so a Kafka topic spreads one
    /// stream's chunks over its partitions (and so over a group's workers); the consumer restores the order
    /// (<see cref="ResultReader"/>). NATS ignores keys.</summary>
    public bool KeyByChunk { get; init; }

    /// <summary>When set, a JSON sidecar per chunk (stream, sequence, start, duration, frames, resolution, codec,
    /// bytes, the wall-clock time it was cut) is published to this topic too.</summary>
    public string? SidecarTopic { get; init; }
}

/// <summary>
/// Publishes the packets of one stream to a broker topic as chunks (<see cref="MediaWire"/>): each chunk starts at a
/// key frame and carries the codec parameters, so any worker decodes it alone. Packets before the first key frame
/// cannot be decoded by anyone and are dropped (counted, one warning). Each publish waits for the broker to store the
/// chunk (backpressure reaches the source while the broker is slow or restarting). At the end of the input the last
/// chunk and an end-of-stream mark (the chunk count) are published. Fails, naming the node, when the broker stays
/// unreachable past its retry limit.
/// </summary>
public sealed class BrokerSinkNode : Node
{
    public BrokerSinkNode(IMediaBroker broker, string topic, BrokerSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.StreamId);
        Broker = broker;
        Topic = topic;
        Options = options;
        AddInput(MediaKind.Packets, "packets");
    }

    public IMediaBroker Broker { get; }
    public string Topic { get; }
    public BrokerSinkOptions Options { get; }
    public override string Kind => "broker-sink";
    /// <summary>Shared: it awaits the broker, never blocks a thread.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;

    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string>
    {
        ["engine"] = Broker.Engine, ["topic"] = Topic, ["stream"] = Options.StreamId,
    };

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(BrokerSinkNode node) : NodeInstance
    {
        private readonly List<Packet> _chunk = new();
        private long _sequence, _dropped;

        protected internal override async ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            await node.Broker.PrepareTopicAsync(node.Topic, node.Options.TopicUse, cancellationToken).ConfigureAwait(false);
            if (node.Options.SidecarTopic is { } sidecar)
                await node.Broker.PrepareTopicAsync(sidecar, TopicUse.Log, cancellationToken).ConfigureAwait(false);
        }

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            var packet = (Packet)item;
            if (_chunk.Count == 0 && !packet.IsKeyFrame)
            {
                if (_dropped++ == 0) context.Warn($"dropping packets before the first key frame of '{node.Options.StreamId}': no worker could decode them");
                packet.Dispose();
                return;
            }
            if (packet.IsKeyFrame && _chunk.Count > 0 && LongEnough(packet))
                await PublishChunkAsync(context, cancellationToken).ConfigureAwait(false);
            _chunk.Add(packet);
        }

        private bool LongEnough(Packet next)
        {
            if (node.Options.ChunkDuration <= TimeSpan.Zero) return true;
            var first = _chunk[0];
            var elapsed = (next.Dts == Timestamp.None ? next.Pts : next.Dts) - (first.Dts == Timestamp.None ? first.Pts : first.Dts);
            return elapsed * first.TimeBase.ToDouble() >= node.Options.ChunkDuration.TotalSeconds - 1e-6;
        }

        protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_chunk.Count > 0) await PublishChunkAsync(context, cancellationToken).ConfigureAwait(false);
            var end = MediaWire.EncodeEnd(node.Options.StreamId, _sequence, MediaWire.NowMicros());
            await node.Broker.PublishAsync(node.Topic, node.Options.StreamId, end, cancellationToken).ConfigureAwait(false);
            context.Logger.LogInformation("{Node}: published {Chunks} chunks of '{Stream}' to {Engine} {Topic}", context.NodeName, _sequence,
                node.Options.StreamId, node.Broker.Engine, node.Topic);
        }

        private async ValueTask PublishChunkAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var origin = MediaWire.NowMicros();
            var bytes = MediaWire.EncodeChunk(node.Options.StreamId, _sequence, _chunk, origin);
            var key = node.Options.KeyByChunk ? $"{node.Options.StreamId}/{_sequence}" : node.Options.StreamId;
            await node.Broker.PublishAsync(node.Topic, key, bytes, cancellationToken).ConfigureAwait(false);
            if (node.Options.SidecarTopic is { } sidecar)
                await node.Broker.PublishAsync(sidecar, node.Options.StreamId, Sidecar(bytes.Length, origin), cancellationToken).ConfigureAwait(false);
            _sequence++;
            foreach (var p in _chunk) p.Dispose();
            _chunk.Clear();
        }

        /// <summary>The chunk's JSON sidecar.</summary>
        private byte[] Sidecar(int bytes, long originMicros)
        {
            var first = _chunk[0];
            var tb = first.TimeBase.ToDouble();
            var start = _chunk.Min(p => p.Pts);
            var end = _chunk.Max(p => p.Pts + p.Duration);
            var d = first.Parameters.Description;
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteString("stream", node.Options.StreamId);
                json.WriteNumber("sequence", _sequence);
                json.WriteNumber("start", Math.Round(start * tb, 6));
                json.WriteNumber("duration", Math.Round((end - start) * tb, 6));
                json.WriteNumber("frames", _chunk.Count);
                json.WriteNumber("width", d.Width);
                json.WriteNumber("height", d.Height);
                json.WriteString("codec", d.Codec);
                json.WriteNumber("bytes", bytes);
                json.WriteString("cutAt", DateTime.UnixEpoch.AddTicks(originMicros * 10).ToString("O"));
                json.WriteEndObject();
            }
            return stream.ToArray();
        }

        public override ValueTask DisposeAsync()
        {
            foreach (var p in _chunk) p.Dispose();
            _chunk.Clear();
            return default;
        }
    }
}
