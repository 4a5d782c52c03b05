using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Runs any libavfilter graph description (BMF's ff_filter): one input per open input pad and one output per open
/// output pad, in order of appearance — "hflip", "[0][1]overlay=10:10", "concat=n=2:v=1:a=1", "amix=inputs=2",
/// "split[a][b]". The description is parsed when the node is built, so a typo fails at once with FFmpeg's
/// message. Emits whatever the filters emit, in each output's time base; drains every filter at end of input.
/// </summary>
public class FilterNode : Node
{
    internal FilterNode(string description, IReadOnlyList<OutputPort> inputs, int threads = 1)
        : this(description, inputs, threads, register: true)
    {
    }

    /// <param name="description">The libavfilter graph description.</param>
    /// <param name="inputs">The streams feeding its open input pads, in order.</param>
    /// <param name="threads">Filter threads (0 = automatic).</param>
    /// <param name="register">False for a run-only node (a fused chain): its inputs point at their sources
    /// without becoming consumers in the blueprint.</param>
    private protected FilterNode(string description, IReadOnlyList<OutputPort> inputs, int threads, bool register)
    {
        Description = description;
        Threads = threads;
        using var probe = new FilterGraph(description, threads, null);
        if (probe.InputCount != inputs.Count)
            throw new ArgumentException($"filter graph '{description}' has {probe.InputCount} open input(s) but was given {inputs.Count} stream(s)");
        for (var i = 0; i < inputs.Count; i++)
        {
            var kind = probe.InputKind(i);
            if (kind != inputs[i].Kind)
                throw new ArgumentException($"input {i} of filter graph '{description}' takes {kind.ToString().ToLowerInvariant()}, but stream '{inputs[i]}' is {inputs[i].Kind.ToString().ToLowerInvariant()}");
            var port = AddInput(kind, $"in{i}");
            port.Source = inputs[i];
            if (register) inputs[i].Consumers.Add(port);
        }
        for (var o = 0; o < probe.OutputCount; o++) AddOutput(probe.OutputKind(o), $"out{o}");
    }

    /// <summary>The libavfilter graph description.</summary>
    public string Description { get; }
    /// <summary>Filter threads (0 = automatic). Default 1: every node already runs on its own thread, and more
    /// threads per filter only oversubscribe the cores a pipeline shares.</summary>
    public int Threads { get; }
    public override string Kind => "filter";

    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string> { ["graph"] = Description };

    protected internal override NodeInstance CreateInstance() => new FilterGraphInstance(this);
}
