using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Metadata set on an item comes out on the frame made from it — through libavfilter nodes that make new
/// frames, frames later than they take them (yadif) or more of them (one per field), a fused chain, and the decoder
/// (packet → frame → upright frame). Each item is tagged with its own time, so a tag on the wrong frame shows.</summary>
public sealed class MetadataTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Scale_CarriesMetadataToTheFrameWithTheSamePts()
    {
        var (frames, _) = await RunCityAsync(v => v.Scale(96, 54));

        AssertEachFrameHasItsOwnTag(frames, 190);
    }

    [Fact(Timeout = 60000)]
    public async Task Deinterlace_CarriesMetadataToTheFrameWithTheSamePts()
    {
        var (frames, _) = await RunCityAsync(v => v.Deinterlace());

        AssertEachFrameHasItsOwnTag(frames, 190);
    }

    [Fact(Timeout = 60000)]
    public async Task Deinterlace_OneFramePerField_GivesBothFieldsTheirFramesMetadata()
    {
        var (frames, _) = await RunCityAsync(v => v.Deinterlace(new DeinterlaceOptions { Mode = DeinterlaceMode.SendField }));

        Assert.Equal(380, frames.Count);
        Assert.All(frames, f => Assert.InRange(f.Pts - f.Tag!.Seconds, -1e-9, 0.04 / 2 + 1e-9)); // its own frame's time, or half a frame before
        Assert.Equal(190, frames.Select(f => f.Tag!.Seconds).Distinct().Count());
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_Hflip_CarriesMetadataToTheFrameWithTheSamePts()
    {
        var (frames, _) = await RunCityAsync(v => v.Filter("hflip"));

        AssertEachFrameHasItsOwnTag(frames, 190);
    }

    [Fact(Timeout = 60000)]
    public async Task FusedDeinterlaceThenScale_CarriesMetadataThroughTheWholeChain()
    {
        var (frames, metrics) = await RunCityAsync(v => v.Deinterlace().Scale(96, 54));

        Assert.Contains(metrics.Nodes, n => n.Kind == "deinterlace+scale"); // the chain ran as one filter graph
        AssertEachFrameHasItsOwnTag(frames, 190);
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_OnAudio_CarriesMetadataToTheFrameWithTheSamePts()
    {
        var graph = new Graph();
        var tagged = graph.Add(new TagNode(MediaKind.Audio), graph.Decode(await TestMedia.SmallWithAudioAsync()).Audio).AudioOutput(0);
        var sink = graph.Sink(tagged.Filter("volume=0.5"), capacity: 16);
        var run = graph.RunAsync();
        var frames = new List<Seen>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(new Seen(frame.PtsSeconds, frame.Metadata.TryGet<Tag>(out var tag) ? tag : null, (frame.SampleCount, frame.Channels)));
        await run;

        AssertEachFrameHasItsOwnTag(frames, frames.Count);
        Assert.InRange(frames.Count, 90, 96); // 2 s of 1024-sample AAC frames at 48 kHz
    }

    /// <summary>A phone video (rotate=90): packets are tagged before the decoder; each upright frame carries the tag
    /// of the packet it was decoded from.</summary>
    [Fact(Timeout = 60000)]
    public async Task Decode_RotatedVideo_CarriesPacketMetadataToTheUprightFrames()
    {
        var plain = await TestMedia.ClipAsync("rot-plain.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 10 -c:v libx264 -preset ultrafast");
        var rotated = await TestMedia.ClipAsync("rot-90.mp4", $"-i \"{plain}\" -c copy -metadata:s:v:0 rotate=90");
        var graph = new Graph();
        var input = graph.Decode(rotated);
        var tagged = graph.Add(new TagNode(MediaKind.Packets), input.VideoPackets).Output(0);
        var decoder = graph.Add(new DecodeNode(tagged.Port, MediaKind.Video, new DecodeOptions()));
        var sink = graph.Sink(graph.Streams(decoder).VideoOutput(0), capacity: 16);

        var frames = await CollectAsync(graph, sink);

        Assert.All(frames, f => Assert.Equal((120, 160), f.Size)); // upright
        AssertEachFrameHasItsOwnTag(frames, 10);
    }

    private sealed record Tag(double Seconds);

    private sealed record Seen(double Pts, Tag? Tag, (int, int) Size);

    [Fact(Timeout = 60000)]
    public async Task Overlay_CarriesTheMainPicturesMetadataToTheComposite()
    {
        var logo = await TestMedia.TinyAsync(); // 64x48, 10 frames, untagged: its last frame stays on top
        var (frames, _) = await RunCityAsync(v => v.Graph.Filter("[0][1]overlay=10:10", v, v.Graph.Decode(logo).Video).Video(0));

        AssertEachFrameHasItsOwnTag(frames, 190);
    }

    [Fact(Timeout = 60000)]
    public async Task Overlay_OfTwoTaggedStreams_TakesTheMainPictures()
    {
        var graph = new Graph();
        var main = graph.Add(new TagNode(MediaKind.Video), graph.Decode(TestMedia.CityCC0).Video).VideoOutput(0);
        var small = graph.Add(new TagNode(MediaKind.Video), graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36)).VideoOutput(0);
        var sink = graph.Sink(graph.Filter("[0][1]overlay=10:10", main, small).Video(0), capacity: 16);

        AssertEachFrameHasItsOwnTag(await CollectAsync(graph, sink), 190);
    }

    private static void AssertEachFrameHasItsOwnTag(List<Seen> frames, int count)
    {
        Assert.Equal(count, frames.Count);
        Assert.All(frames, f => Assert.Equal(f.Pts, Assert.IsType<Tag>(f.Tag).Seconds, 9));
    }

    /// <summary>cityCC0 decoded, each frame tagged with its time, through <paramref name="chain"/>, into a sink.</summary>
    private async Task<(List<Seen> Frames, GraphMetrics Metrics)> RunCityAsync(Func<VideoStream, VideoStream> chain)
    {
        var graph = new Graph();
        var tagged = graph.Add(new TagNode(MediaKind.Video), graph.Decode(TestMedia.CityCC0).Video).VideoOutput(0);
        var sink = graph.Sink(chain(tagged), capacity: 16);
        var frames = await CollectAsync(graph, sink);
        log.WriteLine($"{frames.Count} frames; first tagged {frames.FirstOrDefault()?.Tag}, last {frames.LastOrDefault()?.Tag}");
        return (frames, graph.Metrics!);
    }

    private static async Task<List<Seen>> CollectAsync(Graph graph, AppSink<VideoFrame> sink)
    {
        var run = graph.RunAsync();
        var frames = new List<Seen>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(new Seen(frame.PtsSeconds, frame.Metadata.TryGet<Tag>(out var tag) ? tag : null, (frame.Width, frame.Height)));
        await run;
        return frames;
    }

    /// <summary>Tags every item (frame or packet) with its own time and passes it on.</summary>
    private sealed class TagNode : Node
    {
        public TagNode(MediaKind kind)
        {
            AddInput(kind, "in");
            AddOutput(kind, "out");
        }

        public override string Kind => "tag";

        protected internal override NodeInstance CreateInstance() => new Instance();

        private sealed class Instance : NodeInstance
        {
            protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                item.Metadata.Set(new Tag(item.PtsSeconds));
                return context.EmitAsync(0, item, cancellationToken);
            }
        }
    }
}
