using System.Runtime.CompilerServices;
using MediaGraph.Brokers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MediaGraph.Nats;

/// <summary>Options of <see cref="NatsMediaBroker"/>.</summary>
public sealed record NatsMediaBrokerOptions
{
    /// <summary>The server, "nats://127.0.0.1:4222".</summary>
    public string Url { get; init; } = "nats://127.0.0.1:4222";

    /// <summary>How long a delivered message may stay unacknowledged before JetStream gives it to another member of the
    /// group (a worker that died holds its chunk this long). Default 30 s, JetStream's own.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages a group (JetStream's durable consumer, all its members together) may hold unacknowledged.
    /// A results reader holds up to its reorder window while it waits for a missing chunk, so this must be larger
    /// than the window. Default 1024.</summary>
    public int MaxAckPending { get; init; } = 1024;

    /// <summary>Messages a member asks for at a time. Default 2: a worker has the next chunk at hand when it finishes
    /// one, the others in its group get the rest, and a worker that dies holds at most two.</summary>
    public int Prefetch { get; init; } = 2;

    /// <summary>How long a publish keeps retrying while the server is unreachable (a restart) before it fails.
    /// Default 2 minutes.</summary>
    public TimeSpan PublishRetryLimit { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// NATS JetStream as a <see cref="IMediaBroker"/>: each topic is a subject with a JetStream stream of its own (file
/// storage, so messages survive a server restart), work-queue retention for <see cref="TopicUse.WorkQueue"/> topics;
/// a group is a durable pull consumer with explicit acks, shared by the group's members, so each message goes to one
/// of them and comes back after <see cref="NatsMediaBrokerOptions.AckWait"/> when its member died. A subject keeps
/// its order. The client reconnects by itself after a server restart; publishing retries until the server is back.
/// </summary>
public sealed class NatsMediaBroker : IMediaBroker
{
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _js;
    private readonly NatsMediaBrokerOptions _options;
    private readonly ILogger _logger;

    public NatsMediaBroker(NatsMediaBrokerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _connection = new NatsConnection(new NatsOpts { Url = options.Url, Name = "mediagraph" });
        _js = new NatsJSContext(_connection);
    }

    /// <summary>A broker on the server at <paramref name="url"/> with default options.</summary>
    public NatsMediaBroker(string url, ILogger? logger = null) : this(new NatsMediaBrokerOptions { Url = url }, logger) { }

    public string Engine => "nats";

    /// <summary>The JetStream stream that holds <paramref name="topic"/> ("frames.cam1" is kept in "MG_frames_cam1").</summary>
    public static string StreamName(string topic) => "MG_" + string.Concat(topic.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));

    public async ValueTask PrepareTopicAsync(string topic, TopicUse use, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        var config = new StreamConfig(StreamName(topic), [topic])
        {
            Storage = StreamConfigStorage.File,
            Retention = use == TopicUse.WorkQueue ? StreamConfigRetention.Workqueue : StreamConfigRetention.Limits,
        };
        await RetryAsync($"preparing {topic}", async ct => { await _js.CreateOrUpdateStreamAsync(config, ct).ConfigureAwait(false); }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask PublishAsync(string topic, string key, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var data = message.ToArray();
        await RetryAsync($"publishing to {topic}", async ct =>
        {
            var ack = await _js.PublishAsync(topic, data, cancellationToken: ct).ConfigureAwait(false);
            ack.EnsureSuccess();
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The server's max_payload (it says so when the client connects; 1 MB unless configured).</summary>
    public async ValueTask<int> MaxMessageBytesAsync(CancellationToken cancellationToken = default)
    {
        if (_connection.ServerInfo is { } known) return known.MaxPayload;
        await RetryAsync("connecting", async ct => { await _connection.ConnectAsync().AsTask().WaitAsync(ct).ConfigureAwait(false); }, cancellationToken).ConfigureAwait(false);
        return _connection.ServerInfo?.MaxPayload ?? throw new InvalidOperationException($"nats: the server at {_options.Url} did not say its max_payload");
    }

    public async IAsyncEnumerable<BrokerMessage> ConsumeAsync(string topic, string group, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var config = new ConsumerConfig(group)
        {
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = _options.AckWait,
            MaxAckPending = _options.MaxAckPending,
            FilterSubject = topic,
        };
        INatsJSConsumer consumer = null!;
        await RetryAsync($"joining {group} on {topic}", async ct => { consumer = await _js.CreateOrUpdateConsumerAsync(StreamName(topic), config, ct).ConfigureAwait(false); }, cancellationToken).ConfigureAwait(false);
        var opts = new NatsJSConsumeOpts { MaxMsgs = Math.Max(1, _options.Prefetch) };
        while (!cancellationToken.IsCancellationRequested)
        {
            // ConsumeAsync rides out reconnects; a server restart can still end it (the consumer was momentarily
            // unknown), so the loop starts it again from the durable consumer's acknowledged position.
            var enumerator = consumer.ConsumeAsync<byte[]>(opts: opts, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    bool more;
                    try { more = await enumerator.MoveNextAsync().ConfigureAwait(false); }
                    catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
                    {
                        _logger.LogWarning("nats: consuming {Topic} as {Group} was interrupted ({Reason}); resuming", topic, group, e.Message);
                        await Task.Delay(250, cancellationToken).ConfigureAwait(false);
                        break;
                    }
                    if (!more) break;
                    yield return new NatsBrokerMessage(topic, enumerator.Current);
                }
            }
            finally { await enumerator.DisposeAsync().ConfigureAwait(false); }
        }
    }

    /// <summary>Runs <paramref name="action"/> until it succeeds, backing off while the server is unreachable.</summary>
    private async Task RetryAsync(string what, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _options.PublishRetryLimit;
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                await action(attempt.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is NatsException or OperationCanceledException or TimeoutException
                                      && e is not NatsPayloadTooLargeException && DateTime.UtcNow < deadline) // too large stays too large
            {
                _logger.LogWarning("nats: {What} failed ({Reason}); retrying in {Delay} ms", what, e.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    private sealed class NatsBrokerMessage(string topic, INatsJSMsg<byte[]> message) : BrokerMessage
    {
        public override string Topic => topic;
        public override string Position => message.Metadata is { } m ? $"stream seq {m.Sequence.Stream}" : "stream seq ?";
        public override ReadOnlyMemory<byte> Data => message.Data ?? [];
        public override int DeliveryCount => (int)(message.Metadata?.NumDelivered ?? 1);
        public override ValueTask AckAsync(CancellationToken cancellationToken = default) => message.AckAsync(cancellationToken: cancellationToken);
    }
}
