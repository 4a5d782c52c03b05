using MediaGraph.Brokers;

namespace MediaGraph.BrokerWorker;

/// <summary>What <see cref="MeanLumaNode"/> puts on a frame: its mean luma (0–255).</summary>
public sealed record MeanLuma(double Value);

/// <summary>
/// The broker tests' per-frame work: the mean of the luma plane, attached as <see cref="MeanLuma"/>, the frame passed
/// on unchanged. The broker tests check delivery, order and recovery, not the work; samples/distributed's OCR text
/// detector takes ~100 ms a frame on the CPU, which would make each test's 300 frames take half a minute or more,
/// so the tests' workers (this process and the in-test ones) run this instead. Host frames with an 8-bit luma plane.
/// </summary>
public sealed class MeanLumaNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "mean-luma",
        Doc = "The broker tests' per-frame work: attaches the frame's mean luma as MeanLuma.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Create = values => new MeanLumaNode(values),
    };

    static MeanLumaNode() => MediaWire.RegisterMetadata<MeanLuma>(); // results carry it; readers in the tests turn it back

    public MeanLumaNode() : this(new ParameterValues()) { }
    private MeanLumaNode(ParameterValues values) : base(Descriptor, values) { }

    /// <summary>The broker tests' worker graph: decoded video → <see cref="MeanLumaNode"/>.</summary>
    public static VideoStream Work(VideoStream decoded) => decoded.Through(new MeanLumaNode());

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Host) return null;
        var name = ((VideoFrame)first).Format.Name;
        if (name != "gray" && !name.StartsWith("yuv", StringComparison.Ordinal))
            throw new NotSupportedException($"mean-luma takes gray or 8-bit yuv frames, not {name}");
        return new Host();
    }

    private sealed class Host : FrameTransform
    {
        public override void Transform(FrameBase input, TransformOutput output)
        {
            var frame = (VideoFrame)input;
            ReadOnlySpan<byte> luma = frame.GetPlaneSpan(0);
            var pitch = frame.GetPlane(0).Pitch;
            long sum = 0;
            for (var y = 0; y < frame.Height; y++)
                foreach (var b in luma.Slice(y * pitch, frame.Width)) sum += b;
            frame.Metadata.Set(new MeanLuma((double)sum / (frame.Width * frame.Height)));
            output.Add(input);
        }
    }
}
