using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>An item a node emitted on output <paramref name="Output"/>; the receiver owns it.</summary>
public readonly record struct NodeOutput(int Output, MediaItem Item);

/// <summary>
/// Calls one node directly, frame by frame, without running a graph (BMF's sync mode): the same node code a graph
/// runs, for tests, notebooks and apps that bring their own loop. Any node with inputs works, with several inputs
/// and outputs; it is validated as in a graph (<see cref="Node.Validate"/>) when the session is made, and each item
/// handed to it must be of its input's kind. Items come back as the node emits them, with the output they were
/// emitted on; the caller owns them. Not thread-safe (like a node, it is never re-entered).
/// </summary>
/// <example>
/// <code>
/// await using var scale = NodeSession.ForVideo(v => v.Scale(640, 360));
/// foreach (var output in await scale.ProcessAsync(frame)) using (output) Use((VideoFrame)output);
/// foreach (var output in await scale.FlushAsync()) using (output) Use((VideoFrame)output);
/// </code>
/// </example>
public sealed partial class NodeSession : IAsyncDisposable
{
    private readonly NodeInstance _instance;
    private readonly SessionContext _context;
    private readonly RunPools _pools = new();
    private readonly bool[] _ended;
    private bool _started, _finished;

    private NodeSession(Node node, ILogger? logger)
    {
        Node = node;
        _ended = new bool[node.Inputs.Count];
        _context = new SessionContext(node, _pools, logger);
        _instance = node.CreateInstance();
    }

    /// <summary>A session for <paramref name="node"/>, validated as a graph validates it: a bad option throws
    /// <see cref="GraphValidationException"/> here, before any item. Its inputs need not be connected: the caller
    /// hands the items.</summary>
    /// <exception cref="ArgumentException">The node has no inputs (a source): run it in a graph instead.</exception>
    public static NodeSession Create(Node node, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Inputs.Count == 0)
            throw new ArgumentException($"{node} has no inputs: a source produces on its own; run it in a graph and read it with a sink", nameof(node));
        var context = new ValidationContext { ForRun = true };
        node.Validate(context);
        if (context.Problems.Count > 0)
        {
            node.ReleasePrepared();
            throw new GraphValidationException(context.Problems);
        }
        return new NodeSession(node, logger);
    }

    /// <summary>The node being called.</summary>
    public Node Node { get; }
    public NodeMetrics Metrics => _context.Metrics;

    /// <summary>True when the node asked for a wake-up (<see cref="NodeContext.RequestWakeUp"/>) whose time has
    /// come; call <see cref="WakeUpAsync"/> to deliver it.</summary>
    public bool WakeUpDue => _context.WakeUpAt is { } at && DateTime.UtcNow >= at;

    /// <summary>Hands <paramref name="item"/> (ownership included) to input 0 and returns what the node emitted on
    /// any output (possibly nothing, when it needs more input first). The caller owns the returned items.</summary>
    public async ValueTask<IReadOnlyList<MediaItem>> ProcessAsync(MediaItem item, CancellationToken cancellationToken = default)
        => Items(await ProcessAsync(0, item, cancellationToken).ConfigureAwait(false));

    /// <summary>Hands <paramref name="item"/> (ownership included) to input <paramref name="input"/> and returns what
    /// the node emitted, with the output each item was emitted on.</summary>
    public async ValueTask<IReadOnlyList<NodeOutput>> ProcessAsync(int input, MediaItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        try
        {
            ArgumentOutOfRangeException.ThrowIfNegative(input);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(input, Node.Inputs.Count);
            ObjectDisposedException.ThrowIf(_finished, this);
            if (_ended[input]) throw new InvalidOperationException($"input {input} of {Node} was ended; it takes no more items");
            var port = Node.Inputs[input];
            if (KindOf(item) != port.Kind)
                throw new ArgumentException($"input '{port.Name}' of {Node} takes {port.Kind.ToString().ToLowerInvariant()}, not {item.GetType().Name}", nameof(item));
        }
        catch
        {
            item.Dispose();
            throw;
        }
        await StartAsync(cancellationToken).ConfigureAwait(false);
        _context.Metrics.CountIn(item);
        await _instance.ProcessAsync(_context, input, item, cancellationToken).ConfigureAwait(false);
        return _context.TakeEmitted();
    }

    /// <summary>Ends input <paramref name="input"/> (the others may go on); returns what the node emitted.</summary>
    public async ValueTask<IReadOnlyList<NodeOutput>> EndInputAsync(int input, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(input);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(input, Node.Inputs.Count);
        ObjectDisposedException.ThrowIf(_finished, this);
        if (_ended[input]) return [];
        await StartAsync(cancellationToken).ConfigureAwait(false);
        _ended[input] = true;
        await _instance.EndOfInputAsync(_context, input, cancellationToken).ConfigureAwait(false);
        return _context.TakeEmitted();
    }

    /// <summary>Delivers a wake-up the node asked for (see <see cref="WakeUpDue"/>); returns what it emitted.</summary>
    public async ValueTask<IReadOnlyList<NodeOutput>> WakeUpAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        await StartAsync(cancellationToken).ConfigureAwait(false);
        _context.CancelWakeUp();
        await _instance.OnWakeUpAsync(_context, cancellationToken).ConfigureAwait(false);
        return _context.TakeEmitted();
    }

    /// <summary>Ends every input: the node flushes what it holds (a deinterlacer's last frame, an encoder's delayed
    /// packets). The session cannot take more items afterwards.</summary>
    public async ValueTask<IReadOnlyList<MediaItem>> FlushAsync(CancellationToken cancellationToken = default)
        => Items(await FinishAsync(cancellationToken).ConfigureAwait(false));

    /// <summary><see cref="FlushAsync"/> with the output each item was emitted on.</summary>
    public async ValueTask<IReadOnlyList<NodeOutput>> FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished || !_started) { _finished = true; return []; }
        var emitted = new List<NodeOutput>();
        for (var i = 0; i < _ended.Length; i++)
            if (!_ended[i]) emitted.AddRange(await EndInputAsync(i, cancellationToken).ConfigureAwait(false));
        _finished = true;
        await _instance.FinishAsync(_context, cancellationToken).ConfigureAwait(false);
        emitted.AddRange(_context.TakeEmitted());
        return emitted;
    }

    private async ValueTask StartAsync(CancellationToken cancellationToken)
    {
        if (_started) return;
        _started = true;
        await _instance.StartAsync(_context, cancellationToken).ConfigureAwait(false);
    }

    private static MediaKind KindOf(MediaItem item) => item switch
    {
        VideoFrame => MediaKind.Video,
        AudioFrame => MediaKind.Audio,
        _ => MediaKind.Packets,
    };

    private static IReadOnlyList<MediaItem> Items(IReadOnlyList<NodeOutput> outputs)
        => outputs.Count == 0 ? [] : outputs.Select(o => o.Item).ToArray();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _finished = true;
        try { await _instance.DisposeAsync().ConfigureAwait(false); }
        finally
        {
            foreach (var left in _context.TakeEmitted()) left.Item.Dispose();
            Node.ReleasePrepared();
            _pools.Dispose();
        }
    }

    private sealed class SessionContext(Node node, RunPools pools, ILogger? logger)
        : NodeContext(node.Name, new NodeMetrics(node.Name, node.Kind, node.Roles), logger, pools)
    {
        private List<NodeOutput> _emitted = new();

        public DateTime? WakeUpAt { get; private set; }
        public override CancellationToken StopRequested => CancellationToken.None;
        public override bool IsOutputClosed(int output) => false;
        public override bool AllOutputsClosed => false;
        public override void StopInputs() { }
        public override void RequestWakeUp(TimeSpan after) => WakeUpAt = DateTime.UtcNow + after;
        public override void CancelWakeUp() => WakeUpAt = null;

        public override ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            Metrics.CountOut();
            _emitted.Add(new NodeOutput(output, item));
            return default;
        }

        public IReadOnlyList<NodeOutput> TakeEmitted()
        {
            if (_emitted.Count == 0) return [];
            var items = _emitted;
            _emitted = new List<NodeOutput>();
            return items;
        }
    }
}
