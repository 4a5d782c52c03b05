namespace MediaGraph;

/// <summary>
/// Deinterlaces video with libavfilter's yadif or bwdif. In <see cref="DeinterlaceMode.SendFrame"/> mode emits one
/// frame per input frame (same rate); in <see cref="DeinterlaceMode.SendField"/> one per field (double rate, time
/// base halved by the filter). Both filters look one frame ahead, so output lags input by a frame; the last frame
/// comes out when the input ends.
/// </summary>
public sealed class DeinterlaceNode : FilterNode
{
    internal DeinterlaceNode(OutputPort input, DeinterlaceOptions options)
        : base(Build(options), [input])
    {
        Options = options;
    }

    public DeinterlaceOptions Options { get; }
    public override string Kind => "deinterlace";

    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string>
    {
        ["method"] = Options.Method.ToString().ToLowerInvariant(),
        ["mode"] = Options.Mode == DeinterlaceMode.SendFrame ? "send_frame" : "send_field",
        ["parity"] = Options.Parity switch { FieldParity.TopFieldFirst => "tff", FieldParity.BottomFieldFirst => "bff", _ => "auto" },
        ["deint"] = Options.OnlyInterlacedFrames ? "interlaced" : "all",
    };

    private static string Build(DeinterlaceOptions o)
    {
        var filter = o.Method == DeinterlaceMethod.Yadif ? "yadif" : "bwdif";
        var mode = o.Mode == DeinterlaceMode.SendFrame ? "send_frame" : "send_field";
        var parity = o.Parity switch { FieldParity.TopFieldFirst => "tff", FieldParity.BottomFieldFirst => "bff", _ => "auto" };
        var deint = o.OnlyInterlacedFrames ? "interlaced" : "all";
        return $"{filter}=mode={mode}:parity={parity}:deint={deint}";
    }
}
