using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The app-facing ends as a new user writes them: nothing hangs silently.</summary>
public sealed class AppEndsTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Sink_ReadWithoutRunAsync_RunsTheGraphToTheEnd()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36));

        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync()) using (frame) frames++;

        Assert.Equal(190, frames);
        Assert.Equal(190, graph.Metrics!.Frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Sink_ReadWithoutRunAsync_ThrowsTheRunsFaultAfterTheLastItem()
    {
        var graph = new Graph();
        var failing = graph.Add(new PassThroughNode { FailAt = 30 });
        graph.Connect(graph.Decode(TestMedia.CityCC0).Video.Port, failing.Inputs[0]);
        var sink = graph.Sink(graph.Streams(failing).VideoOutput(0));

        var frames = 0;
        var e = await Assert.ThrowsAsync<MediaGraphException>(async () =>
        {
            await foreach (var frame in sink.ReadAllAsync()) using (frame) frames++;
        });

        Assert.Equal(failing.Name, e.Node);
        Assert.Equal(29, frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Sink_WhileRunAsyncRuns_ReadingJoinsThatRun()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36));
        var run = graph.RunAsync();

        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync()) using (frame) frames++;
        var metrics = await run;

        Assert.Equal(190, frames);
        Assert.Equal(190, metrics.Frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Sink_AwaitingRunAsyncBeforeReading_FailsNamingTheSinkAndSayingWhatToDo()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video);
        sink.ReaderTimeout = TimeSpan.FromMilliseconds(300);

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync()); // the natural mistake: await first, read later

        log.WriteLine(e.Message);
        Assert.Equal(sink.Name, e.Node);
        Assert.Contains("ReadAllAsync", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task AppSource_Stream_IsTypedAndNeedsNoGraph()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "typed.mkv");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Encode(output, source.Stream().Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });
        var run = graph.RunAsync();
        for (var i = 0; i < 5; i++) await source.WriteAsync(Runtime.TestFrames.Gray(i));
        source.Complete();
        await run;

        Assert.Equal(5, (await Ffprobe.StreamAsync(output)).Frames);
    }

    [Fact(Timeout = 60000)]
    public async Task AudioFrame_GetSamples_GivesTheDecodedSineWave()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Audio);
        var peak = 0f;
        var samples = 0L;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.Equal("fltp", frame.Format.Name);
                Assert.Equal(2, frame.PlaneCount);
                var left = frame.GetSamples<float>(0);
                Assert.Equal(frame.SampleCount, left.Length);
                foreach (var v in left) peak = Math.Max(peak, Math.Abs(v));
                samples += left.Length;
            }

        log.WriteLine($"{samples} samples a channel, peak {peak:0.000}");
        Assert.InRange(samples, 2 * 48000 - 2048, 2 * 48000 + 2048);
        Assert.InRange(peak, 0.05f, 1.01f); // ffmpeg's sine source: amplitude 1/8
        Assert.Throws<InvalidOperationException>(() => { using var f = AudioFrame.Allocate(16, SampleFormat.FromName("s16"), 48000, 2); f.GetSamples<float>(0); });
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_AudioIfAnyOfAnInputWithoutAudio_WritesTheVideoAlone()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "video-only.mkv");
        var graph = new Graph();
        var input = graph.Decode(TestMedia.CityCC0); // MPEG-2 video, no audio

        graph.Encode(output, input.Video.Scale(64, 36), input.AudioIfAny, new EncodeOptions { VideoCodec = "ffv1" });
        await graph.RunAsync();

        Assert.Null(input.AudioIfAny);
        Assert.Equal(190, (await Ffprobe.StreamAsync(output)).Frames);
    }
}
