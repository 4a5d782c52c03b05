namespace MediaGraph.Brokers;

/// <summary>How a topic is consumed, which decides how the engine keeps it.</summary>
public enum TopicUse
{
    /// <summary>Each message goes to one member of a worker group and is gone once acknowledged (NATS JetStream's
    /// work-queue retention; a Kafka topic read by one consumer group).</summary>
    WorkQueue,
    /// <summary>Messages stay (up to the engine's limits) for any number of consumer groups to read in order.</summary>
    Log,
}

/// <summary>
/// A real broker (NATS JetStream in MediaGraph.Nats, Kafka in MediaGraph.Kafka) as the broker nodes and stages see it:
/// durable, at-least-once, ordered per key. MediaGraph never implements a broker itself; this is the seam an engine
/// plugs into. Implementations are thread-safe.
/// </summary>
public interface IMediaBroker : IAsyncDisposable
{
    /// <summary>"nats", "kafka": for logs and messages.</summary>
    string Engine { get; }

    /// <summary>Makes sure <paramref name="topic"/> exists with the retention its use needs (idempotent).</summary>
    ValueTask PrepareTopicAsync(string topic, TopicUse use, CancellationToken cancellationToken = default);

    /// <summary>Publishes and waits for the broker to have stored the message; retries while the broker is
    /// unreachable (a restart) until <paramref name="cancellationToken"/> fires. <paramref name="key"/> is the
    /// stream id or another partition key: messages with one key keep their order.</summary>
    ValueTask PublishAsync(string topic, string key, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>The largest message the broker takes, in bytes (NATS: the server's max_payload, 1 MB by default;
    /// Kafka: the topic's max.message.bytes as configured). Larger payloads are split by whoever publishes them
    /// (<see cref="SegmentPublisher"/>).</summary>
    ValueTask<int> MaxMessageBytesAsync(CancellationToken cancellationToken = default);

    /// <summary>Delivers the messages of <paramref name="topic"/> to the durable consumer <paramref name="group"/>
    /// (members of a group share the work), in order per key, resuming after the last acknowledged message after a
    /// restart of either side. A message not acknowledged in time (a member died) is delivered again.</summary>
    IAsyncEnumerable<BrokerMessage> ConsumeAsync(string topic, string group, CancellationToken cancellationToken = default);
}

/// <summary>A message as a broker delivered it: the bytes, where it came from, and its acknowledgement.</summary>
public abstract class BrokerMessage
{
    /// <summary>The subject or topic.</summary>
    public abstract string Topic { get; }

    /// <summary>Where in the broker it was ("stream seq 17", "partition 2 offset 40"), for logs that let an operator
    /// find the message.</summary>
    public abstract string Position { get; }

    /// <summary>The payload.</summary>
    public abstract ReadOnlyMemory<byte> Data { get; }

    /// <summary>How many times the broker has delivered it (1 the first time; more after a consumer died).</summary>
    public virtual int DeliveryCount => 1;

    /// <summary>Says the message is handled: it is not delivered again.</summary>
    public abstract ValueTask AckAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public override string ToString() => $"{Topic} {Position}";
}
