namespace MediaGraph;

/// <summary>
/// Scales video with swscale (through libavfilter's scale filter) to a size, optionally converting the pixel
/// format. A width or height of -1 keeps the aspect ratio (-2 also keeps it even). Emits one frame per frame, as it
/// arrives, with the same timestamps and metadata; re-negotiates when the input size or format changes.
/// Supported formats: every format swscale reads and writes (yuv420p, yuv422p, yuv444p, nv12, rgb24, bgra, 10-bit ...),
/// on host frames; on a device (<see cref="GraphOptions.Device"/>) the scale kernel does bilinear, bicubic and area
/// for 8-bit YUV, nv12, gray and packed RGB within 45 dB of swscale (see <c>Scale.Cuda.cs</c>).
/// </summary>
public sealed class ScaleNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "scale",
        Doc = "Scales video with swscale to a size, optionally converting the pixel format.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Int("width", "Output width; -1 keeps the aspect ratio, -2 also keeps it even.", required: true, rule: Size),
            Parameter.Int("height", "Output height; -1 keeps the aspect ratio, -2 also keeps it even.", required: true, rule: Size),
            Parameter.Enum("algorithm", "swscale's interpolation.", ScaleAlgorithm.Bicubic,
                ("bilinear", ScaleAlgorithm.Bilinear), ("bicubic", ScaleAlgorithm.Bicubic), ("area", ScaleAlgorithm.Area),
                ("lanczos", ScaleAlgorithm.Lanczos), ("neighbor", ScaleAlgorithm.Neighbor), ("fast_bilinear", ScaleAlgorithm.FastBilinear)),
            Parameter.String("pixelFormat", "Output pixel format (\"yuv420p\", \"rgb24\"); absent keeps the input's."),
            Parameter.Bool("pad", "Keep the aspect ratio: fit inside width x height and pad the rest black, centred (letterbox)."),
            DeviceOption.Declaration,
        ],
        Rule = v => v.Get<int>("width") < 0 && v.Get<int>("height") < 0 ? "at most one of 'width' and 'height' may be -1 / -2"
            : v.Get<bool>("pad") && (v.Get<int>("width") < 0 || v.Get<int>("height") < 0) ? "'pad' needs both 'width' and 'height'" : null,
        Create = v => new ScaleNode(v),
    };

    private static string? Size(int value) => value == 0 || value < -2 ? "it must be positive, or -1 / -2 to keep the aspect ratio (-2 keeps it even)" : null;

    /// <summary>Scales to <paramref name="width"/>×<paramref name="height"/>.</summary>
    /// <param name="width">Output width; -1 / -2 keep the aspect ratio.</param>
    /// <param name="height">Output height; -1 / -2 keep the aspect ratio.</param>
    /// <param name="algorithm">swscale's interpolation.</param>
    /// <param name="pixelFormat">Output pixel format; null keeps the input's.</param>
    /// <param name="pad">Letterbox: fit inside the size keeping the aspect ratio, centred, the rest black.</param>
    public ScaleNode(int width, int height, ScaleAlgorithm algorithm = ScaleAlgorithm.Bicubic, string? pixelFormat = null, bool pad = false)
        : this(new ParameterValues { ["width"] = width, ["height"] = height, ["algorithm"] = algorithm, ["pixelFormat"] = pixelFormat, ["pad"] = pad })
    {
    }

    private ScaleNode(ParameterValues values) : base(Descriptor, values) { }

    public int Width => Values.Get<int>("width");
    public int Height => Values.Get<int>("height");
    public ScaleAlgorithm Algorithm => Values.Get<ScaleAlgorithm>("algorithm");
    public string? PixelFormat => Values.Get<string?>("pixelFormat");
    public bool Pad => Values.Get<bool>("pad");

    internal override string FilterDescription
    {
        get
        {
            var text = $"scale=w={Width}:h={Height}:flags={Descriptor.Find("algorithm")!.NameOf(Algorithm)}";
            if (Pad) text += $":force_original_aspect_ratio=decrease,pad=w={Width}:h={Height}:x=(ow-iw)/2:y=(oh-ih)/2:color=black";
            return PixelFormat is null ? text : $"{text},format=pix_fmts={PixelFormat}";
        }
    }

    /// <summary>Bilinear, bicubic and area scale on a device (<see cref="GraphOptions.Device"/>) with an ILGPU kernel.</summary>
    protected internal override bool HasDeviceImplementation => true;

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => location == FrameLocation.Cuda
            ? ScaleCuda.Create(this, (VideoFrame)first)
            : FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
}
