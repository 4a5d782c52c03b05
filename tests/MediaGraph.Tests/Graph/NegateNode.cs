namespace MediaGraph.Tests.Graph;

/// <summary>
/// A node kind a user would write, all in this one file and nothing in the library changed for it: inverts the
/// picture like ffmpeg's negate filter (every 8-bit plane v → 255 - v), or only its luma, blended with the input by
/// <see cref="Mix"/>. Host frames in 8-bit planar YUV or gray; anything else is refused when the first frame
/// arrives. Register it (<c>NodeRegistry.Register(NegateNode.Descriptor)</c>) and the JSON form builds it.
/// </summary>
public sealed class NegateNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "negate",
        Doc = "Inverts the picture (v → 255 - v), like ffmpeg's negate filter.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.Choice("planes", "Which planes to invert: all, or luma only.", "all", "all", "luma"),
            Parameter.Double("mix", "0 keeps the input, 1 inverts it fully.", @default: 1, min: 0, max: 1),
        ],
        Create = values => new NegateNode(values),
    };

    public NegateNode(string planes = "all", double mix = 1) : this(new ParameterValues { ["planes"] = planes, ["mix"] = mix }) { }

    private NegateNode(ParameterValues values) : base(Descriptor, values) { }

    public string Planes => Values.Get<string>("planes");
    public double Mix => Values.Get<double>("mix");

    private static readonly string[] Formats = ["yuv420p", "yuv422p", "yuv444p", "yuvj420p", "gray"];

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Host) return null;
        var format = ((VideoFrame)first).Format;
        if (!Formats.Contains(format.Name)) throw new NotSupportedException($"negate takes {string.Join(", ", Formats)}, not {format.Name}");
        var inverted = Enumerable.Range(0, 256).Select(v => (byte)Math.Round(v + Mix * (255 - 2 * v))).ToArray();
        var kept = Enumerable.Range(0, 256).Select(v => (byte)v).ToArray();
        return new Host(Planes == "all" ? [inverted, inverted, inverted] : [inverted, kept, kept]);
    }

    /// <summary>One lookup table per plane, made once per format.</summary>
    private sealed class Host(byte[][] tables) : FrameTransform
    {
        public override void Transform(FrameBase input, TransformOutput output)
        {
            var source = (VideoFrame)input;
            var frame = VideoFrame.Allocate(source.Width, source.Height, source.Format, source.TimeBase);
            (frame.Pts, frame.Duration, frame.FrameRate) = (source.Pts, source.Duration, source.FrameRate);
            for (var p = 0; p < 3 && source.GetPlane(p).Data != 0; p++)
            {
                var (from, to, table) = (source.GetPlane(p), frame.GetPlane(p), tables[p]);
                Span<byte> src = source.GetPlaneSpan(p), dst = frame.GetPlaneSpan(p);
                for (var y = 0; y < from.Rows; y++)
                for (var x = 0; x < from.RowBytes; x++)
                    dst[y * to.Pitch + x] = table[src[y * from.Pitch + x]];
            }
            output.Add(frame);
        }
    }
}
