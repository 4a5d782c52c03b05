namespace MediaGraph;

public sealed partial class Graph
{
    private readonly SemaphoreSlim _branchGate = new(1, 1);
    private TaskCompletionSource<GraphRunner>? _started;
    private bool _buildingBranch;

    /// <summary>
    /// Adds a branch to the running graph without stopping it, as BMF's dynamic add and DeepStream's runtime source
    /// add do: <paramref name="build"/> adds nodes with the usual operators (a second camera's
    /// <see cref="Decode"/> with its processing and <see cref="Encode"/>, or a new output tapping a stream the graph
    /// already produces); the new nodes are validated as a graph would be (wiring, files, codecs; a tapped stream
    /// must be one the run produces), then started in the run. Nothing already running is touched: a tapped stream
    /// simply feeds one more edge. Waits for the run to start when <see cref="RunAsync"/> was just called. The
    /// branch's metrics join the run's. Stop it with <see cref="GraphBranch.RemoveAsync"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph is not running, or its run has ended.</exception>
    /// <exception cref="GraphValidationException">The branch is not valid; nothing of it was added.</exception>
    public async Task<GraphBranch> AddBranchAsync(Action<Graph> build, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (Volatile.Read(ref _runState) == 0 || _started is not { } started)
            throw new InvalidOperationException("the graph is not running: build the whole graph before RunAsync, or add a branch once RunAsync was called");
        var runner = await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _branchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var first = _nodes.Count;
            _buildingBranch = true;
            try
            {
                build(this);
            }
            catch
            {
                Forget(first);
                throw;
            }
            finally
            {
                _buildingBranch = false;
            }
            var added = _nodes.Skip(first).ToList();
            try
            {
                var (active, run, remap) = PlanBranch(added, runner);
                runner.Add(run, remap);
                return new GraphBranch(this, runner, active, run, added);
            }
            catch
            {
                Forget(first);
                throw;
            }
        }
        finally
        {
            _branchGate.Release();
        }
    }

    /// <summary>Validates a branch's nodes against the running graph and plans their run (fusing filters).</summary>
    private (List<Node> Active, IReadOnlyList<Node> Run, IReadOnlyDictionary<OutputPort, OutputPort>? Remap) PlanBranch(List<Node> added, GraphRunner runner)
    {
        var context = new ValidationContext { ForRun = true };
        var active = ActiveAmong(added);
        if (active.Count == 0) context.Problem("the branch is empty: add a source and an output (Decode, then Encode or Sink), or tap a running stream");
        CheckWiring(active, active, context, unavailable: source => runner.CanTap(source)
            ? null
            : $"'{source}' is not produced by the running graph (nothing consumed it when the run started); a branch can tap only streams the run produces");
        CheckOutputsAreNotInputs(ActiveNodes(), context);
        var ordered = TopologicalOrder(active, context);
        if (context.Problems.Count == 0)
            foreach (var node in ordered) node.Validate(context);
        if (context.Problems.Count > 0)
        {
            foreach (var node in ordered) node.ReleasePrepared();
            throw new GraphValidationException(context.Problems);
        }
        var (run, remap) = Options.FuseFilters ? FilterFusion.Apply(ordered) : (ordered, null);
        return (active, run, remap);
    }

    /// <summary>Takes the nodes added from index <paramref name="first"/> on out of the blueprint again.</summary>
    private void Forget(int first)
    {
        var removed = _nodes.Skip(first).ToList();
        Forget(removed);
    }

    /// <summary><see cref="Forget(IReadOnlyCollection{Node})"/> once no branch is being added.</summary>
    internal async Task ForgetAsync(IReadOnlyCollection<Node> nodes)
    {
        await _branchGate.WaitAsync().ConfigureAwait(false);
        try { Forget(nodes); }
        finally { _branchGate.Release(); }
    }

    /// <summary>Takes <paramref name="nodes"/> out of the blueprint: out of the node list and out of the consumers of
    /// the streams that fed them.</summary>
    private void Forget(IReadOnlyCollection<Node> nodes)
    {
        foreach (var node in nodes)
        {
            foreach (var input in node.Inputs)
                input.Source?.Consumers.Remove(input);
            _nodes.Remove(node);
            node.InGraph = false;
            node.ReleasePrepared();
        }
    }
}

/// <summary>
/// A part of a running graph added with <see cref="Graph.AddBranchAsync"/> (a camera that joined, an output that
/// taps a running stream).
/// </summary>
public sealed class GraphBranch
{
    private readonly Graph _graph;
    private readonly GraphRunner _runner;
    private readonly IReadOnlyList<Node> _run;
    private readonly IReadOnlyList<Node> _added;
    private Task? _removal;

    internal GraphBranch(Graph graph, GraphRunner runner, IReadOnlyList<Node> nodes, IReadOnlyList<Node> run, IReadOnlyList<Node> added)
    {
        _graph = graph;
        _runner = runner;
        Nodes = nodes;
        _run = run;
        _added = added;
    }

    /// <summary>The branch's nodes, as added (names as in the run's metrics, a fused chain under "a+b").</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>
    /// Takes the branch out of the running graph while the rest runs on (a camera leaves): its sources stop, the
    /// streams it tapped stop feeding it, and its nodes drain what they hold, so its encoders flush and its files are
    /// finalised. Completes when every node of the branch has ended; the nodes leave the graph's blueprint. The
    /// branch's metrics stay in the run's. Calling it again returns the same task.
    /// </summary>
    public Task RemoveAsync(CancellationToken cancellationToken = default)
    {
        lock (this) _removal ??= RemoveCoreAsync();
        return _removal.WaitAsync(cancellationToken);
    }

    private async Task RemoveCoreAsync()
    {
        await _runner.RemoveAsync(_run).ConfigureAwait(false);
        await _graph.ForgetAsync(_added).ConfigureAwait(false);
    }
}
