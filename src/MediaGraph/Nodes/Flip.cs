namespace MediaGraph;

/// <summary>Which way <see cref="FlipNode"/> mirrors.</summary>
public enum FlipDirection
{
    /// <summary>Left-right (libavfilter's hflip).</summary>
    Horizontal,
    /// <summary>Upside down (vflip).</summary>
    Vertical,
}

/// <summary>
/// Mirrors each frame left-right or upside down. Emits one frame per frame, timestamps and metadata kept. On the CPU
/// libavfilter's hflip / vflip; on a device the remap kernel, bit-exact with them.
/// </summary>
public sealed class FlipNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "flip",
        Doc = "Mirrors each frame horizontally or vertically.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Enum("direction", "horizontal (left-right) or vertical (upside down).", FlipDirection.Horizontal,
                ("horizontal", FlipDirection.Horizontal), ("vertical", FlipDirection.Vertical)),
            DeviceOption.Declaration,
        ],
        Create = v => new FlipNode(v),
    };

    /// <summary>Mirrors in <paramref name="direction"/>.</summary>
    public FlipNode(FlipDirection direction = FlipDirection.Horizontal) : this(new ParameterValues { ["direction"] = direction }) { }

    private FlipNode(ParameterValues values) : base(Descriptor, values) { }

    public FlipDirection Direction => Values.Get<FlipDirection>("direction");

    internal override string FilterDescription => Direction == FlipDirection.Horizontal ? "hflip" : "vflip";

    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Cuda) return FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
        var frame = (VideoFrame)first;
        return RemapCuda.Create(Name, frame, frame.Width, frame.Height, Direction == FlipDirection.Horizontal
            ? (_, w, _) => Kernels.RemapParams.HorizontalFlip(w)
            : (_, _, h) => Kernels.RemapParams.VerticalFlip(h));
    }
}
