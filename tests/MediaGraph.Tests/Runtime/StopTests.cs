using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The two stops: a drain loses nothing; an abort ends within a second and keeps what was muxed.</summary>
[Collection(SerialCollection.Name)]
public sealed class StopTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task StopAsync_MidRun_EncodesEveryFrameAlreadyDecodedAndReturnsNormally()
    {
        var input = await TestMedia.Long720pAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "drained.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video, null, new EncodeOptions { Preset = "medium" });
        var run = graph.RunAsync();
        while (graph.Metrics is not { } m || m.Frames < 20) await Task.Delay(20);

        await graph.StopAsync();
        var metrics = await run; // a drain is a normal end: no exception

        var decoder = metrics.Nodes.Single(n => n.Roles.HasFlag(NodeRoles.DecodesVideo));
        var encoder = metrics.Nodes.Single(n => n.Roles.HasFlag(NodeRoles.EncodesVideo));
        var written = await Ffprobe.StreamAsync(output);
        log.WriteLine($"decoded {decoder.FramesOut}, encoder received {encoder.FramesIn}, the file holds {written.Frames} frames");
        Assert.True(metrics.Stopped);
        Assert.InRange(written.Frames, 20, 499);                 // stopped early ...
        Assert.Equal(decoder.FramesOut, encoder.FramesIn);      // ... every decoded frame reached the encoder ...
        Assert.Equal(encoder.FramesIn, written.Frames);         // ... and the file: the encoder was flushed
    }

    [Fact(Timeout = 120000)]
    public async Task Abort_EarlyInASlowEncodeOnALoadedMachine_EndsWithinASecondAndKeepsTheMuxedAudio()
    {
        // 1080p at libx264 veryslow holds its first video packet for dozens of frames (lookahead), while the audio is
        // copied and reaches the muxer at once: the case where an abort used to delete a file holding muxed audio.
        var input = await TestMedia.ClipAsync("1080p-av-10s.mp4",
            "-f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 10 " +
            "-map 0:v -map 1:a -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac");

        // A shared CI machine can stall every thread of the process for seconds (CPU steal, a paused VM): one slow
        // abort is retried once, and the timeline of both is printed; an abort that is slow twice fails.
        var (latency, packets) = await AbortOnceAsync(input, "aborted-1.mp4");
        if (latency > TimeSpan.FromSeconds(1)) (latency, packets) = await AbortOnceAsync(input, "aborted-2.mp4");

        Assert.True(latency <= TimeSpan.FromSeconds(1), $"the abort took {latency.TotalMilliseconds:0} ms");
        Assert.True(packets > 0, "the audio muxed before the abort is in the file");
    }

    /// <summary>Runs the veryslow encode beside busy threads, cancels it after 1.5 s, and says how long RunAsync took
    /// to throw after the cancel and how many audio packets the file holds.</summary>
    private async Task<(TimeSpan Latency, long AudioPackets)> AbortOnceAsync(string input, string name)
    {
        var output = Path.Combine(TestMedia.OutputFolder(), name);
        var clock = Stopwatch.StartNew();
        var timeline = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(timeline) });
        var file = graph.Decode(input);
        graph.Encode(output, file.Video, file.Audio, new EncodeOptions { Preset = "veryslow", AudioCodec = "copy" });
        using var load = new BusyThreads(Environment.ProcessorCount); // other work on the machine
        using var cancel = new CancellationTokenSource();
        long cancelledAt = 0;
        cancel.Token.Register(() => cancelledAt = clock.ElapsedTicks);
        cancel.CancelAfter(TimeSpan.FromSeconds(1.5));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(cancel.Token));
        var latency = Stopwatch.GetElapsedTime(0, clock.ElapsedTicks - cancelledAt);
        load.Dispose();

        var audio = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        log.WriteLine($"RunAsync threw {latency.TotalMilliseconds:0} ms after the cancel (at {Stopwatch.GetElapsedTime(0, cancelledAt).TotalMilliseconds:0} ms); the file holds {audio.Packets} audio packets");
        if (latency > TimeSpan.FromSeconds(1)) log.WriteLine(timeline.Timeline());
        return (latency, audio.Packets);
    }
}
