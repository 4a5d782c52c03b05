using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="SegmentPublisher"/>.</summary>
public sealed record SegmentPublisherOptions
{
    /// <summary>How long one segment may wait for the broker (unreachable, restarting) before the publisher gives up
    /// and fails, naming the broker, the subject and the segment, which stays on disk. Default 2 minutes.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Delete a segment file and its sidecar file once the broker has stored the segment (the folder is a
    /// spool). Default false: the files stay.</summary>
    public bool DeletePublished { get; init; }

    /// <summary>How the topic is kept. Default <see cref="TopicUse.Log"/>: any number of readers, in order.</summary>
    public TopicUse TopicUse { get; init; } = TopicUse.Log;
}

/// <summary>A segment the broker has stored: its sidecar, the local file it came from, and how many messages it took.</summary>
public sealed record PublishedSegment(SegmentSidecar Sidecar, string Path, int Parts);

/// <summary>
/// Publishes finished segment files (the chunks a segmenting muxer closes, <see cref="MuxNode.ChunkCompleted"/>) with
/// their JSON sidecars to a broker topic, one segment after another in the order they were queued, keyed by stream id
/// so order holds. A segment larger than the broker's largest message (<see cref="IMediaBroker.MaxMessageBytesAsync"/>:
/// NATS' max_payload, Kafka's max.message.bytes) goes as numbered parts that <see cref="SegmentReader"/> reassembles
/// and checks (size, SHA-256). Each message is published at-least-once: the publisher waits for the broker's
/// acknowledgement before the next one. <see cref="Enqueue"/> never blocks: the files on disk are the queue, so a
/// muxer (and a live camera behind it) never waits for the network. While the broker is unreachable the publisher
/// retries; a segment that waited <see cref="SegmentPublisherOptions.PublishTimeout"/> fails the publisher with a
/// <see cref="MediaGraphException"/> that names the broker, the topic and the file, and every unpublished segment
/// stays on disk with its sidecar.
/// </summary>
public sealed class SegmentPublisher
{
    private readonly IMediaBroker _broker;
    private readonly ILogger _logger;
    private readonly Channel<(string Path, SegmentSidecar Sidecar)> _queue =
        Channel.CreateUnbounded<(string, SegmentSidecar)>(new UnboundedChannelOptions { SingleReader = true });
    private long _published, _queued;

    public SegmentPublisher(IMediaBroker broker, string topic, SegmentPublisherOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        _broker = broker;
        Topic = topic;
        Options = options ?? new SegmentPublisherOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Options.PublishTimeout, TimeSpan.Zero, nameof(options));
        _logger = logger ?? NullLogger.Instance;
    }

    public string Topic { get; }
    public SegmentPublisherOptions Options { get; }

    /// <summary>Segments the broker has stored.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Segments queued and not yet stored by the broker.</summary>
    public long Pending => Interlocked.Read(ref _queued) - Published;

    /// <summary>Raised (on the publisher's task) after the broker stored a segment.</summary>
    public event Action<PublishedSegment>? SegmentPublished;

    /// <summary>Queues a finished segment file and writes its sidecar beside it (so a segment on disk says what it
    /// is). Never blocks. Returns false, the segment staying on disk with its sidecar, when the publisher takes no
    /// more (after <see cref="Complete"/>, or once it failed).</summary>
    public bool Enqueue(string path, SegmentSidecar sidecar)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(sidecar);
        sidecar.WriteBeside(path);
        if (!_queue.Writer.TryWrite((path, sidecar))) return false;
        Interlocked.Increment(ref _queued);
        return true;
    }

    /// <summary>No more segments: <see cref="RunAsync"/> ends once the queued ones are published.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>Publishes queued segments until <see cref="Complete"/> was called and the queue is empty. Fails with a
    /// <see cref="MediaGraphException"/> (node "publish to ENGINE 'TOPIC'") when a segment cannot be read or the broker
    /// did not take it within <see cref="SegmentPublisherOptions.PublishTimeout"/>; later segments stay on disk.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var who = $"publish to {_broker.Engine} '{Topic}'";
        try
        {
            await WithTimeoutAsync(null, ct => _broker.PrepareTopicAsync(Topic, Options.TopicUse, ct).AsTask(), cancellationToken).ConfigureAwait(false);
            var maxBytes = await WithTimeoutAsync(null, ct => _broker.MaxMessageBytesAsync(ct).AsTask(), cancellationToken).ConfigureAwait(false);
            await foreach (var (path, sidecar) in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                byte[] bytes;
                try { bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false); }
                catch (IOException e) { throw new MediaGraphException(who, $"cannot read segment '{path}': {e.Message}", inner: e); }
                var messages = MediaWire.EncodeSegmentParts(sidecar.Stream, sidecar.Sequence, sidecar.ToJson(), bytes, maxBytes, MediaWire.NowMicros());
                await WithTimeoutAsync(path, async ct =>
                {
                    foreach (var message in messages) await _broker.PublishAsync(Topic, sidecar.Stream, message, ct).ConfigureAwait(false);
                    return 0;
                }, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _published);
                if (Options.DeletePublished)
                {
                    File.Delete(path);
                    File.Delete(Path.ChangeExtension(path, ".json"));
                }
                _logger.LogDebug("{Who}: segment {Sequence} of '{Stream}' ({Bytes} bytes, {Parts} messages)", who, sidecar.Sequence, sidecar.Stream, bytes.Length, messages.Count);
                SegmentPublished?.Invoke(new PublishedSegment(sidecar, path, messages.Count));
            }
        }
        catch
        {
            _queue.Writer.TryComplete(); // nothing more is taken; what was queued stays on disk
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> with the publish timeout; its expiry becomes the error the user sees.</summary>
    private async Task<T> WithTimeoutAsync<T>(string? path, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Options.PublishTimeout);
        try
        {
            return await action(limit.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not MediaGraphException)
        {
            var what = path is null ? $"preparing the topic" : $"segment '{path}'";
            var kept = path is null ? "" : "; it and the segments after it are kept on disk with their sidecars";
            var reason = limit.IsCancellationRequested ? $"the broker did not take it within {Options.PublishTimeout.TotalSeconds:0.#} s" : e.Message;
            throw new MediaGraphException($"publish to {_broker.Engine} '{Topic}'", $"{what}: {reason}{kept}", inner: e);
        }
    }

    private Task WithTimeoutAsync(string? path, Func<CancellationToken, Task> action, CancellationToken cancellationToken) =>
        WithTimeoutAsync<int>(path, async ct => { await action(ct).ConfigureAwait(false); return 0; }, cancellationToken);
}
