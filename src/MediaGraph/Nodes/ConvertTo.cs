using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>The YUV matrix of a colour conversion.</summary>
public enum YuvMatrix
{
    /// <summary>The frame's own (its colour metadata; BT.601 when unspecified, as swscale).</summary>
    Auto,
    /// <summary>ITU-R BT.601 (SD).</summary>
    Bt601,
    /// <summary>ITU-R BT.709 (HD).</summary>
    Bt709,
}

/// <summary>The YUV range of a colour conversion.</summary>
public enum YuvRange
{
    /// <summary>The frame's own (limited when unspecified, as swscale).</summary>
    Auto,
    /// <summary>Limited ("tv", 16..235 luma).</summary>
    Limited,
    /// <summary>Full ("pc", JPEG, 0..255).</summary>
    Full,
}

/// <summary>
/// Converts the pixel format: YUV 4:2:0 (yuv420p, nv12) to packed RGB (rgb24, bgr24, rgba, bgra) and back, with the
/// matrix and range the frame's colour metadata gives (or the ones chosen), 4:2:0 chroma interpolated to every
/// pixel (and reduced back with swscale's bilinear filter). Emits one frame per frame, timestamps and metadata kept;
/// a YUV output is tagged with its matrix and range. On the CPU swscale (libavfilter's scale with
/// <c>flags=bilinear+full_chroma_int+full_chroma_inp+accurate_rnd</c>, which converts any format swscale knows); on
/// a device the colour kernels, within 45 dB of it.
/// </summary>
public sealed class ConvertToNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "convert",
        Doc = "Converts the pixel format (YUV <-> RGB with BT.601/709, limited/full range).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.String("pixelFormat", "Output pixel format (rgb24, bgr24, rgba, bgra, yuv420p, nv12 ...).", required: true),
            Parameter.Enum("matrix", "YUV matrix: auto (the frame's), bt601 or bt709.", YuvMatrix.Auto,
                ("auto", YuvMatrix.Auto), ("bt601", YuvMatrix.Bt601), ("bt709", YuvMatrix.Bt709)),
            Parameter.Enum("range", "YUV range: auto (the frame's), limited or full.", YuvRange.Auto,
                ("auto", YuvRange.Auto), ("limited", YuvRange.Limited), ("full", YuvRange.Full)),
            DeviceOption.Declaration,
        ],
        Create = v => new ConvertToNode(v),
    };

    /// <summary>Converts to <paramref name="pixelFormat"/>.</summary>
    public ConvertToNode(string pixelFormat, YuvMatrix matrix = YuvMatrix.Auto, YuvRange range = YuvRange.Auto)
        : this(new ParameterValues { ["pixelFormat"] = pixelFormat, ["matrix"] = matrix, ["range"] = range }) { }

    private ConvertToNode(ParameterValues values) : base(Descriptor, values) { }

    public string PixelFormat => Values.Get<string>("pixelFormat");
    public YuvMatrix Matrix => Values.Get<YuvMatrix>("matrix");
    public YuvRange Range => Values.Get<YuvRange>("range");

    protected internal override bool HasDeviceImplementation => true;

    /// <summary>swscale's description for input like <paramref name="first"/>.</summary>
    internal string Description(VideoFrame first)
    {
        var toRgb = DeviceOps.Channels(MediaGraph.PixelFormat.FromName(PixelFormat), 0) >= 3;
        var side = toRgb ? "in" : "out";
        var options = "";
        if (Matrix != YuvMatrix.Auto) options += $":{side}_color_matrix={(Matrix == YuvMatrix.Bt709 ? "bt709" : "bt601")}";
        if (Range != YuvRange.Auto) options += $":{side}_range={(Range == YuvRange.Full ? "pc" : "tv")}";
        return $"scale=flags=bilinear+full_chroma_int+full_chroma_inp+accurate_rnd{options},format=pix_fmts={PixelFormat}";
    }

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        var frame = (VideoFrame)first;
        if (location != FrameLocation.Cuda) return FilterTransform.OnHost(Description(frame), FilterThreads.Automatic, Name, location, first);
        if (frame.Device is null) return null;
        var target = MediaGraph.PixelFormat.FromName(PixelFormat);
        var (space, range) = frame.Color;
        var bt709 = Matrix == YuvMatrix.Bt709 || (Matrix == YuvMatrix.Auto && space == 1);
        var full = Range == YuvRange.Full || (Range == YuvRange.Auto && (range == 2 || frame.Format.Name == "yuvj420p"));
        if (target == frame.Format) return PassThrough.Instance;
        return new ConvertCuda(target, bt709, full, Name);
    }

    private sealed class ConvertCuda(PixelFormat target, bool bt709, bool full, string node) : FrameTransform
    {
        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            var result = output.RentDeviceFrame(frame.Device!, target, frame.Width, frame.Height, frame);
            try
            {
                DeviceOps.Convert(frame, result, bt709, full, output.StreamOn(frame.Device!));
                if (DeviceOps.Channels(target, 0) < 3) result.SetColor(bt709 ? 1 : 6, full ? 2 : 1);
            }
            catch (NotSupportedException e)
            {
                result.Dispose();
                throw new MediaGraphException(node, $"convert: {e.Message}; set the node's \"device\" option to cpu for swscale's conversions");
            }
            catch
            {
                result.Dispose();
                throw;
            }
            output.Add(result);
        }
    }
}
