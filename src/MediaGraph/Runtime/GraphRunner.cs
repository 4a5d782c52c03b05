using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>
/// Runs a validated list of nodes: one loop per node, one bounded edge per connection. Stopping is in two steps:
/// a soft stop (user cancellation, the first fault, every consumer gone) asks sources to end, so everything
/// downstream drains, flushes and finalises its outputs; if that takes longer than the grace period, a hard stop
/// abandons every edge and cancels every node. The first fault is the one exception <see cref="RunAsync"/> throws.
/// </summary>
internal sealed class GraphRunner
{
    private readonly IReadOnlyList<Node> _nodes;
    private readonly GraphOptions _options;
    private readonly ILogger? _logger;
    private readonly List<Edge> _edges = new();
    private readonly CancellationTokenSource _soft = new();
    private readonly CancellationTokenSource _hard = new();
    private readonly RunPools _pools = new();
    private Exception? _fault;

    private readonly IReadOnlyDictionary<OutputPort, OutputPort> _remap;

    /// <param name="nodes">The nodes to run, in topological order.</param>
    /// <param name="options">Edge capacity, grace periods, logging, progress.</param>
    /// <param name="remap">Outputs of blueprint nodes replaced for this run (a fused chain's last output), and the
    /// run node's output that stands for each.</param>
    public GraphRunner(IReadOnlyList<Node> nodes, GraphOptions options, IReadOnlyDictionary<OutputPort, OutputPort>? remap = null)
    {
        _nodes = nodes;
        _remap = remap ?? new Dictionary<OutputPort, OutputPort>();
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("MediaGraph");
        Metrics = new GraphMetrics(nodes.Select(n => new NodeMetrics(n.Name, n.Kind)).ToArray());
    }

    public GraphMetrics Metrics { get; }
    public bool Finished { get; private set; }

    public async Task<GraphMetrics> RunAsync(CancellationToken cancellationToken)
    {
        var inputs = _nodes.ToDictionary(n => n, n => new Edge[n.Inputs.Count]);
        var outputs = _nodes.ToDictionary(n => n, n => n.Outputs.Select(_ => new List<Edge>()).ToArray());
        foreach (var node in _nodes)
            foreach (var input in node.Inputs)
            {
                var source = _remap.GetValueOrDefault(input.Source!, input.Source!);
                var edge = new Edge(source, input, input.Capacity ?? _options.ChannelCapacity);
                _edges.Add(edge);
                inputs[node][input.Index] = edge;
                outputs[source.Node][source.Index].Add(edge);
            }

        var clock = Stopwatch.StartNew();
        using var userStop = cancellationToken.Register(() => RequestStop(_options.CancelGracePeriod));
        var tasks = new Task[_nodes.Count];
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes[i];
            var context = new RunNodeContext(this, node, Metrics.Nodes[i], inputs[node], outputs[node]);
            tasks[i] = Task.Run(() => RunNodeAsync(node, context));
        }
        var ticker = ReportProgressAsync(clock);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        finally
        {
            Metrics.Elapsed = clock.Elapsed;
            _soft.Cancel();
            await ticker.ConfigureAwait(false);
            foreach (var edge in _edges) edge.Abandon();
            _pools.Dispose();
            Metrics.Unpublish();
            Finished = true;
        }

        if (_fault is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_fault);
        cancellationToken.ThrowIfCancellationRequested();
        return Metrics;
    }

    private async Task ReportProgressAsync(Stopwatch clock)
    {
        if (_options.Progress is not { } progress) return;
        try
        {
            while (!_soft.IsCancellationRequested)
            {
                await Task.Delay(_options.ProgressInterval, _soft.Token).ConfigureAwait(false);
                Metrics.Elapsed = clock.Elapsed;
                progress.Report(GraphProgress.From(Metrics));
            }
        }
        catch (OperationCanceledException) { }
        Metrics.Elapsed = clock.Elapsed;
        progress.Report(GraphProgress.From(Metrics));
    }

    /// <summary>Soft stop now, hard stop after <paramref name="grace"/>.</summary>
    /// <remarks>Every request keeps its own deadline: a cancel after a fault still stops within the cancel's grace.</remarks>
    private void RequestStop(TimeSpan grace)
    {
        if (_hard.IsCancellationRequested) return;
        if (!_soft.IsCancellationRequested) _soft.Cancel();
        _ = Task.Delay(grace).ContinueWith(_ => HardStop(), TaskScheduler.Default);
    }

    private void HardStop()
    {
        if (_hard.IsCancellationRequested) return;
        _hard.Cancel();
        foreach (var edge in _edges) edge.Abandon();
    }

    private void RecordFault(Node node, Exception exception)
    {
        var named = exception as MediaGraphException ?? new MediaGraphException(node.Name, exception.Message, inner: exception);
        named.AttachNode(node.Name);
        if (Interlocked.CompareExchange(ref _fault, named, null) is null)
            _logger?.LogError(named, "{Node} failed: {Message}", node.Name, named.Message);
        RequestStop(_options.FaultGracePeriod);
    }

    private async Task RunNodeAsync(Node node, RunNodeContext context)
    {
        NodeInstance? instance = null;
        var hard = _hard.Token;
        try
        {
            instance = node.CreateInstance();
            await instance.StartAsync(context, hard).ConfigureAwait(false);
            if (node.Inputs.Count == 0)
                await instance.RunSourceAsync(context, hard).ConfigureAwait(false);
            else
                await PumpAsync(instance, context, hard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested || _soft.IsCancellationRequested)
        {
            // Stopped: not a fault of this node.
        }
        catch (Exception e)
        {
            context.Metrics.CountError();
            RecordFault(node, e);
        }
        finally
        {
            context.CloseInputs();
            context.CompleteOutputs();
            if (instance is not null)
            {
                try { await instance.DisposeAsync().ConfigureAwait(false); }
                catch (Exception e) { context.Metrics.CountError(); RecordFault(node, e); }
            }
        }
    }

    /// <summary>Reads every input until all have ended; one item at a time, never re-entering the instance.</summary>
    private static async Task PumpAsync(NodeInstance instance, RunNodeContext context, CancellationToken hard)
    {
        var edges = context.Inputs;
        if (edges.Length == 1)
        {
            var reader = edges[0].Reader;
            while (!context.InputsStopped && await reader.WaitToReadAsync().ConfigureAwait(false))
                while (!context.InputsStopped && reader.TryRead(out var item))
                    await context.ProcessOneAsync(instance, 0, item, hard).ConfigureAwait(false);
            hard.ThrowIfCancellationRequested();
            if (!context.InputsStopped) await instance.EndOfInputAsync(context, 0, hard).ConfigureAwait(false);
        }
        else
        {
            await PumpSeveralAsync(instance, context, edges, hard).ConfigureAwait(false);
        }
        hard.ThrowIfCancellationRequested();
        // Also after StopInputs: an encoder or muxer downstream of a reader that left still finalises.
        await context.TimedAsync(() => instance.FinishAsync(context, hard)).ConfigureAwait(false);
    }

    /// <summary>
    /// Several inputs: read the inputs the node wants (<see cref="NodeInstance.IsInputWanted"/>) whenever they have
    /// data, so upstream never stalls on them; leave the others' edges full, so a concat does not queue its second
    /// file while it plays the first. If nothing wanted arrives for <see cref="ReliefDelay"/> while an unwanted input
    /// fed from the same source has data, take one item from it: the wanted input's producer may be waiting on that
    /// full edge (one demuxer feeding both), and the graph must never deadlock.
    /// </summary>
    private static async Task PumpSeveralAsync(NodeInstance instance, RunNodeContext context, Edge[] edges, CancellationToken hard)
    {
        var open = edges.Length;
        var ended = new bool[edges.Length];
        var wanted = new bool[edges.Length];
        var relief = false;
        var related = SharedUpstream(edges);
        var signal = new InputSignal();
        foreach (var edge in edges) edge.Signal = signal;
        while (open > 0 && !context.InputsStopped)
        {
            var anyWanted = false;
            for (var i = 0; i < edges.Length; i++) anyWanted |= wanted[i] = !ended[i] && instance.IsInputWanted(i);
            if (!anyWanted) for (var i = 0; i < edges.Length; i++) wanted[i] = !ended[i];

            var progressed = false;
            for (var i = 0; i < edges.Length && !context.InputsStopped; i++)
            {
                if (ended[i]) continue;
                var reader = edges[i].Reader;
                if ((wanted[i] || relief) && reader.TryRead(out var item))
                {
                    progressed = true;
                    relief = false;
                    await context.ProcessOneAsync(instance, i, item, hard).ConfigureAwait(false);
                }
                else if (reader.Completion.IsCompleted)
                {
                    ended[i] = true;
                    open--;
                    progressed = true;
                    hard.ThrowIfCancellationRequested();
                    await instance.EndOfInputAsync(context, i, hard).ConfigureAwait(false);
                }
            }
            if (progressed || open == 0) continue;

            // Nothing to do now: wait until an input gets an item or ends (the signal keeps a write that raced this look).
            var unwantedWaiting = false;
            for (var i = 0; i < edges.Length && !unwantedWaiting; i++)
            {
                if (ended[i] || wanted[i]) continue;
                // Only an input fed from the same source as a wanted one can hold that one back.
                for (var w = 0; w < edges.Length && !unwantedWaiting; w++)
                    unwantedWaiting = wanted[w] && related[i, w] && edges[i].Count > 0;
            }
            if (!unwantedWaiting)
            {
                await signal.WaitAsync().ConfigureAwait(false);
                continue;
            }
            var wake = signal.WaitAsync();
            if (wake.IsCompleted) continue;
            var woken = wake.AsTask();
            var delay = Task.Delay(ReliefDelay);
            if (await Task.WhenAny(woken, delay).ConfigureAwait(false) != delay) continue;
            relief = true;
            signal.Set(); // release our own pending wait, so the signal is idle again
            await woken.ConfigureAwait(false);
        }
    }

    /// <summary>Which inputs share an upstream node (one demuxer feeding both, a split): only those can block each other.</summary>
    private static bool[,] SharedUpstream(Edge[] edges)
    {
        static HashSet<Node> Upstream(Node node)
        {
            var seen = new HashSet<Node>();
            var stack = new Stack<Node>([node]);
            while (stack.TryPop(out var n))
                if (seen.Add(n))
                    foreach (var input in n.Inputs)
                        if (input.Source is { } source) stack.Push(source.Node);
            return seen;
        }
        var upstream = edges.Select(e => Upstream(e.From.Node)).ToArray();
        var related = new bool[edges.Length, edges.Length];
        for (var i = 0; i < edges.Length; i++)
            for (var j = 0; j < edges.Length; j++)
                related[i, j] = upstream[i].Overlaps(upstream[j]);
        return related;
    }

    /// <summary>How long a node with several inputs waits for a wanted one before it takes an unwanted item.</summary>
    private static readonly TimeSpan ReliefDelay = TimeSpan.FromMilliseconds(100);

    private sealed class RunNodeContext : NodeContext
    {
        private readonly GraphRunner _runner;
        private readonly List<Edge>[] _outputs;
        private readonly bool[] _outputClosed;
        private int _openOutputs;
        private long _blocked;

        public RunNodeContext(GraphRunner runner, Node node, NodeMetrics metrics, Edge[] inputs, List<Edge>[] outputs)
            : base(node.Name, metrics, runner._logger, runner._pools)
        {
            _runner = runner;
            Inputs = inputs;
            _outputs = outputs;
            _outputClosed = new bool[outputs.Length];
            _openOutputs = outputs.Length;
            for (var i = 0; i < outputs.Length; i++)
                if (outputs[i].Count == 0) { _outputClosed[i] = true; _openOutputs--; }
            metrics.SetQueueDepth(() => { var n = 0; foreach (var e in inputs) n += e.Count; return n; });
        }

        public Edge[] Inputs { get; }
        public bool InputsStopped { get; private set; }
        public override CancellationToken StopRequested => _runner._soft.Token;
        public override bool IsOutputClosed(int output) => _outputClosed[output];
        public override bool AllOutputsClosed => _outputs.Length > 0 && Volatile.Read(ref _openOutputs) == 0;

        public override void StopInputs()
        {
            InputsStopped = true;
            CloseInputs();
        }

        public void CloseInputs()
        {
            foreach (var e in Inputs) e.Abandon();
        }

        public void CompleteOutputs()
        {
            foreach (var list in _outputs)
                foreach (var e in list) e.Complete();
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask ProcessOneAsync(NodeInstance instance, int input, MediaItem item, CancellationToken hard)
        {
            Metrics.CountIn();
            Metrics.SetPosition(item);
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            try
            {
                await instance.ProcessAsync(this, input, item, hard).ConfigureAwait(false);
            }
            catch (MediaGraphException e) when (e.Position is null)
            {
                throw new MediaGraphException(NodeName, e.Cause, e.ErrorCode, item.DescribePosition(), e.InnerException);
            }
            Metrics.AddWork(Stopwatch.GetTimestamp() - start - _blocked);
            if (AllOutputsClosed) StopInputs(); // nobody downstream reads: tell upstream, so sources can end
        }

        public async ValueTask TimedAsync(Func<ValueTask> work)
        {
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            await work().ConfigureAwait(false);
            Metrics.AddBusy(Stopwatch.GetTimestamp() - start - _blocked);
        }

        public override ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            var edges = _outputs[output];
            if (_outputClosed[output]) { item.Dispose(); return default; }
            Metrics.CountOut();
            if (edges.Count == 1)
            {
                var write = edges[0].WriteAsync(item);
                if (write.IsCompletedSuccessfully)
                {
                    if (!write.Result) CloseOutput(output);
                    return default;
                }
                return AwaitWriteAsync(output, write);
            }
            return FanOutAsync(output, edges, item);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask AwaitWriteAsync(int output, ValueTask<bool> write)
        {
            var start = Stopwatch.GetTimestamp();
            var ok = await write.ConfigureAwait(false);
            var waited = Stopwatch.GetTimestamp() - start;
            _blocked += waited;
            Metrics.AddBlocked(waited);
            if (!ok) CloseOutput(output);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask FanOutAsync(int output, List<Edge> edges, MediaItem item)
        {
            item.AddRef(edges.Count - 1);
            var anyOpen = false;
            foreach (var edge in edges)
            {
                if (edge.IsClosed) { item.Dispose(); continue; }
                var write = edge.WriteAsync(item);
                bool ok;
                if (write.IsCompletedSuccessfully) ok = write.Result;
                else
                {
                    var start = Stopwatch.GetTimestamp();
                    ok = await write.ConfigureAwait(false);
                    var waited = Stopwatch.GetTimestamp() - start;
                    _blocked += waited;
                    Metrics.AddBlocked(waited);
                }
                anyOpen |= ok;
            }
            if (!anyOpen) CloseOutput(output);
        }

        private void CloseOutput(int output)
        {
            if (_outputs[output].Any(e => !e.IsClosed)) return;
            if (_outputClosed[output]) return;
            _outputClosed[output] = true;
            if (Interlocked.Decrement(ref _openOutputs) == 0 && _outputs.Length > 0)
                Logger.LogDebug("{Node}: every consumer is gone", NodeName);
        }
    }
}
