using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using MediaGraph.Brokers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph.Kafka;

/// <summary>Options of <see cref="KafkaMediaBroker"/>.</summary>
public sealed record KafkaMediaBrokerOptions
{
    /// <summary>"host:port,host:port".</summary>
    public required string BootstrapServers { get; init; }

    /// <summary>Partitions of the topics this broker creates. Default 4: the most workers a group can keep busy on one
    /// topic; chunks keyed by stream id keep one stream on one partition (ordered), keyed by chunk spread it.</summary>
    public int Partitions { get; init; } = 4;

    /// <summary>Replication of the topics this broker creates. Default 1.</summary>
    public short ReplicationFactor { get; init; } = 1;

    /// <summary>How long the group waits for a silent member (a worker that died) before its partitions go to the
    /// others, who resume from the last commit. Default 10 s (Kafka's own is 45 s).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest message the cluster's topics take (their max.message.bytes): larger payloads are split
    /// by their publisher (<see cref="SegmentPublisher"/>). Default 1,000,000 bytes, under Kafka's default of
    /// 1,048,588 with room for the record batch's own header.</summary>
    public int MaxMessageBytes { get; init; } = 1_000_000;

    /// <summary>Extra librdkafka settings ("security.protocol", "sasl.mechanism" ...), applied last.</summary>
    public IReadOnlyDictionary<string, string>? Settings { get; init; }
}

/// <summary>
/// Kafka (through Confluent.Kafka) as a <see cref="IMediaBroker"/>: a topic is a Kafka topic (created with
/// <see cref="KafkaMediaBrokerOptions.Partitions"/> partitions when missing), the key picks the partition so order
/// holds per key, a group is a consumer group (its members share the partitions). Offsets are committed by hand, only
/// up to the oldest message not yet acknowledged in each partition, so nothing a member had not finished is skipped
/// when it dies: the partition's next owner re-reads from there (at-least-once). Publishing waits for all in-sync
/// replicas and retries while the cluster is unreachable.
/// </summary>
public sealed class KafkaMediaBroker : IMediaBroker
{
    private readonly KafkaMediaBrokerOptions _options;
    private readonly ILogger _logger;
    private readonly IProducer<string, byte[]> _producer;
    private readonly SemaphoreSlim _topics = new(1, 1);
    private readonly HashSet<string> _prepared = new();

    public KafkaMediaBroker(KafkaMediaBrokerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.BootstrapServers);
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        var config = new ProducerConfig { BootstrapServers = options.BootstrapServers, Acks = Acks.All, LingerMs = 1, MessageMaxBytes = 64 << 20 };
        Apply(config);
        _producer = new ProducerBuilder<string, byte[]>(config).SetLogHandler((_, m) => Log(m)).Build();
    }

    public string Engine => "kafka";

    public async ValueTask PrepareTopicAsync(string topic, TopicUse use, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        await _topics.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_prepared.Contains(topic)) return;
            // A metadata request from the producer finds the topic, and creates it where the cluster creates topics on
            // first use (librdkafka's mock cluster does; its admin API has no controller to create them with).
            using var admin = new DependentAdminClientBuilder(_producer.Handle).Build();
            var found = await Task.Run(() => admin.GetMetadata(topic, TimeSpan.FromSeconds(10)), cancellationToken).ConfigureAwait(false);
            var partitions = found.Topics.FirstOrDefault(t => t.Topic == topic && t.Error.Code == ErrorCode.NoError)?.Partitions.Count ?? 0;
            if (partitions == 0)
            {
                try
                {
                    await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = _options.Partitions, ReplicationFactor = _options.ReplicationFactor }]).ConfigureAwait(false);
                    partitions = _options.Partitions;
                }
                catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists)) { }
            }
            _logger.LogInformation("kafka: {Topic} has {Partitions} partitions", topic, partitions);
            _prepared.Add(topic);
        }
        finally { _topics.Release(); }
    }

    public async ValueTask PublishAsync(string topic, string key, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var value = message.ToArray();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await _producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = value }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ProduceException<string, byte[]> e) when (!e.Error.IsFatal && !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("kafka: publishing to {Topic} failed ({Reason}); retrying in {Delay} ms", topic, e.Error.Reason, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    /// <summary><see cref="KafkaMediaBrokerOptions.MaxMessageBytes"/>.</summary>
    public ValueTask<int> MaxMessageBytesAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(_options.MaxMessageBytes);

    public async IAsyncEnumerable<BrokerMessage> ConsumeAsync(string topic, string group, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(group);
        var config = new ConsumerConfig
        {
            BootstrapServers = _options.BootstrapServers,
            GroupId = group,
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = (int)_options.SessionTimeout.TotalMilliseconds,
            HeartbeatIntervalMs = Math.Max(100, (int)_options.SessionTimeout.TotalMilliseconds / 5),
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            FetchMaxBytes = 64 << 20,
            MaxPartitionFetchBytes = 64 << 20,
        };
        Apply(config);
        var offsets = new PartitionOffsets();
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetLogHandler((_, m) => Log(m))
            .SetPartitionsRevokedHandler((c, revoked) =>
            {
                // Commit what is finished before the partitions move; what is not is re-read by their next owner.
                offsets.Commit(c, _logger);
                offsets.Forget(revoked.Select(p => p.TopicPartition));
            })
            .SetPartitionsLostHandler((_, lost) => offsets.Forget(lost.Select(p => p.TopicPartition)))
            .Build();
        consumer.Subscribe(topic);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken); // also when the reader stops early
        var polling = stop.Token;
        var channel = Channel.CreateBounded<BrokerMessage>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        // Consume blocks: it gets a thread of its own, and hands messages over one at a time.
        var poller = new Thread(() =>
        {
            try
            {
                while (!polling.IsCancellationRequested)
                {
                    ConsumeResult<string, byte[]>? result;
                    try { result = consumer.Consume(TimeSpan.FromMilliseconds(100)); }
                    catch (ConsumeException e) when (!e.Error.IsFatal)
                    {
                        // A topic not created yet, a broker restarting: librdkafka recovers by itself.
                        _logger.LogDebug("kafka: consuming {Topic} as {Group}: {Reason}", topic, group, e.Error.Reason);
                        Thread.Sleep(100);
                        continue;
                    }
                    offsets.Commit(consumer, _logger); // acknowledgements made since the last poll
                    if (result?.Message is null) continue;
                    offsets.Delivered(result.TopicPartitionOffset);
                    var message = new KafkaBrokerMessage(result, offsets);
                    while (!channel.Writer.TryWrite(message))
                    {
                        if (polling.IsCancellationRequested) return;
                        channel.Writer.WaitToWriteAsync(polling).AsTask().Wait(TimeSpan.FromMilliseconds(100));
                        offsets.Commit(consumer, _logger);
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException || (e is AggregateException a && a.InnerException is OperationCanceledException)) { }
            catch (Exception e) { channel.Writer.TryComplete(e); return; }
            finally
            {
                offsets.Commit(consumer, _logger);
            }
            channel.Writer.TryComplete();
        }) { IsBackground = true, Name = $"kafka {topic} {group}" };
        poller.Start();
        try
        {
            await foreach (var message in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yield return message;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            poller.Join();
            try { consumer.Close(); } catch (KafkaException) { }
        }
    }

    private void Apply(ClientConfig config)
    {
        if (_options.Settings is { } settings)
            foreach (var (k, v) in settings) config.Set(k, v);
    }

    private void Log(LogMessage m)
    {
        var level = m.Level <= SyslogLevel.Error ? LogLevel.Error : m.Level == SyslogLevel.Warning ? LogLevel.Warning : LogLevel.Debug;
        _logger.Log(level, "kafka {Facility}: {Message}", m.Facility, m.Message);
    }

    public ValueTask DisposeAsync()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
        _topics.Dispose();
        return default;
    }

    /// <summary>Per partition: offsets delivered and not yet acknowledged, and the highest delivered, so a commit
    /// never passes a message that is still being worked on.</summary>
    private sealed class PartitionOffsets
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<TopicPartition, (SortedSet<long> Pending, long Next)> _partitions = new();
        private bool _dirty;

        public void Delivered(TopicPartitionOffset at)
        {
            lock (_lock)
            {
                if (!_partitions.TryGetValue(at.TopicPartition, out var p)) p = (new SortedSet<long>(), 0);
                p.Pending.Add(at.Offset.Value);
                _partitions[at.TopicPartition] = (p.Pending, Math.Max(p.Next, at.Offset.Value + 1));
            }
        }

        public void Acknowledged(TopicPartitionOffset at)
        {
            lock (_lock)
            {
                if (_partitions.TryGetValue(at.TopicPartition, out var p) && p.Pending.Remove(at.Offset.Value)) _dirty = true;
            }
        }

        public void Forget(IEnumerable<TopicPartition> partitions)
        {
            lock (_lock) foreach (var tp in partitions) _partitions.Remove(tp);
        }

        /// <summary>Commits, per partition, up to the oldest unacknowledged offset (or all delivered).</summary>
        public void Commit(IConsumer<string, byte[]> consumer, ILogger logger)
        {
            List<TopicPartitionOffset> commit;
            lock (_lock)
            {
                if (!_dirty) return;
                _dirty = false;
                commit = _partitions.Select(kv => new TopicPartitionOffset(kv.Key, kv.Value.Pending.Count > 0 ? kv.Value.Pending.Min : kv.Value.Next)).ToList();
            }
            if (commit.Count == 0) return;
            try { consumer.Commit(commit); }
            catch (KafkaException e)
            {
                lock (_lock) _dirty = true;
                // A rebalance under way refuses commits for a moment: expected, retried on the next poll.
                var expected = e.Error.Code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration or ErrorCode.UnknownMemberId;
                logger.Log(expected ? LogLevel.Debug : LogLevel.Warning, "kafka: commit failed ({Reason}); retrying", e.Error.Reason);
            }
        }
    }

    private sealed class KafkaBrokerMessage(ConsumeResult<string, byte[]> result, PartitionOffsets offsets) : BrokerMessage
    {
        public override string Topic => result.Topic;
        public override string Position => $"partition {result.Partition.Value} offset {result.Offset.Value}";
        public override ReadOnlyMemory<byte> Data => result.Message.Value ?? [];

        public override ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            offsets.Acknowledged(result.TopicPartitionOffset);
            return default;
        }
    }
}
