using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="ResultReader"/>.</summary>
public sealed record ResultReaderOptions
{
    /// <summary>The durable consumer: a restarted reader resumes where it left off. Default "results".</summary>
    public string Group { get; init; } = "results";

    /// <summary>How many chunks' results may wait behind a missing one in one stream before it is given up (see
    /// <see cref="StreamReorderer{T}"/>). Default 64. A missing chunk is normally one a dead worker held: it comes
    /// back once the broker redelivers it (JetStream's ack wait, Kafka's session timeout), so the window should
    /// cover that many chunks. The waiting messages are not acknowledged yet: the broker must let a consumer hold
    /// more than the window unacknowledged (NATS: <c>MaxAckPending</c>).</summary>
    public int Window { get; init; } = 64;

    /// <summary>The streams this reader takes; results of others are counted in
    /// <see cref="BrokerCounters.UnknownStream"/> and skipped. Null (default): every stream.</summary>
    public IReadOnlySet<string>? Streams { get; init; }

    /// <summary>Ends the reading once this many streams have ended (all their results delivered). Null (default):
    /// read until cancelled.</summary>
    public int? EndAfterStreams { get; init; }
}

/// <summary>
/// The consumer side of a worker pool: reads results messages and hands them out in order per stream (by chunk
/// sequence, which is presentation order), however many workers made them and in whatever order they finished.
/// Duplicates (at-least-once redelivery after a worker died) are counted and dropped; a result that comes after its
/// place was given up is counted as late and dropped; messages that are not ours, damaged, or for another stream are
/// counted, logged with topic and position, and skipped (<see cref="Counters"/>). Each message is acknowledged once
/// its results were handed out (or it was dropped), so a reader that dies re-reads what it had not handed out.
/// </summary>
public sealed class ResultReader
{
    private readonly IMediaBroker _broker;
    private readonly string _topic;
    private readonly ILogger _logger;

    public ResultReader(IMediaBroker broker, string topic, ResultReaderOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _broker = broker;
        _topic = topic;
        Options = options ?? new ResultReaderOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    public ResultReaderOptions Options { get; }
    public BrokerCounters Counters { get; } = new();
    /// <summary>Streams whose end mark came and whose results were all handed out.</summary>
    public IReadOnlyCollection<string> EndedStreams => _ended;
    private readonly HashSet<string> _ended = new();

    /// <summary>The results, in order per stream; ends when <see cref="ResultReaderOptions.EndAfterStreams"/> streams
    /// have ended, or with <paramref name="cancellationToken"/>.</summary>
    public async IAsyncEnumerable<ResultsMessage> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _broker.PrepareTopicAsync(_topic, TopicUse.Log, cancellationToken).ConfigureAwait(false);
        var reorder = new StreamReorderer<(ResultsMessage Results, BrokerMessage Message)>(Options.Window);
        var ends = new Dictionary<string, long>();
        const string who = "result reader";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var message in _broker.ConsumeAsync(_topic, Options.Group, stop.Token).ConfigureAwait(false))
        {
            if (await Counters.DecodeOrSkipAsync(_logger, who, message, cancellationToken).ConfigureAwait(false) is not { } decoded) continue;
            if (Options.Streams is { } streams && !streams.Contains(decoded.StreamId))
            {
                Counters.UnknownStreamMessage(_logger, who, message, $"results for stream '{decoded.StreamId}', which this reader does not take");
                await message.AckAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var released = new List<(ResultsMessage Results, BrokerMessage Message)>();
            switch (decoded)
            {
                case ResultsMessage results:
                    var (duplicates, late, skipped) = (reorder.Duplicates, reorder.Late, reorder.Skipped);
                    released.AddRange(reorder.Add(results.StreamId, results.Sequence, (results, message)));
                    Counters.AddDuplicates(reorder.Duplicates - duplicates);
                    Counters.AddLate(reorder.Late - late);
                    Counters.AddSkipped(reorder.Skipped - skipped);
                    if (reorder.Duplicates > duplicates || reorder.Late > late)
                    {
                        _logger.LogDebug("{Who}: dropped results {Sequence} of '{Stream}' at {Topic} {Position} ({Why})", who, results.Sequence, results.StreamId,
                            message.Topic, message.Position, reorder.Late > late ? "late" : "duplicate");
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                    }
                    break;
                case EndMessage end:
                    ends.TryAdd(end.StreamId, end.Sequence);
                    await message.AckAsync(cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    Counters.UnknownStreamMessage(_logger, who, message, $"a {decoded.Kind} message of '{decoded.StreamId}' on a results topic");
                    await message.AckAsync(cancellationToken).ConfigureAwait(false);
                    break;
            }
            foreach (var (results, source) in released)
            {
                if (results.Error is not null) Counters.AddFailed();
                yield return results;
                await source.AckAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var (stream, count) in ends)
                if (!_ended.Contains(stream) && reorder.NextOf(stream) >= count)
                {
                    _ended.Add(stream);
                    _logger.LogInformation("{Who}: stream '{Stream}' ended after {Count} chunks", who, stream, count);
                }
            if (Options.EndAfterStreams is { } n && _ended.Count >= n) break;
        }
    }
}
