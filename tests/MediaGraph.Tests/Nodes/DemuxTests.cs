using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class DemuxTests(ITestOutputHelper log)
{
    /// <summary>Two MPEG-TS recordings joined byte for byte, the second starting 100 s later (a camera that
    /// restarted): the output plays continuously, as the ffmpeg CLI's does, and every frame is kept.</summary>
    [Fact(Timeout = 60000)]
    public async Task Demux_JoinedTsWithATimestampJump_GivesAContinuousOutputWithEveryFrame()
    {
        var first = await TestMedia.ClipAsync("join-a.ts", "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine -t 2 -c:v libx264 -preset ultrafast -c:a aac");
        var second = await TestMedia.ClipAsync("join-b.ts", "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine -t 2 -c:v libx264 -preset ultrafast -c:a aac -output_ts_offset 100");
        var folder = TestMedia.OutputFolder();
        var joined = Path.Combine(folder, "joined.ts");
        await using (var output = File.Create(joined))
        {
            await using (var a = File.OpenRead(first)) await a.CopyToAsync(output);
            await using (var b = File.OpenRead(second)) await b.CopyToAsync(output);
        }
        var result = Path.Combine(folder, "out.mp4");

        var graph = new Graph();
        var input = graph.Decode(joined);
        // Passthrough: every input frame once (mp4's default constant rate, like the CLI's, repeats one at the join).
        graph.Encode(result, input.Video, input.Audio, new EncodeOptions { Preset = "ultrafast", FrameRateMode = FrameRateMode.Passthrough });
        var metrics = await graph.RunAsync();

        var video = await Ffprobe.StreamAsync(result, "v:0");
        var audio = await Ffprobe.StreamAsync(result, "a:0", countFrames: false);
        log.WriteLine($"video {video.Frames} frames {video.Duration:0.000} s, audio {audio.Duration:0.000} s, warnings {metrics.Warnings}");
        Assert.Equal(100, video.Frames);
        Assert.InRange(video.Duration, 3.9, 4.2);   // not 102 s
        Assert.InRange(audio.Duration, 3.9, 4.2);
        Assert.True(metrics["demux0"].Warnings >= 1, "the jump is reported as a warning");
    }

    /// <summary>The same joined recording stream-copied: packets whose dts would go backwards are moved forward
    /// (as the ffmpeg CLI does) instead of failing the muxer, and every packet is written.</summary>
    [Fact(Timeout = 60000)]
    public async Task Mux_CopyOfJoinedTs_KeepsEveryPacketAndNeverFails()
    {
        var first = await TestMedia.ClipAsync("join-a.ts", "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine -t 2 -c:v libx264 -preset ultrafast -c:a aac");
        var folder = TestMedia.OutputFolder();
        var doubled = Path.Combine(folder, "same-twice.ts"); // the second half repeats the first half's timestamps
        await using (var output = File.Create(doubled))
            for (var i = 0; i < 2; i++)
                await using (var a = File.OpenRead(first)) await a.CopyToAsync(output);
        var result = Path.Combine(folder, "copy.mkv");

        var graph = new Graph();
        var input = graph.Decode(doubled);
        graph.Encode(result, input.Video, input.Audio, new EncodeOptions { VideoCodec = "copy", AudioCodec = "copy" });
        await graph.RunAsync();

        var source = await Ffprobe.StreamAsync(doubled, "v:0", countFrames: false);
        var copy = await Ffprobe.StreamAsync(result, "v:0", countFrames: false);
        log.WriteLine($"{source.Packets} packets in, {copy.Packets} out, {copy.Duration:0.000} s");
        Assert.Equal(source.Packets, copy.Packets);
    }

    /// <summary>A FIFO (like a pipe or a live stream) can be read only once: checking the graph before the run must
    /// not consume it, so every frame still arrives.</summary>
    [Fact(Timeout = 60000)]
    public async Task Demux_NamedPipeInput_IsOpenedOnceAndLosesNoFrame()
    {
        var clip = await TestMedia.ClipAsync("fifo-src.ts", "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 50 -c:v libx264 -preset ultrafast");
        var folder = TestMedia.OutputFolder();
        var fifo = Path.Combine(folder, "input.fifo");
        File.Delete(fifo);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) await mkfifo.WaitForExitAsync();
        using var writer = System.Diagnostics.Process.Start("sh", ["-c", $"cat \"{clip}\" > \"{fifo}\""]);
        var output = Path.Combine(folder, "out.mkv");

        var graph = new Graph();
        graph.Encode(output, graph.Decode(fifo).Video, null, new EncodeOptions { VideoCodec = "ffv1" });
        var metrics = await graph.RunAsync();
        await writer.WaitForExitAsync();

        Assert.Equal(50, metrics.Frames);
        Assert.Equal(50, (await Ffprobe.StreamAsync(output)).Frames);
    }
}
