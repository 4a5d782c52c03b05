using Xunit;
using Xunit.Abstractions;
using MediaGraph.Tests.Graph;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The transform base: a user's transform on real frames, failures that release the frame and name the
/// node, a place without an implementation, and re-negotiation when the size changes.</summary>
public sealed class TransformTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task Negate_OnCityFrames_MatchesFfmpegsNegateFrameForFrame()
    {
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "ours.mkv");
        var theirs = Path.Combine(folder, "ffmpeg.mkv");

        var graph = new Graph();
        graph.Encode(ours, graph.Decode(TestMedia.CityCC0).Video.Through(new NegateNode()), null, new EncodeOptions { VideoCodec = "ffv1" });
        var metrics = await graph.RunAsync();
        await TestMedia.RunFfmpegAsync($"-i \"{TestMedia.CityCC0}\" -vf negate -c:v ffv1 \"{theirs}\"");

        log.WriteLine(metrics.Summary());
        var expected = await FrameHashesAsync(theirs);
        Assert.Equal(190, expected.Length);
        Assert.Equal(expected, await FrameHashesAsync(ours));
    }

    [Fact(Timeout = 30000)]
    public async Task Transform_ThatThrows_ReleasesTheFrame()
    {
        await using var session = NodeSession.ForVideo(v => v.Through(new FailingNode()));
        var frame = Frame(64, 48, 0);
        frame.AddRef(); // the test keeps a reference to watch the node's

        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await session.ProcessAsync(frame));

        Assert.Equal("the test transform refuses the frame at pts 0.000 s", e.Message);
        Assert.Equal(1, frame.ReferenceCount); // the node gave its reference up
        frame.Dispose();
    }

    [Fact(Timeout = 30000)]
    public async Task Transform_ThatThrows_FailsTheRunNamingTheNode()
    {
        var graph = new Graph();
        var failing = new FailingNode();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(await TestMedia.TinyAsync()).Video.Through(failing),
            null, new EncodeOptions { VideoCodec = "ffv1" });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Equal(failing.Name, e.Node);
        Assert.StartsWith($"{failing.Name}: the test transform refuses the frame", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task Transform_WithoutAnImplementationWhereTheFramesLive_FailsNamingTheNodeAndThePlace()
    {
        await using var session = NodeSession.ForVideo(v => v.Through(new FailingNode(deviceOnly: true)));
        var frame = Frame(64, 48, 0);
        frame.AddRef();

        var e = await Assert.ThrowsAsync<MediaGraphException>(async () => await session.ProcessAsync(frame));

        Assert.Equal($"{session.Node.Name}: failing has no implementation for frames in Host memory; it runs only on device frames: upload them first", e.Message);
        Assert.Equal(1, frame.ReferenceCount);
        frame.Dispose();
    }

    [Fact(Timeout = 30000)]
    public async Task Filter_SizeChangeMidStream_RenegotiatesAndLosesNoFrame()
    {
        await using var session = NodeSession.ForVideo(v => v.Filter("hflip"));
        var sizes = new List<(int, int)>();
        long pts = 0;
        foreach (var (width, height) in new[] { (64, 48), (64, 48), (32, 24), (32, 24), (48, 32) })
            foreach (var output in await session.ProcessAsync(Frame(width, height, pts++)))
                using (output) sizes.Add((((VideoFrame)output).Width, ((VideoFrame)output).Height));
        foreach (var output in await session.FlushAsync())
            using (output) sizes.Add((((VideoFrame)output).Width, ((VideoFrame)output).Height));

        Assert.Equal([(64, 48), (64, 48), (32, 24), (32, 24), (48, 32)], sizes);
    }

    [Fact(Timeout = 30000)]
    public async Task Transform_NegotiatesOnTheFirstFrameAndOnEachFormatChangeOnly()
    {
        var node = new FailingNode(failAt: -1);
        await using var session = NodeSession.ForVideo(v => v.Through(node));
        long pts = 0;
        foreach (var (width, height) in new[] { (64, 48), (64, 48), (64, 48), (32, 24), (32, 24), (64, 48) })
            foreach (var output in await session.ProcessAsync(Frame(width, height, pts++))) output.Dispose();

        Assert.Equal(3, node.Negotiations);
    }

    private static VideoFrame Frame(int width, int height, long pts)
    {
        var frame = VideoFrame.Allocate(width, height, PixelFormat.Yuv420P, new Rational(1, 25));
        foreach (var p in new[] { 0, 1, 2 }) frame.GetPlaneSpan(p).Fill((byte)(40 * p + 16));
        (frame.Pts, frame.Duration, frame.FrameRate) = (pts, 1, new Rational(25, 1));
        return frame;
    }

    private static async Task<string[]> FrameHashesAsync(string path)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-hide_banner -nostdin -v error -i \"{path}\" -f framemd5 -");
        Assert.True(code == 0, error);
        return output.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(',')[^1].Trim()).ToArray();
    }

    /// <summary>Passes frames on, counting negotiations; throws on the <c>failAt</c>-th frame (1-based, -1 never), or
    /// offers only a device implementation.</summary>
    private sealed class FailingNode(int failAt = 1, bool deviceOnly = false) : TransformNode(Descriptor, new ParameterValues())
    {
        private static readonly NodeDescriptor Descriptor = new()
        {
            Kind = "failing", Doc = "a transform that fails",
            Inputs = [new("in", MediaKind.Video)], Outputs = [new("out", MediaKind.Video)],
            Create = _ => new FailingNode(),
        };

        public int Negotiations { get; private set; }

        protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        {
            Negotiations++;
            return deviceOnly ? null : new Host(failAt);
        }

        private sealed class Host(int failAt) : FrameTransform
        {
            private int _count;

            public override void Transform(FrameBase input, TransformOutput output)
            {
                if (++_count == failAt) throw new InvalidOperationException($"the test transform refuses the frame at {input.DescribePosition()}");
                output.Add(input);
            }
        }
    }
}
