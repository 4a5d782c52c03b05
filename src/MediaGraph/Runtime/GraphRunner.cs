using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>
/// Runs a validated list of nodes: one loop per node on a thread of its own (nodes block in native code: decoders,
/// encoders and filters must never starve each other or the app of thread-pool threads), one bounded edge per
/// connection. Nodes may be added while it runs (<see cref="Add"/>) and parts of it stopped
/// (<see cref="RemoveAsync"/>). Stopping the whole run is in two steps: a soft stop (user cancellation, the first
/// fault, every consumer gone) asks sources to end, so everything downstream drains, flushes and finalises its
/// outputs; if that takes longer than the grace period, a hard stop abandons every edge and cancels every node. The
/// first fault is the one exception <see cref="RunAsync"/> throws. No timer or thread outlives the run.
/// </summary>
internal sealed partial class GraphRunner
{
    private readonly GraphOptions _options;
    private readonly FlightBudget _budget;
    private readonly ILogger? _logger;
    private readonly ILogger _ffmpegLogger;
    private readonly object _lock = new();
    private readonly List<Edge> _edges = new();
    private readonly Dictionary<Node, NodeRun> _runs = new();
    private readonly Dictionary<OutputPort, OutputPort> _remap = new();
    private readonly Dictionary<InputPort, OutputPort> _inputRemap = new();
    private readonly CancellationTokenSource _soft = new();
    private readonly CancellationTokenSource _hard = new();
    private readonly CancellationTokenSource _ended = new(); // cancels the progress ticker and pending hard-stop delays
    // Completed by the last node's thread, which then finalises the run itself: the end of a run never waits for a
    // thread-pool thread (an app that keeps the pool busy must not delay it).
    private readonly TaskCompletionSource _allEnded = new();
    private readonly RunPools _pools = new();
    private int _live;
    private bool _closing;
    private Exception? _fault;
    private readonly TraceRecorder? _trace;

    public GraphRunner(GraphOptions options, ComputeDevice? device = null)
    {
        _pools.Device = device;
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("MediaGraph");
        // FFmpeg's own lines, per node (Interop/NativeLog.cs): a category of their own so an app can set their level apart.
        _ffmpegLogger = options.LoggerFactory?.CreateLogger("MediaGraph.FFmpeg") ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _budget = new FlightBudget(options.MemoryBudget);
        Metrics = new GraphMetrics { Budget = _budget };
        // Opened now, so a trace path that cannot be written fails the run before the first frame moves.
        if (options.Trace is { } trace) _trace = new TraceRecorder(trace, trace.Open("trace"), device?.Device.ToString() ?? "cpu");
    }

    public GraphMetrics Metrics { get; }

    /// <summary>Completes when every node of the run has ended (never faults).</summary>
    public Task Completion => _allEnded.Task;

    /// <summary>Runs <paramref name="nodes"/> (topological order) until every node, including nodes added later,
    /// has ended.</summary>
    /// <param name="nodes">The nodes to start with, in topological order.</param>
    /// <param name="remap">Outputs of blueprint nodes replaced for this run (a fused chain's last output), and the
    /// run node's output that stands for each.</param>
    /// <param name="cancellationToken">Stops the run: soft at once, hard after the cancel grace period.</param>
    public async Task<GraphMetrics> RunAsync(IReadOnlyList<Node> nodes, IReadOnlyDictionary<OutputPort, OutputPort>? remap, CancellationToken cancellationToken)
        => await RunAsync(nodes, remap, null, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc cref="RunAsync(IReadOnlyList{Node}, IReadOnlyDictionary{OutputPort, OutputPort}?, CancellationToken)"/>
    public async Task<GraphMetrics> RunAsync(IReadOnlyList<Node> nodes, IReadOnlyDictionary<OutputPort, OutputPort>? remap,
        IReadOnlyDictionary<InputPort, OutputPort>? inputRemap, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        _logger?.LogInformation("run started: {Nodes}", string.Join(", ", nodes.Select(n => n.Name)));
        Add(nodes, remap, inputRemap);
        using var userStop = cancellationToken.Register(() => RequestStop(_options.CancelGracePeriod));
        var ticker = ReportProgressAsync(clock);
        try
        {
            await _allEnded.Task.ConfigureAwait(false);
        }
        finally
        {
            Metrics.Elapsed = clock.Elapsed;
            _ended.Cancel();
            await ticker.ConfigureAwait(false);
            lock (_lock) foreach (var edge in _edges) edge.Abandon();
            _pools.Dispose();
            Metrics.Unpublish();
            WriteTrace();
        }

        if (_logger?.IsEnabled(LogLevel.Information) == true)
            _logger.LogInformation("run {Outcome} after {Seconds:0.00} s\n{Summary}",
                _fault is not null ? "failed" : cancellationToken.IsCancellationRequested ? "aborted" : Metrics.Stopped ? "stopped (drained)" : "ended",
                Metrics.Elapsed.TotalSeconds, Metrics.Summary());
        if (_fault is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_fault);
        cancellationToken.ThrowIfCancellationRequested();
        return Metrics;
    }

    /// <summary>Starts <paramref name="nodes"/> (topological order; their sources may be nodes already running,
    /// whose outputs then feed one more edge). Throws when the run is ending.</summary>
    /// <param name="nodes">The nodes to start, in topological order.</param>
    /// <param name="remap">Outputs of blueprint nodes replaced for this run, and what stands for each.</param>
    /// <param name="inputRemap">Inputs that read another output in this run than their blueprint source (a
    /// consumer fed through an inserted upload or download).</param>
    public void Add(IReadOnlyList<Node> nodes, IReadOnlyDictionary<OutputPort, OutputPort>? remap, IReadOnlyDictionary<InputPort, OutputPort>? inputRemap = null)
    {
        var started = new List<NodeRun>();
        lock (_lock)
        {
            if (_closing) throw new InvalidOperationException("the run has ended; nothing can be added to it");
            if (remap is not null) foreach (var (from, to) in remap) _remap[from] = to;
            if (inputRemap is not null) foreach (var (from, to) in inputRemap) _inputRemap[from] = to;
            var metrics = new NodeMetrics[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                metrics[i] = new NodeMetrics(node.Name, node.Kind, node.Roles) { SubgraphPath = node.SubgraphPath };
                var run = new NodeRun(this, node, new RunNodeContext(this, node, metrics[i], _trace?.AddNode(node)));
                _runs.Add(node, run);
                started.Add(run);
            }
            foreach (var run in started)
                foreach (var input in run.Node.Inputs)
                {
                    var source = _inputRemap.GetValueOrDefault(input, input.Source!);
                    source = _remap.GetValueOrDefault(source, source);
                    var producer = _runs[source.Node].Context;
                    var consumer = run.Context;
                    var edge = new Edge(source, input, input.Capacity ?? _options.ChannelCapacity, consumer.InputWakeup, producer.OutputWakeup, consumer.Metrics, _budget, producer.Metrics)
                    {
                        TraceId = _trace?.AddEdge(source, input) ?? -1,
                    };
                    _edges.Add(edge);
                    consumer.SetInput(input.Index, edge);
                    producer.AddOutputEdge(source.Index, edge);
                }
            foreach (var run in started) run.Context.Prepare();
            Metrics.Add(metrics);
            _live += started.Count;
            if (_soft.IsCancellationRequested) foreach (var run in started) run.Context.RequestStop();
        }
        foreach (var run in started) run.Start();
    }

    /// <summary>Stops <paramref name="nodes"/> (a branch added earlier or a part of the first graph): their
    /// sources stop, their edges from nodes that keep running end as if those had ended, so they drain, flush and
    /// finalise their outputs. Completes when every one of them has ended.</summary>
    public Task RemoveAsync(IReadOnlyCollection<Node> nodes)
    {
        var tasks = new List<Task>();
        lock (_lock)
        {
            foreach (var node in nodes)
            {
                if (!_runs.TryGetValue(node, out var run)) continue;
                tasks.Add(run.Ended.Task);
                run.Context.RequestStop();
                foreach (var edge in run.Context.Inputs)
                {
                    if (edge is null || nodes.Contains(edge.From.Node)) continue;
                    if (_runs.TryGetValue(edge.From.Node, out var producer)) producer.Context.RemoveOutputEdge(edge.From.Index, edge);
                    edge.Detach();
                }
            }
        }
        return Task.WhenAll(tasks);
    }

    /// <summary>True when <paramref name="output"/> (a blueprint output; a fused chain's last output stands for its
    /// run node's) is produced by a node of this run that has not ended, so a node added now can consume it.</summary>
    public bool CanTap(OutputPort output)
    {
        lock (_lock)
        {
            var source = _remap.GetValueOrDefault(output, output);
            return !_closing && _runs.TryGetValue(source.Node, out var run) && !run.Ended.Task.IsCompleted && run.Context.Produces(source.Index);
        }
    }

    /// <summary>Writes the run's frame timeline (<see cref="GraphOptions.Trace"/>), once every node has ended. A
    /// failure to write is logged, never thrown: it must not hide how the run itself ended.</summary>
    private void WriteTrace()
    {
        if (_trace is null) return;
        try
        {
            _trace.Write();
            _logger?.LogInformation("trace: {Events} events written to {Where}{Dropped}", _trace.Trace.Events,
                _trace.Trace.Path ?? "the trace stream", _trace.Trace.Dropped > 0 ? $" ({_trace.Trace.Dropped} dropped: raise FrameTrace.MaxEventsPerNode)" : "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException or NotSupportedException)
        {
            _logger?.LogError(e, "trace: could not be written to {Where}: {Message}", _trace.Trace.Path ?? "the trace stream", e.Message);
        }
    }

    private async Task ReportProgressAsync(Stopwatch clock)
    {
        if (_options.Progress is not { } progress) return;
        try
        {
            while (true)
            {
                await Task.Delay(_options.ProgressInterval, _ended.Token).ConfigureAwait(false);
                Metrics.Elapsed = clock.Elapsed;
                progress.Report(GraphProgress.From(Metrics));
            }
        }
        catch (OperationCanceledException) { }
        Metrics.Elapsed = clock.Elapsed;
        progress.Report(GraphProgress.From(Metrics));
    }

    /// <summary>Soft stop now, hard stop after <paramref name="grace"/> (<see cref="Timeout.InfiniteTimeSpan"/>: never,
    /// a drain).</summary>
    /// <remarks>Every request keeps its own deadline: a cancel after a fault or a drain still stops within the cancel's
    /// grace. The deadline's timer is cancelled when the run ends.</remarks>
    public void RequestStop(TimeSpan grace)
    {
        if (_hard.IsCancellationRequested) return;
        lock (_lock)
        {
            if (!_soft.IsCancellationRequested)
            {
                if (grace == Timeout.InfiniteTimeSpan)
                    _logger?.LogInformation("stop requested: draining (sources stop; every frame already decoded is encoded)");
                else
                    _logger?.LogInformation("stop requested: sources stop; what is in flight has {Grace:0.0} s to finish before the run is aborted", grace.TotalSeconds);
                _soft.Cancel();
                foreach (var run in _runs.Values) run.Context.RequestStop();
            }
        }
        if (grace != Timeout.InfiniteTimeSpan) _ = HardStopAfterAsync(grace);
    }

    private async Task HardStopAfterAsync(TimeSpan grace)
    {
        try { await Task.Delay(grace, _ended.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { return; }
        HardStop();
    }

    private void HardStop()
    {
        if (_hard.IsCancellationRequested) return;
        _logger?.LogInformation("aborting: every edge is dropped; outputs are finalised with what they hold");
        _hard.Cancel();
        lock (_lock) foreach (var edge in _edges) edge.Abandon();
        _ = EndWithoutStragglersAsync();
    }

    /// <summary>How long, after an abort, the run waits for nodes other than its outputs once every output is
    /// finalised: a node inside a long native call (an encoder's frame at a slow preset, its close joining its
    /// threads) cannot be interrupted, and an abort must not wait for it.</summary>
    private static readonly TimeSpan StragglerWait = TimeSpan.FromMilliseconds(200);

    /// <summary>After an abort: once every output node (muxers, app sinks) has ended — its file finalised — and the
    /// others had <see cref="StragglerWait"/> more, the run ends without the nodes still inside native code. They end
    /// on their own threads when that call returns and free what they own then; whatever they emit is released at
    /// once (their edges are abandoned, the run's pools closed).</summary>
    private async Task EndWithoutStragglersAsync()
    {
        Task[] outputs;
        lock (_lock) outputs = _runs.Values.Where(r => r.Node.Roles.HasFlag(NodeRoles.Output)).Select(r => r.Ended.Task).ToArray();
        await Task.WhenAll(outputs).ConfigureAwait(false);
        await Task.WhenAny(_allEnded.Task, Task.Delay(StragglerWait, _ended.Token)).ConfigureAwait(false);
        string[] busy;
        lock (_lock)
        {
            if (_allEnded.Task.IsCompleted) return;
            _closing = true;
            busy = _runs.Values.Where(r => !r.Ended.Task.IsCompleted).Select(r => r.Node.Name).ToArray();
        }
        _logger?.LogWarning("aborted: {Nodes} still inside native code; the run ends without waiting for them (they free their resources when the call returns)", string.Join(", ", busy));
        _allEnded.TrySetResult();
    }

    private void RecordFault(Node node, Exception exception)
    {
        var named = exception as MediaGraphException ?? new MediaGraphException(node.Name, exception.Message, inner: exception);
        named.AttachNode(node.Name).AttachSubgraph(node.Name, node.SubgraphPath);
        if (Interlocked.CompareExchange(ref _fault, named, null) is null)
            _logger?.LogError(named, "{Node} failed: {Message}", node.Name, named.Message);
        RequestStop(_options.FaultGracePeriod);
    }

    private void NodeEnded(NodeRun run)
    {
        bool last;
        lock (_lock)
        {
            last = --_live == 0;
            if (last) _closing = true;
        }
        run.Ended.TrySetResult();
        if (last) _allEnded.TrySetResult();
    }

    /// <summary>One node's part of the run: its context, its thread and its end.</summary>
    private sealed class NodeRun(GraphRunner runner, Node node, RunNodeContext context)
    {
        public Node Node { get; } = node;
        public RunNodeContext Context { get; } = context;
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Start()
        {
            if (Node.Threading == NodeThreading.Shared)
            {
                _ = Task.Run(RunAsync);
                return;
            }
            var name = Node.Name.Length > 12 ? Node.Name[..12] : Node.Name;
            new Thread(static state => ((NodeRun)state!).RunOnThread()) { IsBackground = true, Name = $"mg:{name}" }.Start(this);
        }

        private void RunOnThread()
        {
            RunNodeContext.Current = Context;
            try
            {
                // Every wait of a dedicated node blocks its thread, so this completes before it returns.
                RunAsync().GetAwaiter().GetResult();
            }
            finally
            {
                RunNodeContext.Current = null;
            }
        }

        private async Task RunAsync()
        {
            try
            {
                await runner.RunNodeAsync(Node, Context).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // RunNodeAsync handles every fault of the node; anything here is the runtime's own and must not kill the process.
                runner.RecordFault(Node, e);
            }
            finally
            {
                runner.NodeEnded(this);
            }
        }
    }

}
