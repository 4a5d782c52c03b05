namespace MediaGraph;

/// <summary>
/// A node's definition in a graph: its kind, typed inputs and outputs, and options. A definition is immutable once
/// built and allocates nothing that runs: each run asks it for a fresh <see cref="NodeInstance"/>, so one graph can
/// run many times.
/// </summary>
public abstract partial class Node
{
    private readonly List<InputPort> _inputs = new();
    private readonly List<OutputPort> _outputs = new();

    private string _name = "";

    /// <summary>Unique name in its graph ("decode0", "scale1"), used in errors, metrics and the DOT picture. Set it
    /// before adding the node to a graph to choose it; otherwise the graph names the node after its kind.</summary>
    public string Name
    {
        get => _name;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            if (InGraph) throw new InvalidOperationException($"node '{_name}' is already in a graph; name it before adding it");
            _name = value;
        }
    }

    internal bool InGraph { get; set; }

    /// <summary>The subgraph the node was added in ("logo"; "outer/inner" for a nested one), or null: a label for
    /// <c>ToDot()</c>'s clusters, the JSON form, metrics and messages. Set by the graph when the node is added.</summary>
    public string? SubgraphPath { get; internal set; }

    /// <summary>Renames a node already in a graph (the JSON reader names nodes after their ids).</summary>
    internal void Rename(string name) => _name = name;

    /// <summary>The node's kind, as in the JSON form ("decode", "scale", "encode"): its declaration's kind, or the
    /// class name for a node without one.</summary>
    public virtual string Kind => Declaration?.Kind ?? GetType().Name;

    public IReadOnlyList<InputPort> Inputs => _inputs;
    public IReadOnlyList<OutputPort> Outputs => _outputs;

    /// <summary>The options that define this node, for ToDot() and messages; derived from the declared parameters.</summary>
    public virtual IReadOnlyDictionary<string, string> DescribeOptions() => DescribeDeclared();

    /// <summary>True for a node that runs on the graph's device when it has one (GraphOptions.Device): the graph
    /// inserts uploads before it and downloads after it where host nodes meet it.</summary>
    internal virtual bool RunsOnDevice => false;

    /// <summary>True for an input of a device node that still takes host frames (an overlay picture, prepared on the
    /// host once per frame): the graph inserts no upload before it, and a download when its producer is on the device.</summary>
    internal virtual bool TakesHostFrames(int input) => false;

    /// <summary>True for a node that takes video frames where they live, host or device (an app sink asked to): the
    /// graph inserts neither an upload nor a download before it.</summary>
    internal virtual bool TakesFramesWhereTheyLive => false;

    /// <summary>An implicit node is made by the builder for the user (a decoder behind <c>input.Video</c>); it is
    /// left out of a run when nothing consumes it.</summary>
    internal virtual bool IsImplicit => false;

    /// <summary>True for nodes that end a path (encoders' muxers, app sinks): they need no consumer.</summary>
    internal virtual bool IsSink => _outputs.Count == 0;

    /// <summary>Where the node's loop runs. Default <see cref="NodeThreading.Dedicated"/>: a thread of its own, as
    /// every node that decodes, encodes, filters or reads needs (it blocks in native code, and on the shared thread
    /// pool it would starve other nodes, other graphs and the app).</summary>
    public virtual NodeThreading Threading => NodeThreading.Dedicated;

    /// <summary>What the node is to the run's metrics and progress (the runtime knows roles, never kinds). Default:
    /// <see cref="NodeRoles.Output"/> for a node without outputs, else none.</summary>
    public virtual NodeRoles Roles => IsSink ? NodeRoles.Output : NodeRoles.None;

    protected InputPort AddInput(MediaKind kind, string name)
    {
        var port = new InputPort(this, _inputs.Count, kind, name);
        _inputs.Add(port);
        return port;
    }

    protected OutputPort AddOutput(MediaKind kind, string name)
    {
        var port = new OutputPort(this, _outputs.Count, kind, name);
        _outputs.Add(port);
        return port;
    }

    /// <summary>Checks options and the world (files, codec names) before anything runs; reports every problem.</summary>
    protected internal virtual void Validate(ValidationContext context) { }

    /// <summary>Frees what <see cref="Validate"/> kept open for a run that did not use it.</summary>
    internal virtual void ReleasePrepared() { }

    /// <summary>Fresh per-run state.</summary>
    protected internal abstract NodeInstance CreateInstance();

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Kind})";
}

/// <summary>Where a node's loop runs.</summary>
public enum NodeThreading
{
    /// <summary>A thread of its own for the run: its waits (for input, for room downstream, for a wake-up
    /// deadline) block that thread. For nodes that do real work per item, above all in native code.</summary>
    Dedicated,
    /// <summary>The shared thread pool: its waits are awaits. Only for nodes whose work per item is short and never
    /// blocks (app-facing ends, routing, counting): hops between such nodes are cheaper than between threads.</summary>
    Shared,
}

/// <summary>What a node is to the run's metrics and progress, declared by the node.</summary>
[Flags]
public enum NodeRoles
{
    None = 0,
    /// <summary>Ends a path (a muxer, an app sink): the run's progress is the furthest position these reached.</summary>
    Output = 1,
    /// <summary>Decodes video: its frames out are the run's frame count when nothing encodes video.</summary>
    DecodesVideo = 2,
    /// <summary>Encodes video: its frames in are the run's frame count, as the ffmpeg CLI counts them.</summary>
    EncodesVideo = 4,
}

/// <summary>An output of a node; may feed several inputs (fan-out, no copy).</summary>
public sealed class OutputPort
{
    internal OutputPort(Node node, int index, MediaKind kind, string name)
    {
        Node = node;
        Index = index;
        Kind = kind;
        Name = name;
    }

    public Node Node { get; }
    public int Index { get; }
    public MediaKind Kind { get; }
    public string Name { get; }
    internal List<InputPort> Consumers { get; } = new();

    /// <summary>What each edge from this output does when its consumer falls behind: wait (default), keep only the
    /// latest item, or drop the oldest (<see cref="EdgePolicy"/>). Set by the producing node from its options (a live
    /// input's decoder, say); an input's own <see cref="InputPort.DropOldest"/> also makes its edge drop.</summary>
    public EdgePolicy Policy { get; set; }

    /// <summary>"scale1.video".</summary>
    public override string ToString() => $"{Node.Name}.{Name}";
}

/// <summary>An input of a node; connected to exactly one output.</summary>
public sealed class InputPort
{
    internal InputPort(Node node, int index, MediaKind kind, string name)
    {
        Node = node;
        Index = index;
        Kind = kind;
        Name = name;
    }

    public Node Node { get; }
    public int Index { get; }
    public MediaKind Kind { get; }
    public string Name { get; }
    public OutputPort? Source { get; internal set; }

    private int? _capacity;

    /// <summary>Capacity (items) of the edge into this input; null = <see cref="GraphOptions.ChannelCapacity"/>.
    /// Raise it where a reader must see several items before it can emit, lower it to bound memory (large frames).</summary>
    public int? Capacity
    {
        get => _capacity;
        set
        {
            if (value is { } v) ArgumentOutOfRangeException.ThrowIfNegativeOrZero(v, nameof(Capacity));
            _capacity = value;
        }
    }

    /// <summary>Drop the oldest queued item when the edge into this input is full, instead of making the producer
    /// wait (a live camera cannot be paused; the consumer always gets the latest frames). Dropped items go back to
    /// their pool and are counted in the consumer's <see cref="NodeMetrics.Dropped"/>. Default false: files never
    /// lose frames.</summary>
    public bool DropOldest { get; set; }

    public override string ToString() => $"{Node.Name}.{Name}";
}
