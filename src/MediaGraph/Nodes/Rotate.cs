namespace MediaGraph;

/// <summary>
/// Turns each frame clockwise by 90, 180 or 270 degrees (90 and 270 swap width and height). Emits one frame per
/// frame, timestamps and metadata kept. On the CPU libavfilter's transpose (clock / cclock) or hflip+vflip; on a
/// device the remap kernel, bit-exact with them.
/// </summary>
public sealed class RotateNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "rotate",
        Doc = "Turns each frame clockwise by 90, 180 or 270 degrees.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Int("degrees", "Clockwise angle: 90, 180 or 270.", required: true, rule: d => d is 90 or 180 or 270 ? null : "it must be 90, 180 or 270"),
            DeviceOption.Declaration,
        ],
        Create = v => new RotateNode(v),
    };

    /// <summary>Turns clockwise by <paramref name="degrees"/> (90, 180 or 270).</summary>
    public RotateNode(int degrees) : this(new ParameterValues { ["degrees"] = degrees }) { }

    private RotateNode(ParameterValues values) : base(Descriptor, values) { }

    public int Degrees => Values.Get<int>("degrees");

    internal override string FilterDescription => Degrees switch
    {
        90 => "transpose=dir=clock",
        270 => "transpose=dir=cclock",
        _ => "hflip,vflip",
    };

    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Cuda) return FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
        var frame = (VideoFrame)first;
        return Degrees switch
        {
            90 => RemapCuda.Create(Name, frame, frame.Height, frame.Width, (_, _, h) => Kernels.RemapParams.Rotate90(h)),
            270 => RemapCuda.Create(Name, frame, frame.Height, frame.Width, (_, w, _) => Kernels.RemapParams.Rotate270(w)),
            _ => RemapCuda.Create(Name, frame, frame.Width, frame.Height, (_, w, h) => Kernels.RemapParams.Rotate180(w, h)),
        };
    }
}
