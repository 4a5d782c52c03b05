using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class GraphRunnerTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task RunAsync_SameGraphTwice_WritesTheSameOutputBothTimes()
    {
        var input = await TestMedia.TinyAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "twice.mkv");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video.Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });

        var first = await graph.RunAsync();
        var firstHashes = await FrameHashesAsync(output);
        File.Delete(output);
        var second = await graph.RunAsync();
        var secondHashes = await FrameHashesAsync(output);

        Assert.NotSame(first, second);
        Assert.Equal(10, first.Frames);
        Assert.Equal(10, second.Frames);
        Assert.Equal(10, firstHashes.Length);
        Assert.Equal(firstHashes, secondHashes);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_CustomNodeFails_ThrowsThatFaultOnceNamingTheNodeAndTheOutputPlays()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "partial.mp4");
        var graph = new Graph();
        var failing = graph.Add(new PassThroughNode { FailAt = 50 });
        graph.Connect(graph.Decode(TestMedia.CityCC0).Video.Port, failing.Inputs[0]);
        graph.Encode(output, graph.Streams(failing).VideoOutput(0).Scale(160, 90), null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Equal(failing.Name, e.Node);
        Assert.Contains("refuses item 50", e.Message);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal(1, graph.Metrics![failing.Name].Errors);
        var result = await Ffprobe.StreamAsync(output);
        log.WriteLine($"the partial output has {result.Frames} frames");
        Assert.InRange(result.Frames, 1, 49);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_FaultInOneBranch_FinalisesTheOtherOutput()
    {
        var folder = TestMedia.OutputFolder();
        var graph = new Graph();
        var video = graph.Decode(TestMedia.CityCC0).Video;
        var failing = graph.Add(new PassThroughNode { FailAt = 20 });
        graph.Connect(video.Port, failing.Inputs[0]);
        graph.Encode(Path.Combine(folder, "failing.mkv"), graph.Streams(failing).VideoOutput(0), null, new EncodeOptions { VideoCodec = "ffv1" });
        graph.Encode(Path.Combine(folder, "healthy.mp4"), video.Scale(160, 90), null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Equal(failing.Name, e.Node);
        var healthy = await Ffprobe.StreamAsync(Path.Combine(folder, "healthy.mp4"));
        var partial = await Ffprobe.StreamAsync(Path.Combine(folder, "failing.mkv"));
        log.WriteLine($"healthy branch: {healthy.Frames} frames; failing branch: {partial.Frames} frames");
        Assert.True(healthy.Frames > 0);
        Assert.InRange(partial.Frames, 1, 19);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_WhileRunning_RefusesASecondRunAndNewNodes()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink((VideoStream)source.Stream(graph));
        var run = graph.RunAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() => graph.RunAsync());
        Assert.Throws<InvalidOperationException>(() => graph.AddVideoSource());

        source.Complete();
        await foreach (var frame in sink.ReadAllAsync()) frame.Dispose();
        await run;
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_AlreadyCancelledToken_ThrowsWithoutWritingAnything()
    {
        var input = await TestMedia.TinyAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "never.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(new CancellationToken(canceled: true)));
        Assert.False(File.Exists(output));
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_Metrics_CountEveryFrameInAndOutOfEveryNode()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "metrics.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(TestMedia.CityCC0).Video.Scale(160, 90), null, new EncodeOptions { Preset = "ultrafast" });

        var metrics = await graph.RunAsync();

        var summary = metrics.Summary();
        log.WriteLine(summary);
        var packets = (await Ffprobe.StreamAsync(output, countFrames: false)).Packets;
        var demux = metrics["demux0"];
        var decode = metrics["decode-video0"];
        var scale = metrics["scale0"];
        var encode = metrics["encode-video0"];
        var mux = metrics["mux0"];
        Assert.Equal(demux.FramesOut, decode.FramesIn);
        Assert.Equal((190L, 190L), (decode.FramesOut, scale.FramesIn));
        Assert.Equal((190L, 190L), (scale.FramesOut, encode.FramesIn));
        Assert.Equal((packets, packets), (encode.FramesOut, mux.FramesIn));
        Assert.Equal(190, metrics.Frames);
        Assert.Equal(0, metrics.Warnings + metrics.Errors);
        Assert.Equal(7.6, metrics.DurationSeconds, 2);
        Assert.True(metrics.Elapsed > TimeSpan.Zero && decode.BusyTime > TimeSpan.Zero && encode.LatencyMax >= encode.LatencyMin);
        Assert.Equal(7.6, mux.PositionSeconds, 2); // the end of the last packet
        foreach (var node in metrics.Nodes) Assert.Contains(node.Node, summary);
        Assert.Contains("190 frames", summary);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_Progress_ReportsFramesAndEndsAtTheDuration()
    {
        var reports = new List<GraphProgress>();
        var graph = new Graph(new GraphOptions { Progress = new Collect(reports), ProgressInterval = TimeSpan.FromMilliseconds(50) });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "progress.mkv"), graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), null, new EncodeOptions { VideoCodec = "ffv1" });

        await graph.RunAsync();

        GraphProgress[] seen;
        lock (reports) seen = reports.ToArray();
        log.WriteLine(string.Join("\n", seen.Select(p => $"{p.Frames} frames, {p.PositionSeconds:0.00}/{p.DurationSeconds:0.00} s, {p.Fraction:P0}")));
        Assert.NotEmpty(seen);
        var last = seen[^1];
        Assert.Equal(190, last.Frames);
        Assert.InRange(last.Fraction, 0.9, 1.0);
        for (var i = 1; i < seen.Length; i++) Assert.True(seen[i].PositionSeconds >= seen[i - 1].PositionSeconds, "the position went backwards");
    }

    [Fact(Timeout = 60000)]
    public async Task Metrics_Frames_NeverGoesBackwardsDuringARun()
    {
        for (var run = 0; run < 10; run++)
        {
            var graph = new Graph();
            graph.Encode(Path.Combine(TestMedia.OutputFolder(), "frames.mkv"), graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), null, new EncodeOptions { VideoCodec = "ffv1" });
            var running = graph.RunAsync();
            var samples = new List<long>();
            while (!running.IsCompleted)
                if (graph.Metrics is { } m) samples.Add(m.Frames);
            await running;
            for (var i = 1; i < samples.Count; i++)
                Assert.True(samples[i] >= samples[i - 1], $"run {run}: Frames went from {samples[i - 1]} to {samples[i]}");
        }
    }

    [Fact(Timeout = 90000)]
    public async Task RunAsync_FourGraphsAtOnce_EachWritesItsWholeOutput()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var folder = TestMedia.OutputFolder();
        var runs = Enumerable.Range(0, 4).Select(i =>
        {
            var graph = new Graph();
            var decoded = graph.Decode(input);
            graph.Encode(Path.Combine(folder, $"out{i}.mkv"), decoded.Video.Scale(80 + 16 * i, 60), decoded.Audio, new EncodeOptions { Preset = "ultrafast" });
            return graph.RunAsync();
        }).ToArray();
        await Task.WhenAll(runs);

        for (var i = 0; i < 4; i++)
        {
            var video = await Ffprobe.StreamAsync(Path.Combine(folder, $"out{i}.mkv"));
            Assert.Equal((80 + 16 * i, 60, 50L), (video.Width, video.Height, video.Frames));
        }
    }

    private sealed class Collect(List<GraphProgress> reports) : IProgress<GraphProgress>
    {
        public void Report(GraphProgress value)
        {
            lock (reports) reports.Add(value);
        }
    }

    private static async Task<string[]> FrameHashesAsync(string path)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-hide_banner -nostdin -v error -i \"{path}\" -f framemd5 -");
        Assert.True(code == 0, error);
        return output.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(',')[^1].Trim()).ToArray();
    }
}
