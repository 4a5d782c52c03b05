using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// Cuts a rectangle out of each frame, as libavfilter's crop does (exact=0): for subsampled formats (4:2:0, 4:2:2)
/// the offsets and the size round down to whole chroma samples. Emits one frame per frame, timestamps and metadata
/// kept; re-negotiates when the input size changes; fails naming the node when the rectangle does not fit. On the
/// CPU libavfilter's crop (no copy: it moves the plane pointers); on a device the remap kernel, bit-exact with it.
/// </summary>
public sealed class CropNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "crop",
        Doc = "Cuts a rectangle (x, y, width, height) out of each frame.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Int("x", "Left edge of the rectangle.", 0, min: 0),
            Parameter.Int("y", "Top edge of the rectangle.", 0, min: 0),
            Parameter.Int("width", "Width of the rectangle.", required: true, min: 1),
            Parameter.Int("height", "Height of the rectangle.", required: true, min: 1),
            DeviceOption.Declaration,
        ],
        Create = v => new CropNode(v),
    };

    /// <summary>Keeps the <paramref name="width"/>×<paramref name="height"/> rectangle at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public CropNode(int x, int y, int width, int height)
        : this(new ParameterValues { ["x"] = x, ["y"] = y, ["width"] = width, ["height"] = height }) { }

    private CropNode(ParameterValues values) : base(Descriptor, values) { }

    public int X => Values.Get<int>("x");
    public int Y => Values.Get<int>("y");
    public int Width => Values.Get<int>("width");
    public int Height => Values.Get<int>("height");

    internal override string FilterDescription => $"crop=w={Width}:h={Height}:x={X}:y={Y}";

    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Cuda) return FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
        var frame = (VideoFrame)first;
        var (hsub, vsub) = DeviceOps.Subsampling(frame.Format);
        int Down(int v, int sub) => v & ~((1 << sub) - 1);
        int w = Down(Width, hsub), h = Down(Height, vsub), x = Down(X, hsub), y = Down(Y, vsub);
        if (x + w > frame.Width || y + h > frame.Height || w <= 0 || h <= 0)
            throw new MediaGraphException(Name, $"crop: the {w}x{h} rectangle at ({x}, {y}) does not fit in a {frame.Width}x{frame.Height} frame");
        return RemapCuda.Create(Name, frame, w, h, (plane, _, _) => plane is 1 or 2 && (hsub | vsub) != 0
            ? RemapParams.Crop(x >> hsub, y >> vsub)
            : RemapParams.Crop(x, y));
    }
}
