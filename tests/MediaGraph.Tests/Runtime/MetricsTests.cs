using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Metrics that mean what they say: frames are video frames, packets are counted apart, outputs have rates.</summary>
public sealed class MetricsTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task StreamCopy_CountsTheVideoFramesAndThePacketsApart()
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 2); // 50 video frames, ~94 AAC packets
        var output = Path.Combine(TestMedia.OutputFolder(), "copy.mkv");
        var graph = new Graph();
        var file = graph.Decode(input);
        graph.Encode(output, file.Video, file.Audio, new EncodeOptions { VideoCodec = "copy", AudioCodec = "copy" });

        var metrics = await graph.RunAsync();

        var video = await Ffprobe.StreamAsync(output, "v:0", countFrames: false);
        var audio = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        log.WriteLine(metrics.Summary());
        Assert.Equal(video.Packets, metrics.Frames);                 // 50, not the 144 items the demuxer emitted
        Assert.Equal(video.Packets + audio.Packets, metrics.Packets);
        Assert.StartsWith($"{metrics.Frames} frames in ", metrics.Summary());
        Assert.Contains($"{metrics.Packets} packets written", metrics.Summary());
    }

    [Fact(Timeout = 60000)]
    public async Task Summary_OutputRow_ShowsTheRateItTakesIn()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "out.mkv");
        var graph = new Graph();
        var mux = graph.Encode(output, graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), null, new EncodeOptions { VideoCodec = "ffv1" });

        var metrics = await graph.RunAsync();

        var row = metrics.Summary().Split('\n').Single(l => l.StartsWith(mux.Name + " ", StringComparison.Ordinal));
        log.WriteLine(row);
        var fps = double.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(fps > 0, $"the muxer's row shows no rate: {row}");
    }
}
