namespace MediaGraph.Brokers;

/// <summary>Broker nodes as operators: <c>input.VideoPackets.PublishTo(broker, "frames", new() { StreamId = "cam1" })</c>
/// and <c>graph.FromBroker(broker, "frames").DecodeVideo()</c>.</summary>
public static class BrokerStreams
{
    /// <summary>Publishes these packets as chunks; see <see cref="BrokerSinkNode"/>.</summary>
    public static BrokerSinkNode PublishTo(this PacketStream packets, IMediaBroker broker, string topic, BrokerSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(packets);
        var node = new BrokerSinkNode(broker, topic, options);
        packets.Graph.Add(node, packets);
        return node;
    }

    /// <summary>The packets of one stream from a broker topic; see <see cref="BrokerSourceNode"/>.</summary>
    public static PacketStream FromBroker(this Graph graph, IMediaBroker broker, string topic, BrokerSourceOptions? options = null)
        => FromBroker(graph, new BrokerSourceNode(broker, topic, options));

    /// <summary>The packets of <paramref name="source"/> (added to the graph).</summary>
    public static PacketStream FromBroker(this Graph graph, BrokerSourceNode source)
    {
        ArgumentNullException.ThrowIfNull(graph);
        graph.Add(source);
        return new PacketStream(graph, source.Outputs[0], MediaKind.Video);
    }
}
