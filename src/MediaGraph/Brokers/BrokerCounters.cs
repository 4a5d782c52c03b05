using Microsoft.Extensions.Logging;

namespace MediaGraph.Brokers;

/// <summary>
/// What a broker consumer (<see cref="BrokerSourceNode"/>, <see cref="ChunkWorker"/>, <see cref="ResultReader"/>) met
/// besides good messages. Bad input never stops a consumer: each bad message is counted here, logged once with its
/// topic and position (so an operator can find it in the broker), acknowledged so it is not delivered forever, and
/// skipped. Thread-safe.
/// </summary>
public sealed class BrokerCounters
{
    private long _notOurs, _damaged, _unknownStream, _duplicates, _late, _skipped, _failed;

    /// <summary>Messages that are not MediaGraph messages (another producer on the topic), or of another wire version.</summary>
    public long NotOurs => Interlocked.Read(ref _notOurs);
    /// <summary>MediaGraph messages that are truncated or otherwise unreadable.</summary>
    public long Damaged => Interlocked.Read(ref _damaged);
    /// <summary>Messages for a stream the consumer does not take, or of a kind it does not expect there.</summary>
    public long UnknownStream => Interlocked.Read(ref _unknownStream);
    /// <summary>Messages delivered again (at-least-once) for work already done: dropped.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);
    /// <summary>Messages that came after the reorder window gave their place up: dropped.</summary>
    public long Late => Interlocked.Read(ref _late);
    /// <summary>Sequence numbers given up because the reorder window was full or the stream ended without them.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);
    /// <summary>Chunks a worker could not process (it published an error result for them).</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Every message that was not a good, new one.</summary>
    public long Bad => NotOurs + Damaged + UnknownStream;

    internal void NotOursMessage(ILogger logger, string who, BrokerMessage message, string reason)
    {
        Interlocked.Increment(ref _notOurs);
        logger.LogWarning("{Who}: skipped a message that is not ours at {Topic} {Position}: {Reason}", who, message.Topic, message.Position, reason);
    }

    internal void DamagedMessage(ILogger logger, string who, BrokerMessage message, string reason)
    {
        Interlocked.Increment(ref _damaged);
        logger.LogWarning("{Who}: skipped a damaged message at {Topic} {Position}: {Reason}", who, message.Topic, message.Position, reason);
    }

    internal void UnknownStreamMessage(ILogger logger, string who, BrokerMessage message, string reason)
    {
        Interlocked.Increment(ref _unknownStream);
        logger.LogWarning("{Who}: skipped a message at {Topic} {Position}: {Reason}", who, message.Topic, message.Position, reason);
    }

    /// <summary>The message decoded; or, when it cannot be read (not ours, damaged), null after counting and logging
    /// it and acknowledging it so the broker does not hand it out again.</summary>
    internal async ValueTask<WireMessage?> DecodeOrSkipAsync(ILogger logger, string who, BrokerMessage message, CancellationToken cancellationToken)
    {
        try { return MediaWire.Decode(message.Data); }
        catch (WireFormatException e)
        {
            if (MediaWire.IsOurs(message.Data.Span)) DamagedMessage(logger, who, message, e.Message);
            else NotOursMessage(logger, who, message, e.Message);
        }
        await message.AckAsync(cancellationToken).ConfigureAwait(false);
        return null;
    }

    internal void AddDuplicates(long n) => Interlocked.Add(ref _duplicates, n);
    internal void AddLate(long n) => Interlocked.Add(ref _late, n);
    internal void AddSkipped(long n) => Interlocked.Add(ref _skipped, n);
    internal void AddFailed() => Interlocked.Increment(ref _failed);

    /// <inheritdoc />
    public override string ToString() =>
        $"not ours {NotOurs}, damaged {Damaged}, unknown stream {UnknownStream}, duplicates {Duplicates}, late {Late}, skipped {Skipped}, failed {Failed}";
}
