using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Runs any libavfilter graph description (BMF's ff_filter): one input per open input pad and one output per open
/// output pad, in order of appearance — "hflip", "[0][1]overlay=10:10", "concat=n=2:v=1:a=1", "amix=inputs=2",
/// "split[a][b]". The description is parsed when the node is made, so a typo fails at once with FFmpeg's message.
/// With one input and one output it runs as a transform (<see cref="TransformNode"/>'s behaviour: metadata carried
/// by pts, re-negotiation on a format change); with several it reads the inputs libavfilter asks for first. Emits
/// whatever the filters emit, in each output's time base; drains every filter at end of input.
/// </summary>
public class FilterNode : Node
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "filter",
        Doc = "Runs a libavfilter graph; its open input and output pads are the node's inputs and outputs, in order.",
        Parameters =
        [
            Parameter.String("graph", "The libavfilter graph description (\"hflip\", \"[0][1]overlay=10:10\").", required: true),
            Parameter.Int("threads", "Filter slice threads (0 = automatic: one per core, as the ffmpeg CLI's -filter_threads).", @default: FilterThreads.Automatic, min: 0),
        ],
        Create = v => new FilterNode(v),
    };

    /// <summary>A filter node running <paramref name="description"/> on <paramref name="threads"/> threads (0 =
    /// automatic). Throws a <see cref="MediaGraphException"/> with FFmpeg's message when it does not parse.</summary>
    public FilterNode(string description, int threads = FilterThreads.Automatic)
        : this(new ParameterValues { ["graph"] = description, ["threads"] = threads })
    {
    }

    private protected FilterNode(ParameterValues values) : base(Descriptor, values)
    {
        using var probe = new FilterGraph(Description, Threads, null);
        for (var i = 0; i < probe.InputCount; i++) AddInput(probe.InputKind(i), $"in{i}");
        for (var o = 0; o < probe.OutputCount; o++) AddOutput(probe.OutputKind(o), $"out{o}");
    }

    /// <summary>The libavfilter graph description.</summary>
    public string Description => Values.Get<string>("graph");
    /// <summary>libavfilter slice threads (0 = automatic, the default: one per core, as the ffmpeg CLI's
    /// -filter_threads; 1 keeps the filter on the node's own thread, for many small graphs sharing few cores).</summary>
    public int Threads => Values.Get<int>("threads");

    protected internal override NodeInstance CreateInstance() => Inputs.Count == 1 && Outputs.Count == 1
        ? new TransformInstance(this, (location, first) => FilterTransform.OnHost(Description, Threads, Name, location, first))
        : new FilterGraphInstance(this);
}
