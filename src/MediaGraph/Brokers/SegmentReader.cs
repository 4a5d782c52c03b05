using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="SegmentReader"/>.</summary>
public sealed record SegmentReaderOptions
{
    /// <summary>The durable consumer: a restarted reader resumes where it left off. Default "segments".</summary>
    public string Group { get; init; } = "segments";

    /// <summary>Segments being reassembled at once (over all streams); when one more starts, the one that has waited
    /// longest is given up (counted in <see cref="BrokerCounters.Skipped"/>): its publisher died mid-segment. Default 16.</summary>
    public int MaxIncomplete { get; init; } = 16;
}

/// <summary>A whole segment as its publisher read it from disk, with its sidecar.</summary>
/// <param name="Sidecar">The segment's sidecar.</param>
/// <param name="Data">The segment's bytes (size and SHA-256 checked).</param>
/// <param name="Parts">How many broker messages carried it.</param>
public sealed record ReceivedSegment(SegmentSidecar Sidecar, ReadOnlyMemory<byte> Data, int Parts)
{
    /// <summary>The segment's stream id.</summary>
    public string StreamId => Sidecar.Stream;

    /// <summary>The segment's number in its stream.</summary>
    public long Sequence => Sidecar.Sequence;
}

/// <summary>
/// The receiving side of <see cref="SegmentPublisher"/>: reads segment messages from a topic, puts split segments
/// back together, checks each one's size and SHA-256, and hands out every segment once (a part or a segment delivered
/// again — the publisher retried after a lost acknowledgement, or this reader restarted — is counted in
/// <see cref="BrokerCounters.Duplicates"/> and dropped). A segment's messages are acknowledged once it was handed out,
/// so a reader that dies re-reads what it had not handed out. Bad input never stops it: messages that are not ours,
/// damaged, of another kind, or parts that do not fit together are counted, logged with the topic and position,
/// acknowledged and skipped.
/// </summary>
public sealed class SegmentReader
{
    private const string Who = "segment reader";
    private const int Remembered = 4096;
    private readonly IMediaBroker _broker;
    private readonly string _topic;
    private readonly ILogger _logger;

    public SegmentReader(IMediaBroker broker, string topic, SegmentReaderOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _broker = broker;
        _topic = topic;
        Options = options ?? new SegmentReaderOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Options.MaxIncomplete, nameof(options));
        _logger = logger ?? NullLogger.Instance;
    }

    public SegmentReaderOptions Options { get; }
    public BrokerCounters Counters { get; } = new();

    /// <summary>The segments, in the order their last part arrived (per stream, the order they were published), until
    /// <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<ReceivedSegment> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _broker.PrepareTopicAsync(_topic, TopicUse.Log, cancellationToken).ConfigureAwait(false);
        var incomplete = new Dictionary<Key, Assembly>();
        var done = new Dictionary<string, (HashSet<Key> Set, Queue<Key> Order)>();
        long arrival = 0;
        await foreach (var message in _broker.ConsumeAsync(_topic, Options.Group, cancellationToken).ConfigureAwait(false))
        {
            if (await Counters.DecodeOrSkipAsync(_logger, Who, message, cancellationToken).ConfigureAwait(false) is not { } decoded) continue;
            if (decoded is not SegmentPartMessage part)
            {
                Counters.UnknownStreamMessage(_logger, Who, message, $"a {decoded.Kind} message of '{decoded.StreamId}' on a segment topic");
                await message.AckAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            var key = new Key(part.StreamId, part.Sequence, Convert.ToHexString(part.Sha256.Span));
            if (done.TryGetValue(part.StreamId, out var seen) && seen.Set.Contains(key))
            {
                Counters.AddDuplicates(1);
                _logger.LogDebug("{Who}: dropped a part of segment {Sequence} of '{Stream}' delivered again at {Topic} {Position}", Who, part.Sequence, part.StreamId, message.Topic, message.Position);
                await message.AckAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (!incomplete.TryGetValue(key, out var assembly))
            {
                if (incomplete.Count >= Options.MaxIncomplete)
                {
                    var oldest = incomplete.MinBy(kv => kv.Value.Arrival);
                    incomplete.Remove(oldest.Key);
                    Counters.AddSkipped(1);
                    _logger.LogWarning("{Who}: gave up segment {Sequence} of '{Stream}' with {Have} of {Parts} parts (its publisher stopped mid-segment?)",
                        Who, oldest.Key.Sequence, oldest.Key.Stream, oldest.Value.Have, oldest.Value.Parts.Length);
                    foreach (var m in oldest.Value.Messages) await m.AckAsync(cancellationToken).ConfigureAwait(false);
                }
                incomplete[key] = assembly = new Assembly(part.Parts, part.TotalBytes, part.Sidecar.ToArray());
            }
            assembly.Arrival = arrival++;
            if (part.Parts != assembly.Parts.Length || part.TotalBytes != assembly.Total)
            {
                Counters.DamagedMessage(_logger, Who, message, $"part {part.Part} of {part.Parts} ({part.TotalBytes} bytes) of segment {part.Sequence} of '{part.StreamId}', " +
                                                              $"whose other parts say {assembly.Parts.Length} parts, {assembly.Total} bytes");
                await message.AckAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            assembly.Messages.Add(message);
            if (assembly.Received[part.Part])
            {
                Counters.AddDuplicates(1); // a part published twice: the first copy is kept
                continue;
            }
            assembly.Parts[part.Part] = part.Data;
            assembly.Received[part.Part] = true;
            assembly.Have++;
            if (assembly.Have < assembly.Parts.Length) continue;

            incomplete.Remove(key);
            var segment = Reassemble(assembly, part, message);
            if (segment is not null)
            {
                if (!done.TryGetValue(key.Stream, out seen)) done[key.Stream] = seen = (new HashSet<Key>(), new Queue<Key>());
                seen.Set.Add(key);
                seen.Order.Enqueue(key);
                if (seen.Order.Count > Remembered) seen.Set.Remove(seen.Order.Dequeue());
                yield return segment;
            }
            foreach (var m in assembly.Messages) await m.AckAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The parts joined, or null (counted and logged) when the size, the SHA-256 or the sidecar is wrong.</summary>
    private ReceivedSegment? Reassemble(Assembly assembly, SegmentPartMessage last, BrokerMessage message)
    {
        var data = new byte[assembly.Total];
        var at = 0L;
        foreach (var p in assembly.Parts)
        {
            if (at + p.Length > data.Length) { at = -1; break; }
            p.Span.CopyTo(data.AsSpan((int)at));
            at += p.Length;
        }
        var why = at != data.Length ? $"its parts hold {(at < 0 ? "more" : at.ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, not {data.Length}"
            : !System.Security.Cryptography.SHA256.HashData(data).AsSpan().SequenceEqual(last.Sha256.Span) ? "its SHA-256 does not match" : null;
        try
        {
            if (why is null) return new ReceivedSegment(SegmentSidecar.Parse(assembly.Sidecar), data, assembly.Parts.Length);
        }
        catch (WireFormatException e) { why = e.Message; }
        Counters.DamagedMessage(_logger, Who, message, $"segment {last.Sequence} of '{last.StreamId}' ({assembly.Parts.Length} parts): {why}");
        return null;
    }

    private readonly record struct Key(string Stream, long Sequence, string Sha256);

    private sealed class Assembly(int parts, long total, byte[] sidecar)
    {
        public ReadOnlyMemory<byte>[] Parts { get; } = new ReadOnlyMemory<byte>[parts];
        public bool[] Received { get; } = new bool[parts];
        public int Have { get; set; }
        public long Total { get; } = total;
        public byte[] Sidecar { get; } = sidecar;
        public long Arrival { get; set; }
        public List<BrokerMessage> Messages { get; } = new();
    }
}
