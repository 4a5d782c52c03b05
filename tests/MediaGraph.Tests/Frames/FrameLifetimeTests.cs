using Xunit;

namespace MediaGraph.Tests.Frames;

using Graph = global::MediaGraph.Graph;

/// <summary>A frame owns references to its native buffers and side data: one an app keeps after the run that made it
/// ended (the run's pools and nodes freed) still shows its pixels and goes into another run.</summary>
public sealed class FrameLifetimeTests
{
    private static async Task<List<VideoFrame>> KeepAllFramesOfARunAsync(string input)
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video);
        var run = graph.RunAsync();
        var kept = new List<VideoFrame>();
        await foreach (var frame in sink.ReadAllAsync()) kept.Add(frame);
        await run;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return kept;
    }

    [Fact(Timeout = 60000)]
    public async Task FramesKeptAfterTheirRunEnded_ShowFfmpegsPixels()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var expected = await FrameOracle.FfmpegAsync(input, "null");
        var kept = await KeepAllFramesOfARunAsync(input);
        try
        {
            Assert.Equal(expected.Select(f => f.Md5), kept.Select(FrameOracle.Md5));
        }
        finally { foreach (var f in kept) f.Dispose(); }
    }

    [Fact(Timeout = 60000)]
    public async Task FramesKeptAfterTheirRunEnded_EncodeInAnotherRun()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var kept = await KeepAllFramesOfARunAsync(input);
        var count = kept.Count;

        var output = Path.Combine(TestMedia.OutputFolder(), "kept-frames.mkv");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Encode(output, (VideoStream)source.Stream(graph), null, new EncodeOptions { VideoCodec = "ffv1" });
        var run = graph.RunAsync();
        foreach (var frame in kept) await source.WriteAsync(frame);
        source.Complete();
        await run;

        Assert.Equal(count, (await Ffprobe.StreamAsync(output)).Frames);
    }
}
