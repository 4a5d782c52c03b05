namespace MediaGraph;

/// <summary>What <see cref="OverlayNode"/> does once the overlay stream has ended (libavfilter overlay's
/// <c>eof_action</c>).</summary>
public enum OverlayEndAction
{
    /// <summary>Keep showing the overlay's last frame (the default; a still image shows for the whole window).</summary>
    Repeat,
    /// <summary>End the output when the overlay ends.</summary>
    EndAll,
    /// <summary>Pass the main picture through unchanged once the overlay's last frame has run its duration.</summary>
    Pass,
}

/// <summary>Options of <see cref="VideoStream.Overlay(VideoStream, int, int, TimeSpan?, TimeSpan?, OverlayOptions?)"/>
/// beyond the position and the time window.</summary>
public sealed record OverlayOptions
{
    /// <summary>Scale the overlay to this width (0 keeps its own; -1 keeps its aspect ratio with <see cref="Height"/>).</summary>
    public int Width { get; init; }
    /// <summary>Scale the overlay to this height (0 keeps its own; -1 keeps its aspect ratio with <see cref="Width"/>).</summary>
    public int Height { get; init; }
    /// <summary>How many more times the overlay clip plays after its first pass (-1: forever); its frames are kept
    /// in memory for the replays, as libavfilter's loop filter keeps them. Default 0.</summary>
    public int Loop { get; init; }
    /// <summary>What happens after the overlay's last frame (default: it stays).</summary>
    public OverlayEndAction EndAction { get; init; } = OverlayEndAction.Repeat;
    /// <summary>End the output when the overlay ends (libavfilter overlay's shortest=1).</summary>
    public bool Shortest { get; init; }
    /// <summary>Multiplies the overlay's alpha: 1 opaque as drawn, 0.5 half transparent (colorchannelmixer=aa=0.5).</summary>
    public double Opacity { get; init; } = 1;
    /// <summary>When x and y expressions are evaluated: per main frame (default) or once at the start (libavfilter
    /// overlay's eval).</summary>
    public OverlayEval Eval { get; init; }
    /// <summary>A position per main frame, from its time (overrides x and y): <c>t =&gt; ((int)(t.TotalSeconds * 100), 16)</c>.
    /// Not part of the JSON form.</summary>
    public Func<TimeSpan, (int X, int Y)>? Position { get; init; }
}

/// <summary>
/// Composites a second video stream — a clip, or a still image (a PNG with alpha, decoded as one frame that repeats)
/// — onto the main one, with libavfilter overlay's arithmetic (straight alpha, 8-bit YUV; an overlay without alpha is
/// opaque). Inputs: "main" and "overlay"; output: the main stream with the overlay drawn on, one frame per main
/// frame, the main frame's timing and metadata kept.
/// <para>Timing: the overlay's first frame is placed at <c>from</c> (its timestamps shifted, as
/// <c>setpts=PTS-STARTPTS+from/TB</c>); each main frame at time t takes the latest overlay frame at or before t
/// (libavfilter's framesync). Only main frames with from ≤ t &lt; from + duration are drawn on; every other main
/// frame is emitted as it came (the same frame, bit-exact). After the overlay's last frame: <see cref="OverlayEndAction"/>;
/// a clip loops <c>loop</c> more times first. The output ends with the main stream (libavfilter continues a shorter
/// main with its last frame while a longer overlay plays; here the overlay decorates the main, never extends it).</para>
/// <para>Position: x, y in main pixels (negative or partly outside is clipped; an overlay larger than the main picture is
/// clipped to it), rounded down to even on subsampled chroma as libavfilter does; or a function of the main frame's
/// time. x and y may be ffmpeg overlay expressions, parsed and evaluated by FFmpeg's own evaluator (libavutil/eval), so
/// they mean what they mean on the command line: variables main_w/W, main_h/H, overlay_w/w, overlay_h/h (after the
/// overlay's scaling), hsub, vsub, x, y, t (the main frame's time in seconds), n (main frames delivered so far,
/// counted as libavfilter counts them) and pos (always NaN: frames do not carry their byte position); eval=frame
/// (default) evaluates them per main frame drawn on, eval=init once; a NaN result leaves that frame undrawn, as the
/// overlay filter does. <c>x: "main_w-overlay_w-10"</c>, <c>y: "(main_h-overlay_h)/2"</c>,
/// <c>x: "if(gte(t,2), 10+t*50, NAN)"</c>. Size: the overlay is scaled first (swscale bicubic) when width or height is given.</para>
/// <para>Where: on host frames the overlay is converted once per overlay frame (libavfilter: scale, format=yuva*)
/// and blended in place with vectorised C#; on device frames the same prepared overlay is uploaded once per overlay
/// frame (counted) and an ILGPU kernel (<see cref="Kernels.OverlayKernels"/>) blends into a new device frame. The
/// overlay input always takes host frames. Main formats: yuv420p, yuvj420p, yuv422p, yuv444p, nv12.</para>
/// </summary>
public sealed class OverlayNode : Node
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "overlay",
        Doc = "Draws a second video stream or a still image (with alpha) onto the main one, at a position, size and time window.",
        Inputs = [new("main", MediaKind.Video), new("overlay", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Expression("x", "Left edge of the overlay in main pixels (may be negative): a number or an ffmpeg overlay expression (main_w-overlay_w-10; NAN: not drawn).", @default: "0"),
            Parameter.Expression("y", "Top edge of the overlay in main pixels (may be negative): a number or an ffmpeg overlay expression ((main_h-overlay_h)/2).", @default: "0"),
            Parameter.Int("width", "Scale the overlay to this width (0 keeps it; -1 keeps the aspect ratio).", @default: 0, min: -1),
            Parameter.Int("height", "Scale the overlay to this height (0 keeps it; -1 keeps the aspect ratio).", @default: 0, min: -1),
            Parameter.Double("from", "Seconds: where the overlay's first frame is placed and the window starts.", @default: 0, min: 0),
            Parameter.Double("duration", "Seconds the window lasts (absent: to the end).", min: 0),
            Parameter.Int("loop", "More passes of the overlay clip after the first (-1: forever).", @default: 0, min: -1),
            Parameter.Enum("eof_action", "After the overlay's last frame: repeat it, end the output, or pass the main picture.", OverlayEndAction.Repeat,
                ("repeat", OverlayEndAction.Repeat), ("endall", OverlayEndAction.EndAll), ("pass", OverlayEndAction.Pass)),
            Parameter.Bool("shortest", "End the output when the overlay ends."),
            Parameter.Double("opacity", "Multiplies the overlay's alpha (0 to 1).", @default: 1, min: 0, max: 1),
            DeviceOption.Declaration,
            Parameter.Enum("eval", "When x and y are evaluated: for every main frame, or once at the start.", OverlayEval.Frame,
                ("frame", OverlayEval.Frame), ("init", OverlayEval.Init)),
        ],
        Rule = v => v.Get<int>("width") == -1 && v.Get<int>("height") == -1 ? "at most one of 'width' and 'height' may be -1" : null,
        Create = v => new OverlayNode(v, null),
    };

    /// <summary>An overlay at (<paramref name="x"/>, <paramref name="y"/>) shown from <paramref name="from"/> for
    /// <paramref name="duration"/> (null: to the end).</summary>
    public OverlayNode(int x = 0, int y = 0, TimeSpan? from = null, TimeSpan? duration = null, OverlayOptions? options = null)
        : this(MakeValues(x.ToString(System.Globalization.CultureInfo.InvariantCulture), y.ToString(System.Globalization.CultureInfo.InvariantCulture),
            from, duration, options ?? new OverlayOptions()), options?.Position) { }

    /// <summary>An overlay placed by ffmpeg overlay expressions (<paramref name="x"/> <c>"main_w-overlay_w-10"</c>,
    /// <paramref name="y"/> <c>"(main_h-overlay_h)/2"</c>; see <see cref="OverlayNode"/>), shown from
    /// <paramref name="from"/> for <paramref name="duration"/> (null: to the end).</summary>
    public OverlayNode(string x, string y, TimeSpan? from = null, TimeSpan? duration = null, OverlayOptions? options = null)
        : this(MakeValues(x, y, from, duration, options ?? new OverlayOptions()), options?.Position) { }

    private OverlayNode(ParameterValues values, Func<TimeSpan, (int X, int Y)>? position) : base(Descriptor, values) => Position = position;

    private static ParameterValues MakeValues(string x, string y, TimeSpan? from, TimeSpan? duration, OverlayOptions o)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(x);
        ArgumentException.ThrowIfNullOrWhiteSpace(y);
        if (from < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(from), $"overlay: from {from} is negative");
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), $"overlay: duration {duration} is negative");
        var values = new ParameterValues
        {
            ["x"] = x, ["y"] = y, ["width"] = o.Width, ["height"] = o.Height,
            ["from"] = (from ?? TimeSpan.Zero).TotalSeconds, ["loop"] = o.Loop, ["eof_action"] = o.EndAction,
            ["shortest"] = o.Shortest, ["opacity"] = o.Opacity, ["eval"] = o.Eval,
        };
        if (duration is { } d) values["duration"] = d.TotalSeconds;
        return values;
    }

    /// <summary>The left edge: a number ("16") or an ffmpeg overlay expression ("main_w-overlay_w-10").</summary>
    public string X => Values.Get<string>("x");
    /// <summary>The top edge: a number ("16") or an ffmpeg overlay expression ("(main_h-overlay_h)/2").</summary>
    public string Y => Values.Get<string>("y");
    /// <summary>When <see cref="X"/> and <see cref="Y"/> are evaluated.</summary>
    public OverlayEval Eval => Values.Get<OverlayEval>("eval");
    /// <summary>The overlay's width after scaling (0: its own).</summary>
    public int Width => Values.Get<int>("width");
    /// <summary>The overlay's height after scaling (0: its own).</summary>
    public int Height => Values.Get<int>("height");
    /// <summary>Where the overlay starts and the window opens.</summary>
    public TimeSpan From => TimeSpan.FromSeconds(Values.Get<double>("from"));
    /// <summary>How long the window lasts; null: to the end.</summary>
    public TimeSpan? Duration => Values.Get<double?>("duration") is { } d ? TimeSpan.FromSeconds(d) : null;
    public int Loop => Values.Get<int>("loop");
    public OverlayEndAction EndAction => Values.Get<OverlayEndAction>("eof_action");
    public bool Shortest => Values.Get<bool>("shortest");
    public double Opacity => Values.Get<double>("opacity");
    /// <summary>The position as a function of the main frame's time; null: the <see cref="X"/> and <see cref="Y"/> expressions.</summary>
    public Func<TimeSpan, (int X, int Y)>? Position { get; }

    /// <summary>True when the "device" option is cpu.</summary>
    private bool PinnedToCpu => Values.Get<string?>("device") == "cpu";

    internal override bool RunsOnDevice => !PinnedToCpu;

    /// <summary>The overlay input is prepared on the host (converted once per overlay frame), wherever the node runs.</summary>
    internal override bool TakesHostFrames(int input) => input == 1;

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var described = new Dictionary<string, string>(base.DescribeOptions());
        if (Position is not null) described["position"] = "function of time";
        return described;
    }

    /// <summary>The x and y expressions are parsed by FFmpeg here, so a bad one fails validation naming the node, the
    /// expression and where FFmpeg stopped reading it.</summary>
    protected internal override void Validate(ValidationContext context)
    {
        if (Position is not null) return;
        foreach (var (name, text) in new[] { ("x", X), ("y", Y) })
            if (OverlayPosition.Check(text) is { } why)
                context.Problem(this, $"overlay {name} '{text}' is not a valid expression: {why} (variables: {string.Join(", ", OverlayPosition.Names)})");
    }

    protected internal override NodeInstance CreateInstance() => new OverlayInstance(this);
}
