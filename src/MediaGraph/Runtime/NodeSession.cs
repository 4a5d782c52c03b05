using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>
/// Calls one node directly, frame by frame, without running a graph: the same node code a graph runs, for tests,
/// notebooks and apps that bring their own loop. Not thread-safe (like a node, it is never re-entered).
/// </summary>
/// <example>
/// <code>
/// await using var scale = NodeSession.ForVideo(v => v.Scale(640, 360));
/// foreach (var output in await scale.ProcessAsync(frame)) using (output) Use((VideoFrame)output);
/// foreach (var output in await scale.FlushAsync()) using (output) Use((VideoFrame)output);
/// </code>
/// </example>
public sealed class NodeSession : IAsyncDisposable
{
    private readonly NodeInstance _instance;
    private readonly SessionContext _context;
    private readonly RunPools _pools = new();
    private bool _started, _finished;

    private NodeSession(Node node, ILogger? logger)
    {
        Node = node;
        _context = new SessionContext(node, _pools, logger);
        _instance = node.CreateInstance();
    }

    /// <summary>The node being called.</summary>
    public Node Node { get; }
    public NodeMetrics Metrics => _context.Metrics;

    /// <summary>A session for the video node that <paramref name="build"/> adds on a video stream
    /// (<c>v => v.Scale(640, 360)</c>, <c>v => v.Deinterlace()</c>, <c>v => v.Filter("hflip")</c>).</summary>
    public static NodeSession ForVideo(Func<VideoStream, MediaStream> build, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        var graph = new Graph();
        var source = graph.AddVideoSource();
        return Create(source, build((VideoStream)source.Stream(graph)), logger);
    }

    /// <summary>A session for the audio node that <paramref name="build"/> adds on an audio stream.</summary>
    public static NodeSession ForAudio(Func<AudioStream, MediaStream> build, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        var graph = new Graph();
        var source = graph.AddAudioSource();
        return Create(source, build((AudioStream)source.Stream(graph)), logger);
    }

    private static NodeSession Create(Node source, MediaStream result, ILogger? logger)
    {
        var node = result.Port.Node;
        if (node.Inputs.Count != 1 || node.Inputs[0].Source?.Node != source)
            throw new ArgumentException("the function must add exactly one node on the stream it is given");
        return new NodeSession(node, logger);
    }

    /// <summary>Hands <paramref name="item"/> (ownership included) to the node and returns what it emitted
    /// (possibly nothing, when the node needs more input first). The caller owns the returned items.</summary>
    public async ValueTask<IReadOnlyList<MediaItem>> ProcessAsync(MediaItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        ObjectDisposedException.ThrowIf(_finished, this);
        if (!_started)
        {
            _started = true;
            await _instance.StartAsync(_context, cancellationToken).ConfigureAwait(false);
        }
        _context.Metrics.CountIn();
        await _instance.ProcessAsync(_context, 0, item, cancellationToken).ConfigureAwait(false);
        return _context.TakeEmitted();
    }

    /// <summary>Ends the input: the node flushes what it holds (a deinterlacer's last frame, an encoder's delayed
    /// packets). The session cannot take more items afterwards.</summary>
    public async ValueTask<IReadOnlyList<MediaItem>> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_finished || !_started) { _finished = true; return []; }
        _finished = true;
        await _instance.EndOfInputAsync(_context, 0, cancellationToken).ConfigureAwait(false);
        await _instance.FinishAsync(_context, cancellationToken).ConfigureAwait(false);
        return _context.TakeEmitted();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _finished = true;
        try { await _instance.DisposeAsync().ConfigureAwait(false); }
        finally
        {
            foreach (var left in _context.TakeEmitted()) left.Dispose();
            _pools.Dispose();
        }
    }

    private sealed class SessionContext(Node node, RunPools pools, ILogger? logger)
        : NodeContext(node.Name, new NodeMetrics(node.Name, node.Kind), logger, pools)
    {
        private List<MediaItem> _emitted = new();

        public override CancellationToken StopRequested => CancellationToken.None;
        public override bool IsOutputClosed(int output) => false;
        public override bool AllOutputsClosed => false;
        public override void StopInputs() { }

        public override ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            Metrics.CountOut();
            _emitted.Add(item);
            return default;
        }

        public IReadOnlyList<MediaItem> TakeEmitted()
        {
            if (_emitted.Count == 0) return [];
            var items = _emitted;
            _emitted = new List<MediaItem>();
            return items;
        }
    }
}
