using System.Diagnostics;

namespace MediaGraph.Samples.Distributed;

/// <summary>What <see cref="TextCandidatesNode"/> found in a frame.</summary>
/// <param name="Blocks">Blocks of <paramref name="BlockSize"/>² pixels dense in strong edges (text-like).</param>
/// <param name="MeanLuma">The frame's mean luma (0–255).</param>
/// <param name="WorkMs">Time the node spent on this frame, in milliseconds.</param>
public sealed record TextCandidates(int Blocks, int BlockSize, double MeanLuma, double WorkMs);

/// <summary>
/// The workers' per-frame work until OCR detection (issue 13's <c>.Infer</c>) is merged: a CPU stand-in, clearly not
/// a model. It runs a Sobel operator over the luma plane and counts the 16×16 blocks where more than a fifth of the
/// pixels are strong edges (text and fine structure), attaching <see cref="TextCandidates"/> to the frame, which it
/// passes on unchanged. Host frames with an 8-bit luma plane (gray, yuv*).
/// </summary>
public sealed class TextCandidatesNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "text-candidates",
        Doc = "CPU stand-in for OCR detection: counts edge-dense blocks (Sobel on luma) and attaches TextCandidates.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = [Parameter.Int("threshold", "Sobel magnitude that makes a pixel a strong edge.", @default: 96, min: 1, max: 2040)],
        Create = values => new TextCandidatesNode(values),
    };

    public TextCandidatesNode(int threshold = 96) : this(new ParameterValues { ["threshold"] = threshold }) { }
    private TextCandidatesNode(ParameterValues values) : base(Descriptor, values) { }

    public int Threshold => Values.Get<int>("threshold");

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (location != FrameLocation.Host) return null;
        var name = ((VideoFrame)first).Format.Name;
        if (name != "gray" && !name.StartsWith("yuv", StringComparison.Ordinal))
            throw new NotSupportedException($"text-candidates takes gray or 8-bit yuv frames, not {name}");
        return new Host(Threshold);
    }

    private sealed class Host(int threshold) : FrameTransform
    {
        private const int Block = 16;

        public override void Transform(FrameBase input, TransformOutput output)
        {
            var clock = Stopwatch.StartNew();
            var frame = (VideoFrame)input;
            var plane = frame.GetPlane(0);
            ReadOnlySpan<byte> luma = frame.GetPlaneSpan(0);
            var (w, h, pitch) = (frame.Width, frame.Height, plane.Pitch);
            var bw = (w + Block - 1) / Block;
            var counts = new int[bw * ((h + Block - 1) / Block)];
            long sum = 0;
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++) sum += luma[y * pitch + x];
            for (var y = 1; y < h - 1; y++)
            {
                var up = luma.Slice((y - 1) * pitch);
                var row = luma.Slice(y * pitch);
                var down = luma.Slice((y + 1) * pitch);
                for (var x = 1; x < w - 1; x++)
                {
                    var gx = up[x + 1] + 2 * row[x + 1] + down[x + 1] - up[x - 1] - 2 * row[x - 1] - down[x - 1];
                    var gy = down[x - 1] + 2 * down[x] + down[x + 1] - up[x - 1] - 2 * up[x] - up[x + 1];
                    if (Math.Abs(gx) + Math.Abs(gy) >= threshold) counts[y / Block * bw + x / Block]++;
                }
            }
            var blocks = counts.Count(c => c * 5 > Block * Block);
            frame.Metadata.Set(new TextCandidates(blocks, Block, (double)sum / (w * h), clock.Elapsed.TotalMilliseconds));
            output.Add(input);
        }
    }
}
