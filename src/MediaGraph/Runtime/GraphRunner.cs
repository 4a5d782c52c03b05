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
internal sealed class GraphRunner
{
    private readonly GraphOptions _options;
    private readonly ILogger? _logger;
    private readonly object _lock = new();
    private readonly List<Edge> _edges = new();
    private readonly Dictionary<Node, NodeRun> _runs = new();
    private readonly Dictionary<OutputPort, OutputPort> _remap = new();
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

    public GraphRunner(GraphOptions options)
    {
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger("MediaGraph");
        Metrics = new GraphMetrics();
    }

    public GraphMetrics Metrics { get; }
    public bool Finished { get; private set; }

    /// <summary>The first fault recorded so far (the exception <see cref="RunAsync"/> will throw).</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Runs <paramref name="nodes"/> (topological order) until every node, including nodes added later,
    /// has ended.</summary>
    /// <param name="nodes">The nodes to start with, in topological order.</param>
    /// <param name="remap">Outputs of blueprint nodes replaced for this run (a fused chain's last output), and the
    /// run node's output that stands for each.</param>
    /// <param name="cancellationToken">Stops the run: soft at once, hard after the cancel grace period.</param>
    public async Task<GraphMetrics> RunAsync(IReadOnlyList<Node> nodes, IReadOnlyDictionary<OutputPort, OutputPort>? remap, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Add(nodes, remap);
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
            Finished = true;
        }

        if (_fault is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_fault);
        cancellationToken.ThrowIfCancellationRequested();
        return Metrics;
    }

    /// <summary>Starts <paramref name="nodes"/> (topological order; their sources may be nodes already running,
    /// whose outputs then feed one more edge). Throws when the run is ending.</summary>
    public void Add(IReadOnlyList<Node> nodes, IReadOnlyDictionary<OutputPort, OutputPort>? remap)
    {
        var started = new List<NodeRun>();
        lock (_lock)
        {
            if (_closing) throw new InvalidOperationException("the run has ended; nothing can be added to it");
            if (remap is not null) foreach (var (from, to) in remap) _remap[from] = to;
            var metrics = new NodeMetrics[nodes.Count];
            for (var i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                metrics[i] = new NodeMetrics(node.Name, node.Kind, node.Roles);
                var run = new NodeRun(this, node, new RunNodeContext(this, node, metrics[i]));
                _runs.Add(node, run);
                started.Add(run);
            }
            foreach (var run in started)
                foreach (var input in run.Node.Inputs)
                {
                    var source = _remap.GetValueOrDefault(input.Source!, input.Source!);
                    var producer = _runs[source.Node].Context;
                    var consumer = run.Context;
                    var edge = new Edge(source, input, input.Capacity ?? _options.ChannelCapacity, consumer.InputWakeup, producer.OutputWakeup, consumer.Metrics);
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

    /// <summary>Soft stop now, hard stop after <paramref name="grace"/>.</summary>
    /// <remarks>Every request keeps its own deadline: a cancel after a fault still stops within the cancel's grace.
    /// The deadline's timer is cancelled when the run ends.</remarks>
    public void RequestStop(TimeSpan grace)
    {
        if (_hard.IsCancellationRequested) return;
        lock (_lock)
        {
            if (!_soft.IsCancellationRequested)
            {
                _soft.Cancel();
                foreach (var run in _runs.Values) run.Context.RequestStop();
            }
        }
        _ = HardStopAfterAsync(grace);
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
        _hard.Cancel();
        lock (_lock) foreach (var edge in _edges) edge.Abandon();
    }

    private void RecordFault(Node node, Exception exception)
    {
        var named = exception as MediaGraphException ?? new MediaGraphException(node.Name, exception.Message, inner: exception);
        named.AttachNode(node.Name);
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

    private async Task RunNodeAsync(Node node, RunNodeContext context)
    {
        NodeInstance? instance = null;
        var hard = _hard.Token;
        try
        {
            instance = node.CreateInstance();
            await context.Settle(instance.StartAsync(context, hard)).ConfigureAwait(false);
            if (node.Inputs.Count == 0)
                await context.Settle(instance.RunSourceAsync(context, hard)).ConfigureAwait(false);
            else
                await PumpAsync(instance, context, hard).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested || context.StopRequested.IsCancellationRequested)
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
                try { await context.Settle(instance.DisposeAsync()).ConfigureAwait(false); }
                catch (Exception e) { context.Metrics.CountError(); RecordFault(node, e); }
            }
            context.EndOfRun();
        }
    }

    /// <summary>
    /// Reads the inputs until all have ended, one item at a time, never re-entering the instance. With several
    /// inputs, reads first those the node wants (<see cref="NodeInstance.IsInputWanted"/>) and leaves the others'
    /// edges full, so backpressure holds their producers (a concat does not queue its second file while it plays
    /// the first). When nothing wanted is there and a producer waits on a full unwanted edge that shares an upstream
    /// node with a wanted input, one item is taken from it at once: that producer (one demuxer feeding both) may be
    /// what the wanted input waits for, and the graph must never deadlock. No polling: the node sleeps until an edge
    /// changes or its wake-up deadline (<see cref="NodeContext.RequestWakeUp"/>) passes. On a dedicated thread every
    /// wait blocks that thread, so this method never actually suspends there.
    /// </summary>
    private static async Task PumpAsync(NodeInstance instance, RunNodeContext context, CancellationToken hard)
    {
        var edges = context.Inputs;
        var count = edges.Length;
        var several = count > 1;
        var ended = new bool[count];
        var wanted = new bool[count];
        Array.Fill(wanted, true);
        var related = several ? SharedUpstream(edges) : null;
        var open = count;
        var relieve = -1;
        while (open > 0 && !context.InputsStopped)
        {
            if (context.WakeUpDue())
            {
                await context.WakeUpAsync(instance, hard).ConfigureAwait(false);
                continue;
            }
            if (several)
            {
                var anyWanted = false;
                for (var i = 0; i < count; i++) anyWanted |= wanted[i] = !ended[i] && instance.IsInputWanted(i);
                if (!anyWanted) for (var i = 0; i < count; i++) wanted[i] = !ended[i];
            }

            var progressed = false;
            for (var i = 0; i < count && !context.InputsStopped; i++)
            {
                if (ended[i]) continue;
                var edge = edges[i];
                if ((wanted[i] || relieve == i) && edge.TryRead(out var item))
                {
                    progressed = true;
                    relieve = -1;
                    await context.ProcessOneAsync(instance, i, item, hard).ConfigureAwait(false);
                }
                else if (edge.IsEnded)
                {
                    ended[i] = true;
                    open--;
                    progressed = true;
                    hard.ThrowIfCancellationRequested();
                    await context.Settle(instance.EndOfInputAsync(context, i, hard)).ConfigureAwait(false);
                }
            }
            if (progressed || open == 0) continue;
            if (several && (relieve = FindRelief(edges, ended, wanted, related!)) >= 0) continue;
            await context.WaitForInputAsync().ConfigureAwait(false);
        }
        hard.ThrowIfCancellationRequested();
        // Also after StopInputs: an encoder or muxer downstream of a reader that left still finalises.
        await context.FinishAsync(instance, hard).ConfigureAwait(false);
    }

    /// <summary>An unwanted input whose producer waits on it while that producer also feeds a wanted input (through
    /// a shared upstream node): reading it is what lets the wanted input fill. -1 when there is none.</summary>
    private static int FindRelief(Edge[] edges, bool[] ended, bool[] wanted, bool[,] related)
    {
        for (var i = 0; i < edges.Length; i++)
        {
            if (ended[i] || wanted[i] || !edges[i].WriterWaiting) continue;
            for (var w = 0; w < edges.Length; w++)
                if (wanted[w] && !ended[w] && related[i, w]) return i;
        }
        return -1;
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

    private sealed class RunNodeContext : NodeContext
    {
        [ThreadStatic] public static RunNodeContext? Current;

        private readonly GraphRunner _runner;
        private readonly CancellationTokenSource _stop = new();
        private Edge[][] _outputs;
        private readonly bool[] _outputClosed;
        private int _openOutputs;
        private long _blocked;
        private long _wakeUp = long.MaxValue;
        private bool _prepared;
        private MediaItem?[] _branches = [];
        private bool _ended;
        private Timer? _timer;

        public RunNodeContext(GraphRunner runner, Node node, NodeMetrics metrics)
            : base(node.Name, metrics, runner._logger, runner._pools)
        {
            _runner = runner;
            Inputs = new Edge[node.Inputs.Count];
            _outputs = new Edge[node.Outputs.Count][];
            for (var i = 0; i < _outputs.Length; i++) _outputs[i] = [];
            _outputClosed = new bool[node.Outputs.Count];
            var inputs = Inputs;
            metrics.SetQueueDepth(() => { var n = 0; foreach (var e in inputs) n += e?.Count ?? 0; return n; });
        }

        /// <summary>Set by every input edge on a write, an end, or a writer starting to wait.</summary>
        public Wakeup InputWakeup { get; } = new();
        /// <summary>Set by every output edge when it gets room, and when its consumer leaves.</summary>
        public Wakeup OutputWakeup { get; } = new();
        public Edge[] Inputs { get; }
        public bool InputsStopped { get; private set; }
        public override CancellationToken StopRequested => _stop.Token;
        public override bool IsOutputClosed(int output) => Volatile.Read(ref _outputClosed[output]);
        public override bool AllOutputsClosed => _outputs.Length > 0 && Volatile.Read(ref _openOutputs) == 0;


        public void SetInput(int index, Edge edge) => Inputs[index] = edge;

        /// <summary>True when the instance was made with output <paramref name="output"/> (a node may gain outputs in
        /// the blueprint later, which its running instance does not produce).</summary>
        public bool Produces(int output) => output < _outputs.Length;

        /// <summary>Counts the open outputs once the run's edges are made: an output nobody consumes is closed.</summary>
        public void Prepare()
        {
            _prepared = true;
            for (var i = 0; i < _outputs.Length; i++)
                if (_outputs[i].Length == 0) _outputClosed[i] = true;
            _openOutputs = _outputClosed.Count(c => !c);
        }

        /// <summary>Fires <see cref="StopRequested"/> (its callbacks only interrupt blocking reads).</summary>
        public void RequestStop() => _stop.Cancel();

        /// <summary>One more consumer of <paramref name="output"/> (a branch joining a running node).</summary>
        public void AddOutputEdge(int output, Edge edge)
        {
            lock (this)
            {
                _outputs[output] = [.. _outputs[output], edge];
                if (_prepared && _outputClosed[output])
                {
                    Volatile.Write(ref _outputClosed[output], false);
                    _openOutputs++;
                }
            }
        }

        /// <summary>A consumer of <paramref name="output"/> leaves (a branch removed while this node runs on).</summary>
        public void RemoveOutputEdge(int output, Edge edge)
        {
            lock (this) _outputs[output] = _outputs[output].Where(e => e != edge).ToArray();
            CloseOutputIfUnread(output);
        }

        public override void StopInputs()
        {
            InputsStopped = true;
            CloseInputs();
        }

        public void CloseInputs()
        {
            foreach (var e in Inputs) e?.Abandon();
        }

        public void CompleteOutputs()
        {
            Edge[][] outputs;
            lock (this) outputs = _outputs;
            foreach (var list in outputs)
                foreach (var e in list) e.Complete();
        }

        public override void RequestWakeUp(TimeSpan after)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(after, TimeSpan.Zero);
            var at = Stopwatch.GetTimestamp() + (long)(after.TotalSeconds * Stopwatch.Frequency);
            Volatile.Write(ref _wakeUp, at);
            InputWakeup.Set(); // a loop already asleep recomputes its deadline
        }

        public override void CancelWakeUp() => Volatile.Write(ref _wakeUp, long.MaxValue);

        /// <summary>The node ended: its wake-up timer (if any) goes with it.</summary>
        public void EndOfRun()
        {
            lock (this)
            {
                _ended = true;
                _timer?.Dispose();
                _timer = null;
            }
        }

        public long WakeUpDeadline => Volatile.Read(ref _wakeUp);

        public bool WakeUpDue()
        {
            var at = Volatile.Read(ref _wakeUp);
            return at != long.MaxValue && Stopwatch.GetTimestamp() >= at;
        }

        private bool Dedicated => Current == this;

        /// <summary>Waits for a node method that did not complete at once (a node awaiting its app, say): on the
        /// node's own thread by blocking it, so the loop stays there; elsewhere by awaiting. Node methods that only
        /// emit complete at once on a dedicated thread, because emitting waits by blocking.</summary>
        public ValueTask Settle(ValueTask task)
        {
            if (task.IsCompletedSuccessfully || !Dedicated) return task;
            task.AsTask().GetAwaiter().GetResult();
            return default;
        }

        /// <inheritdoc cref="Settle(ValueTask)"/>
        public ValueTask Settle(Task task)
        {
            if (task.IsCompletedSuccessfully) return default;
            if (!Dedicated) return new ValueTask(task);
            task.GetAwaiter().GetResult();
            return default;
        }

        /// <summary>Sleeps until an input edge changes or the wake-up deadline passes.</summary>
        public ValueTask WaitForInputAsync()
        {
            var deadline = WakeUpDeadline;
            if (Dedicated)
            {
                InputWakeup.Wait(deadline);
                return default;
            }
            if (deadline != long.MaxValue)
            {
                // A loop on the thread pool has no thread to block with a deadline: a one-shot timer wakes it (armed
                // at every wait, so a timer that fires a little early is armed again). The timer is the node's and
                // is disposed when the node ends.
                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                lock (this)
                {
                    if (!_ended)
                    {
                        _timer ??= new Timer(static state => ((Wakeup)state!).Set(), InputWakeup, Timeout.Infinite, Timeout.Infinite);
                        _timer.Change(left > TimeSpan.Zero ? left + TimeSpan.FromMilliseconds(1) : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                    }
                }
            }
            return InputWakeup.WaitAsync();
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask WakeUpAsync(NodeInstance instance, CancellationToken hard)
        {
            Volatile.Write(ref _wakeUp, long.MaxValue);
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            await Settle(instance.OnWakeUpAsync(this, hard)).ConfigureAwait(false);
            Metrics.AddBusy(Stopwatch.GetTimestamp() - start - _blocked);
            if (AllOutputsClosed) StopInputs();
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
                await Settle(instance.ProcessAsync(this, input, item, hard)).ConfigureAwait(false);
            }
            catch (MediaGraphException e) when (e.Position is null)
            {
                throw new MediaGraphException(NodeName, e.Cause, e.ErrorCode, item.DescribePosition(), e.InnerException);
            }
            Metrics.AddWork(Stopwatch.GetTimestamp() - start - _blocked);
            if (AllOutputsClosed) StopInputs(); // nobody downstream reads: tell upstream, so sources can end
        }

        /// <summary>Runs the node's flush, counting it as busy time.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public async ValueTask FinishAsync(NodeInstance instance, CancellationToken hard)
        {
            var start = Stopwatch.GetTimestamp();
            _blocked = 0;
            await Settle(instance.FinishAsync(this, hard)).ConfigureAwait(false);
            Metrics.AddBusy(Stopwatch.GetTimestamp() - start - _blocked);
        }

        public override ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken)
        {
            if (Volatile.Read(ref _outputClosed[output])) { item.Dispose(); return default; }
            Metrics.CountOut();
            var edges = Volatile.Read(ref _outputs[output]);
            if (edges.Length == 1)
            {
                var edge = edges[0];
                return edge.TryWrite(item) ? default : WriteWaitingAsync(output, edge, item);
            }
            if (edges.Length == 0) { item.Dispose(); return default; }
            return FanOutAsync(output, edges, item);
        }

        /// <summary>Waits until <paramref name="edge"/> has room or its consumer left. On the node's own thread the
        /// wait blocks that thread, so this completes before it returns.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask WriteWaitingAsync(int output, Edge edge, MediaItem item)
        {
            var start = Stopwatch.GetTimestamp();
            edge.BeginWaitingToWrite();
            try
            {
                while (!edge.TryWrite(item))
                {
                    if (edge.IsClosed)
                    {
                        item.Dispose();
                        CloseOutputIfUnread(output);
                        break;
                    }
                    await WaitForRoomAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                edge.EndWaitingToWrite();
                var waited = Stopwatch.GetTimestamp() - start;
                _blocked += waited;
                Metrics.AddBlocked(waited);
            }
        }

        private ValueTask WaitForRoomAsync()
        {
            if (!Dedicated) return OutputWakeup.WaitAsync();
            OutputWakeup.Wait();
            return default;
        }

        /// <summary>Fan-out: every open consumer gets an item of its own over the same buffers
        /// (<see cref="MediaItem.ShareForBranch"/>: no pixel copy), so one branch's <c>MakeWritable</c> and metadata
        /// never reach the other. The shares are made before the first write: once written, an item belongs to its
        /// consumer. (A node never emits twice at once, so one buffer of branches serves.)</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask FanOutAsync(int output, Edge[] edges, MediaItem item)
        {
            if (_branches.Length < edges.Length) _branches = new MediaItem?[edges.Length];
            var first = -1;
            for (var i = 0; i < edges.Length; i++)
            {
                if (edges[i].IsClosed) continue;
                if (first < 0) first = i;
                else _branches[i] = item.ShareForBranch();
            }
            if (first >= 0) _branches[first] = item;
            else item.Dispose();

            var closed = false;
            for (var i = 0; i < edges.Length; i++)
            {
                if (_branches[i] is not { } branch) { closed = true; continue; }
                _branches[i] = null;
                if (!edges[i].TryWrite(branch)) await WriteWaitingAsync(output, edges[i], branch).ConfigureAwait(false);
            }
            if (closed) CloseOutputIfUnread(output);
        }

        /// <summary>Marks <paramref name="output"/> closed once none of its consumers reads any more.</summary>
        private void CloseOutputIfUnread(int output)
        {
            lock (this)
            {
                if (_outputClosed[output] || _outputs[output].Any(e => !e.IsClosed)) return;
                Volatile.Write(ref _outputClosed[output], true);
                if (--_openOutputs == 0 && _outputs.Length > 0)
                    Logger.LogDebug("{Node}: every consumer is gone", NodeName);
            }
        }
    }
}
