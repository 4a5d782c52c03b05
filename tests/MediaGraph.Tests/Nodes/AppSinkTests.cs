using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class AppSinkTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task AppSink_DecodedFrames_CarryFfprobesTimestampsShiftedToZero()
    {
        var input = TestMedia.CityCC0;
        var expected = await Ffprobe.FrameTimesAsync(input);
        var start = (await Ffprobe.StreamAsync(input, countFrames: false)).StartTime;

        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video);
        var run = graph.RunAsync();
        var frames = new List<(double Pts, Rational TimeBase, Rational Rate, int Width, int Height)>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame) frames.Add((frame.PtsSeconds, frame.TimeBase, frame.FrameRate, frame.Width, frame.Height));
        await run;

        Assert.Equal(expected.Count, frames.Count);
        Assert.All(frames, f => Assert.Equal((720, 405), (f.Width, f.Height)));
        Assert.All(frames, f => Assert.Equal(new Rational(25, 1), f.Rate));
        for (var i = 0; i < frames.Count; i++)
            Assert.True(Math.Abs(frames[i].Pts - (expected[i].Pts - start)) < 1e-6, $"frame {i}: pts {frames[i].Pts} s, ffprobe says {expected[i].Pts - start} s");
    }

    [Fact(Timeout = 60000)]
    public async Task AppSink_ReaderStopsAfterFiveFrames_RunEndsCleanlyAndQuickly()
    {
        var input = await TestMedia.Long720pAsync();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video);
        var run = graph.RunAsync();
        var read = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            if (++read == 5) break;
        }
        var clock = Stopwatch.StartNew();
        var metrics = await run;
        clock.Stop();

        log.WriteLine($"run ended {clock.Elapsed.TotalMilliseconds:0} ms after the reader stopped; {metrics.Frames} frames decoded of 500");
        log.WriteLine(metrics.Summary());
        Assert.Equal(5, read);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the run took {clock.Elapsed} to end after the reader stopped");
        Assert.InRange(metrics.Frames, 5, 100);
        Assert.Equal(0, metrics.Errors);
    }

    [Fact(Timeout = 60000)]
    public async Task AppSink_SlowReader_BoundsEveryQueueAndHoldsTheDecoderBack()
    {
        const int capacity = 3;
        var graph = new Graph(new GraphOptions { ChannelCapacity = capacity });
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), capacity: 2);
        var run = graph.RunAsync();
        var read = 0;
        var deepest = 0;
        long furthestAhead = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            read++;
            await Task.Delay(10);
            foreach (var node in graph.Metrics!.Nodes)
                deepest = Math.Max(deepest, node.QueueDepth);
            furthestAhead = Math.Max(furthestAhead, graph.Metrics["decode-video0"].FramesOut - read);
            if (read == 40) break;
        }
        var metrics = await run;

        log.WriteLine($"deepest queue {deepest}, decoder at most {furthestAhead} frames ahead of the reader; {metrics.Frames} decoded in all");
        Assert.InRange(deepest, 0, capacity);
        // edges decode→scale and scale→sink (3 each), the sink's own queue (2) and one item in hand per node
        Assert.InRange(furthestAhead, 0, capacity * 2 + 2 + 3);
    }

    [Fact(Timeout = 60000)]
    public async Task EdgeCapacity_SetOnOneInput_BoundsThatEdgeOnly()
    {
        var graph = new Graph(new GraphOptions { ChannelCapacity = 8 });
        var scaled = graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36);
        var scale = scaled.Port.Node;
        scale.Inputs[0].Capacity = 1; // decode → scale holds at most one frame
        var sink = graph.Sink(scaled, capacity: 1);
        var run = graph.RunAsync();
        var deepestIntoScale = 0;
        var deepestIntoSink = 0;
        var read = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            await Task.Delay(5);
            deepestIntoScale = Math.Max(deepestIntoScale, graph.Metrics![scale.Name].QueueDepth);
            deepestIntoSink = Math.Max(deepestIntoSink, graph.Metrics!["sink0"].QueueDepth);
            if (++read == 40) break;
        }
        await run;

        log.WriteLine($"deepest queue into {scale.Name}: {deepestIntoScale}, into sink0: {deepestIntoSink}");
        Assert.InRange(deepestIntoScale, 0, 1);
        Assert.InRange(deepestIntoSink, 2, 8); // the graph's default still applies elsewhere, and a slow reader fills it
        Assert.Throws<ArgumentOutOfRangeException>(() => scale.Inputs[0].Capacity = 0);
    }

    [Fact(Timeout = 60000)]
    public async Task AppSink_OfPackets_ReceivesEveryPacketWithItsParameters()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var expected = (await Ffprobe.StreamAsync(input, "v:0", countFrames: false)).Packets;
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).VideoPackets);
        var run = graph.RunAsync();
        var packets = 0;
        var keyFrames = 0;
        string? codec = null;
        await foreach (var packet in sink.ReadAllAsync())
            using (packet)
            {
                packets++;
                if (packet.IsKeyFrame) keyFrames++;
                codec ??= packet.Parameters.CodecName;
                Assert.True(packet.Size > 0 && packet.Data.Length == packet.Size);
            }
        await run;

        Assert.Equal(expected, packets);
        Assert.Equal("h264", codec);
        Assert.Equal(2, keyFrames); // -g 25 over 50 frames
    }

    [Fact(Timeout = 60000)]
    public async Task AppSink_Audio_ReceivesEverySample()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        using var json = await Ffprobe.JsonAsync($"-select_streams a:0 -show_entries frame=nb_samples \"{input}\"");
        var expected = json.RootElement.GetProperty("frames").EnumerateArray().Sum(f => f.GetProperty("nb_samples").GetInt64());
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Audio);
        var run = graph.RunAsync();
        long samples = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.Equal((48000, 2), (frame.SampleRate, frame.Channels));
                samples += frame.SampleCount;
            }
        await run;

        log.WriteLine($"{samples} samples, ffprobe decodes {expected}");
        Assert.Equal(expected, samples);
    }

    [Fact(Timeout = 30000)]
    public async Task AppSink_SameGraphRunTwice_DeliversEveryFrameBothTimes()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video);
        for (var run = 0; run < 5; run++)
        {
            var running = graph.RunAsync();
            var frames = 0;
            var reading = Task.Run(async () => { await foreach (var frame in sink.ReadAllAsync()) { frame.Dispose(); frames++; } });
            var finished = await Task.WhenAny(Task.WhenAll(running, reading), Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(finished != null && running.IsCompleted && reading.IsCompleted, $"run {run}: the graph or its reader hung (graph done: {running.IsCompleted}, reader done: {reading.IsCompleted})");
            await running;
            Assert.Equal(10, frames);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Sink_OfARunThatFailsBeforeItStarts_ThrowsTheRunsReasonInsteadOfWaiting()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(Path.Combine(TestMedia.OutputFolder(), "missing.mp4")).Video);
        var run = graph.RunAsync();
        var read = Assert.ThrowsAnyAsync<Exception>(async () => { await foreach (var frame in sink.ReadAllAsync()) frame.Dispose(); });

        var failed = await Assert.ThrowsAsync<GraphValidationException>(() => run);
        var error = await read.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(failed, error);
    }

    [Fact(Timeout = 30000)]
    public async Task Sink_ReadingAGraphThatCannotStart_ThrowsTheReason()
    {
        var graph = new Graph(new GraphOptions { Device = Device.Cuda() });
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36));

        var error = await Assert.ThrowsAnyAsync<Exception>(async () => { await foreach (var frame in sink.ReadAllAsync()) frame.Dispose(); })
            .WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("CUDA", error.Message, StringComparison.OrdinalIgnoreCase);
    }
}
