namespace MediaGraph;

/// <summary>
/// Keeps every n-th frame, starting with the first (frames 0, n, 2n …), as the ffmpeg CLI's
/// <c>-vf select='not(mod(n,N))'</c> does: libavfilter's select filter, so the frames kept and their timestamps
/// are the CLI's. Kept frames go out as they came (timestamps, duration and metadata unchanged); the others are
/// released at once. n = 1 keeps everything.
/// </summary>
public sealed class EveryNthNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "every_nth",
        Doc = "Keeps frames 0, n, 2n … (select='not(mod(n,N))').",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = [Parameter.Int("n", "Keep one frame in n, the first of each n.", required: true, min: 1)],
        Create = v => new EveryNthNode(v),
    };

    /// <summary>Keeps frames 0, <paramref name="n"/>, 2<paramref name="n"/> ….</summary>
    public EveryNthNode(int n) : this(new ParameterValues { ["n"] = n }) { }

    private EveryNthNode(ParameterValues values) : base(Descriptor, values) { }

    /// <summary>One frame in N is kept.</summary>
    public int N => Values.Get<int>("n");

    internal override string FilterDescription => $"select=expr=not(mod(n\\,{N}))";

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
}
