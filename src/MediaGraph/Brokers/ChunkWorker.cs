using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph.Brokers;

/// <summary>Options of <see cref="ChunkWorker"/>.</summary>
public sealed record ChunkWorkerOptions
{
    /// <summary>Where chunks come from (a <see cref="BrokerSinkNode"/>'s topic).</summary>
    public required string WorkTopic { get; init; }
    /// <summary>Where results go (read by a <see cref="ResultReader"/>).</summary>
    public required string ResultsTopic { get; init; }
    /// <summary>The worker group: its members share the chunks. Default "workers".</summary>
    public string Group { get; init; } = "workers";
    /// <summary>This worker's name in results and logs. Default: host and process id.</summary>
    public string Name { get; init; } = $"{Environment.MachineName}/{Environment.ProcessId}";
    /// <summary>How chunks are decoded.</summary>
    public DecodeOptions? Decode { get; init; }
    /// <summary>Logging for the per-chunk graphs (quiet by default: a graph per chunk).</summary>
    public ILoggerFactory? GraphLoggerFactory { get; init; }
}

/// <summary>
/// A worker of a pool: takes chunks from a work topic, decodes each with a graph (the packets, decoded, then the
/// app's <c>work</c> on the video: scale, inference...), and publishes every frame's timing and metadata as one
/// results message; only then acknowledges the chunk. A worker that dies mid-chunk leaves it unacknowledged, so the
/// broker gives it to another member of the group (at-least-once: its results may be published twice, and
/// <see cref="ResultReader"/> drops the copy). A chunk that cannot be decoded gives a results message with its
/// <see cref="ResultsMessage.Error"/>, so the consumer's order moves on and counts the error; a message that is not a
/// chunk is counted and skipped (<see cref="Counters"/>). End-of-stream marks are passed on to the results topic.
/// </summary>
public sealed class ChunkWorker
{
    private readonly IMediaBroker _broker;
    private readonly Func<VideoStream, VideoStream> _work;
    private readonly ILogger _logger;
    private long _chunks, _frames;

    /// <param name="broker">The broker the work topic and the results topic are on.</param>
    /// <param name="options">Topics, group, name.</param>
    /// <param name="work">What to do with the decoded video of a chunk; its frames' metadata become the results.</param>
    /// <param name="logger">Where bad messages and failed chunks are logged.</param>
    public ChunkWorker(IMediaBroker broker, ChunkWorkerOptions options, Func<VideoStream, VideoStream> work, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(work);
        _broker = broker;
        Options = options;
        _work = work;
        _logger = logger ?? NullLogger.Instance;
    }

    public ChunkWorkerOptions Options { get; }
    public BrokerCounters Counters { get; } = new();
    /// <summary>Chunks processed (results published and acknowledged).</summary>
    public long Chunks => Interlocked.Read(ref _chunks);
    /// <summary>Frames in the published results.</summary>
    public long Frames => Interlocked.Read(ref _frames);

    /// <summary>Works until <paramref name="cancellationToken"/> fires (a worker serves any number of streams).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await _broker.PrepareTopicAsync(Options.WorkTopic, TopicUse.WorkQueue, cancellationToken).ConfigureAwait(false);
        await _broker.PrepareTopicAsync(Options.ResultsTopic, TopicUse.Log, cancellationToken).ConfigureAwait(false);
        using var parameters = new CodecParametersCache();
        var who = $"worker {Options.Name}";
        try
        {
            await foreach (var message in _broker.ConsumeAsync(Options.WorkTopic, Options.Group, cancellationToken).ConfigureAwait(false))
            {
                if (await Counters.DecodeOrSkipAsync(_logger, who, message, cancellationToken).ConfigureAwait(false) is not { } decoded) continue;
                switch (decoded)
                {
                    case ChunkMessage chunk:
                        var results = await ProcessAsync(chunk, parameters, message, cancellationToken).ConfigureAwait(false);
                        await _broker.PublishAsync(Options.ResultsTopic, chunk.StreamId, MediaWire.EncodeResults(results), cancellationToken).ConfigureAwait(false);
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref _chunks);
                        Interlocked.Add(ref _frames, results.Frames.Count);
                        break;
                    case EndMessage end:
                        await _broker.PublishAsync(Options.ResultsTopic, end.StreamId, MediaWire.EncodeEnd(end.StreamId, end.Sequence, end.OriginMicros), cancellationToken).ConfigureAwait(false);
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        Counters.UnknownStreamMessage(_logger, who, message, $"a {decoded.Kind} message of '{decoded.StreamId}' on a work topic, where chunks are expected");
                        await message.AckAsync(cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    /// <summary>Decodes <paramref name="chunk"/> and runs the work on it; an error result when it cannot.</summary>
    private async Task<ResultsMessage> ProcessAsync(ChunkMessage chunk, CodecParametersCache cache, BrokerMessage message, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var frames = new List<FrameResult>();
        var timeBase = chunk.TimeBase;
        string? error = null;
        try
        {
            var parameters = cache.Get(chunk.CodecParameters.Span);
            var graph = new Graph(new GraphOptions { LoggerFactory = Options.GraphLoggerFactory });
            var source = graph.AddPacketSource(capacity: 8);
            var sink = graph.Sink(_work(source.Stream().DecodeVideo(Options.Decode)), capacity: 8);
            var run = graph.RunAsync(cancellationToken);
            var write = WriteAsync(source, chunk, parameters, cancellationToken);
            await foreach (var frame in sink.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                using (frame)
                {
                    timeBase = frame.TimeBase;
                    frames.Add(new FrameResult(frame.Pts, frame.Duration, frame.Metadata.Values.ToArray()));
                }
            await write.ConfigureAwait(false);
            await run.ConfigureAwait(false);
        }
        catch (Exception e) when (e is MediaGraphException or WireFormatException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            error = e.Message;
            frames.Clear();
            Counters.AddFailed();
            _logger.LogWarning("worker {Worker}: chunk {Sequence} of '{Stream}' at {Topic} {Position} failed: {Error}", Options.Name, chunk.Sequence,
                chunk.StreamId, message.Topic, message.Position, e.Message);
        }
        return new ResultsMessage(chunk.StreamId, chunk.Sequence, timeBase, frames)
        {
            OriginMicros = chunk.OriginMicros, Worker = Options.Name, WorkMilliseconds = clock.Elapsed.TotalMilliseconds, Error = error,
        };
    }

    private static async Task WriteAsync(AppSource<Packet> source, ChunkMessage chunk, StreamParameters parameters, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            foreach (var p in chunk.Packets)
                await source.WriteAsync(Packet.FromData(p.Data.Span, parameters, p.Pts, p.Dts, p.Duration, p.IsKeyFrame), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException) { } // the graph ended early (it failed): the run says why
        finally { source.Complete(); }
    }
}
