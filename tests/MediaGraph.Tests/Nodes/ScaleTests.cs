using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class ScaleTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task Transcode_CityTo720pMp4_KeepsEveryFrameAndTheDuration()
    {
        var input = TestMedia.CityCC0;
        var source = await Ffprobe.StreamAsync(input);
        var output = Path.Combine(TestMedia.OutputFolder(), "city720p.mp4");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(output, decoded.Video.Scale(1280, 720), null, new EncodeOptions { Preset = "ultrafast" });
        var metrics = await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        log.WriteLine($"source {source.Frames} frames {source.Duration:0.0000} s; output {result.Codec} {result.Width}x{result.Height} {result.Frames} frames {result.Duration:0.0000} s");
        Assert.Equal(190, source.Frames);
        Assert.Equal("h264", result.Codec);
        Assert.Equal((1280, 720), (result.Width, result.Height));
        Assert.Equal(source.Frames, result.Frames);
        Assert.Equal(source.Frames, metrics.Frames);
        Assert.InRange(result.Duration - source.Duration, -0.04, 0.04);
    }

    [Fact(Timeout = 120000)]
    public async Task Scale_OneDecodeFeedingTwoSizes_WritesBothOutputsWithEveryFrame()
    {
        var input = TestMedia.CityCC0;
        var source = await Ffprobe.StreamAsync(input);
        var folder = TestMedia.OutputFolder();
        var large = Path.Combine(folder, "320x240.mp4");
        var small = Path.Combine(folder, "160x120.mkv");

        var graph = new Graph();
        var video = graph.Decode(input).Video;
        graph.Encode(large, video.Scale(320, 240), null, new EncodeOptions { Preset = "ultrafast" });
        graph.Encode(small, video.Scale(160, 120), null, new EncodeOptions { VideoCodec = "ffv1" });
        var metrics = await graph.RunAsync();

        var a = await Ffprobe.StreamAsync(large);
        var b = await Ffprobe.StreamAsync(small);
        log.WriteLine($"{a.Width}x{a.Height}: {a.Frames} frames; {b.Width}x{b.Height}: {b.Frames} frames; source {source.Frames}");
        Assert.Equal((320, 240, source.Frames), (a.Width, a.Height, a.Frames));
        Assert.Equal((160, 120, source.Frames), (b.Width, b.Height, b.Frames));
        Assert.Single(metrics.Nodes, n => n.Kind == "decode-video");
    }

    [Theory(Timeout = 60000)]
    [InlineData(79, 97)]
    [InlineData(23, 211)]
    [InlineData(-2, 120)]
    public async Task Scale_OddAndAspectKeepingSizes_GiveTheSizeSwscaleGives(int width, int height)
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "ours.mkv");
        var theirs = Path.Combine(folder, "ffmpeg.mkv");

        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video.Scale(width, height), null, new EncodeOptions { VideoCodec = "ffv1" });
        await graph.RunAsync();
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -vf scale={width}:{height} -c:v ffv1 \"{theirs}\"");

        var a = await Ffprobe.StreamAsync(ours);
        var b = await Ffprobe.StreamAsync(theirs);
        Assert.Equal((b.Width, b.Height, b.Frames), (a.Width, a.Height, a.Frames));
    }
}
