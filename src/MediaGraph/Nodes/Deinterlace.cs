namespace MediaGraph;

/// <summary>
/// Deinterlaces video with libavfilter's yadif or bwdif. In <see cref="DeinterlaceMode.SendFrame"/> mode emits one
/// frame per input frame (same rate); in <see cref="DeinterlaceMode.SendField"/> one per field (double rate, time
/// base halved by the filter). Both filters look one frame ahead, so output lags input by a frame; the last frame
/// comes out when the input ends. Each output frame carries the metadata of the input frame it was made from.
/// </summary>
public sealed class DeinterlaceNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "deinterlace",
        Doc = "Deinterlaces video with yadif or bwdif.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Enum("method", "The filter: yadif, or bwdif (sharper motion, a little slower).", DeinterlaceMethod.Yadif,
                ("yadif", DeinterlaceMethod.Yadif), ("bwdif", DeinterlaceMethod.Bwdif)),
            Parameter.Enum("mode", "One frame per frame (send_frame) or per field (send_field, double rate).", DeinterlaceMode.SendFrame,
                ("send_frame", DeinterlaceMode.SendFrame), ("send_field", DeinterlaceMode.SendField)),
            Parameter.Enum("parity", "Which field comes first; auto reads it from the frames.", FieldParity.Auto,
                ("auto", FieldParity.Auto), ("tff", FieldParity.TopFieldFirst), ("bff", FieldParity.BottomFieldFirst)),
            Parameter.Bool("onlyInterlacedFrames", "Deinterlace only frames flagged interlaced (true) or all frames (false)."),
            DeviceOption.Declaration,
        ],
        Create = v => new DeinterlaceNode(v),
    };

    /// <summary>Deinterlaces with <paramref name="options"/> (yadif, one frame per frame, by default).</summary>
    public DeinterlaceNode(DeinterlaceOptions? options = null) : this(ValuesOf(options ?? new DeinterlaceOptions())) { }

    private DeinterlaceNode(ParameterValues values) : base(Descriptor, values) { }

    private static ParameterValues ValuesOf(DeinterlaceOptions o) => new()
    {
        ["method"] = o.Method, ["mode"] = o.Mode, ["parity"] = o.Parity, ["onlyInterlacedFrames"] = o.OnlyInterlacedFrames,
    };

    public DeinterlaceOptions Options => new()
    {
        Method = Values.Get<DeinterlaceMethod>("method"),
        Mode = Values.Get<DeinterlaceMode>("mode"),
        Parity = Values.Get<FieldParity>("parity"),
        OnlyInterlacedFrames = Values.Get<bool>("onlyInterlacedFrames"),
    };

    internal override string FilterDescription
    {
        get
        {
            string Choice(string parameter) => Descriptor.Find(parameter)!.NameOf(Values[parameter]!)!;
            return $"{Choice("method")}=mode={Choice("mode")}:parity={Choice("parity")}:deint={(Options.OnlyInterlacedFrames ? "interlaced" : "all")}";
        }
    }

    /// <summary>yadif on a device (<see cref="GraphOptions.Device"/>) with an ILGPU kernel, bit-exact with libavfilter's.</summary>
    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => location == FrameLocation.Cuda
            ? DeinterlaceCuda.Create(this, (VideoFrame)first)
            : FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
}
