namespace MediaGraph;

/// <summary>What a <see cref="SetPtsNode"/> delegate sees of a frame: libavfilter setpts's variables.</summary>
/// <param name="Pts">The frame's timestamp (PTS), in <paramref name="TimeBase"/>.</param>
/// <param name="StartPts">The first frame's timestamp (STARTPTS).</param>
/// <param name="N">The frame's index, from 0 (N).</param>
/// <param name="TimeBase">The stream's time base (TB); the result is in it too.</param>
public readonly record struct PtsContext(long Pts, long StartPts, long N, Rational TimeBase)
{
    /// <summary>The frame's time in seconds (T).</summary>
    public double T => Timestamp.ToSeconds(Pts, TimeBase);
}

/// <summary>
/// Rewrites video timestamps. With an expression, libavfilter's <c>setpts</c> evaluates it for every frame exactly
/// as the ffmpeg CLI's <c>-vf setpts=EXPR</c> does ("PTS-STARTPTS" starts at 0, "0.5*PTS" plays twice as fast,
/// "N/(25*TB)" retimes to 25 fps); with a C# delegate, the node computes the new timestamp from a
/// <see cref="PtsContext"/> (the delegate form is not part of the JSON form). Frames go out in order, one per frame,
/// pixels untouched; the delegate form passes the frame itself on, metadata included (the expression form, through
/// libavfilter, carries metadata only where the timestamp is unchanged).
/// </summary>
public sealed class SetPtsNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "setpts",
        Doc = "Rewrites video timestamps with a setpts expression (\"PTS-STARTPTS\", \"0.5*PTS\").",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = [Parameter.String("expr", "libavfilter setpts expression (PTS, STARTPTS, N, T, TB, FRAME_RATE …).", required: true)],
        Create = v => new SetPtsNode(v, null),
    };

    /// <summary>Rewrites timestamps with the setpts <paramref name="expression"/>.</summary>
    public SetPtsNode(string expression) : this(new ParameterValues { ["expr"] = expression }, null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expression);
    }

    /// <summary>Rewrites timestamps with <paramref name="compute"/> (returns the new PTS, in the frame's time base).</summary>
    public SetPtsNode(Func<PtsContext, long> compute) : this(new ParameterValues { ["expr"] = "(delegate)" }, compute)
    {
        ArgumentNullException.ThrowIfNull(compute);
    }

    private SetPtsNode(ParameterValues values, Func<PtsContext, long>? compute) : base(Descriptor, values) => Compute = compute;

    /// <summary>The setpts expression ("(delegate)" for the delegate form).</summary>
    public string Expression => Values.Get<string>("expr");

    /// <summary>The delegate of the delegate form; null for an expression.</summary>
    public Func<PtsContext, long>? Compute { get; }

    internal override string? FilterDescription => Compute is null ? "setpts=expr=" + Escape(Expression) : null;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => Compute is { } compute ? new Delegated(compute) : FilterTransform.OnHost(FilterDescription!, FilterThreads.Automatic, Name, location, first);

    /// <summary>Commas and quotes inside an option value, escaped for a filter graph description.</summary>
    private static string Escape(string expression) => expression.Replace("\\", "\\\\").Replace(",", "\\,").Replace("'", "\\'").Replace(":", "\\:");

    /// <summary>The delegate form: the same frame, a new timestamp. Frame counter and start survive re-negotiation
    /// only within one format; a format change restarts them, as a new libavfilter graph would.</summary>
    private sealed class Delegated(Func<PtsContext, long> compute) : FrameTransform
    {
        private long _n;
        private long _start = Timestamp.None;

        public override void Transform(FrameBase input, TransformOutput output)
        {
            if (_start == Timestamp.None) _start = input.Pts;
            input.Pts = compute(new PtsContext(input.Pts, _start, _n++, input.TimeBase));
            output.Add(input);
        }
    }
}
