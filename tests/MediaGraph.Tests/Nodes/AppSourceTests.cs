using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class AppSourceTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task AppSource_ThirtyGeneratedFrames_EncodeToThirtyFrames()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "generated.mp4");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Encode(output, (VideoStream)source.Stream(graph), null, new EncodeOptions { Preset = "ultrafast" });
        var run = graph.RunAsync();

        for (var i = 0; i < 30; i++)
        {
            var frame = VideoFrame.Allocate(64, 48, PixelFormat.Yuv420P, new Rational(1, 30));
            frame.Pts = i;
            frame.Duration = 1;
            frame.FrameRate = new Rational(30, 1);
            frame.GetPlaneSpan(0).Fill((byte)(16 + i * 7));
            frame.GetPlaneSpan(1).Fill(128);
            frame.GetPlaneSpan(2).Fill(128);
            await source.WriteAsync(frame);
        }
        source.Complete();
        var metrics = await run;

        var result = await Ffprobe.StreamAsync(output);
        var times = await Ffprobe.FrameTimesAsync(output);
        log.WriteLine($"{result.Frames} frames, {result.Duration:0.000} s; {metrics.Frames} through the graph");
        Assert.Equal(30, result.Frames);
        Assert.Equal((64, 48), (result.Width, result.Height));
        Assert.Equal(1.0, result.Duration, 3);
        for (var i = 0; i < times.Count; i++) Assert.Equal(i / 30.0, times[i].Pts - times[0].Pts, 3);
    }

    [Fact(Timeout = 30000)]
    public async Task AppSource_CompletedRightAfterRunAsync_EndsTheRun()
    {
        // Complete() may land before the runtime has created the source's instance on another thread.
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var graph = new Graph();
            var source = graph.AddVideoSource();
            var sink = graph.Sink((VideoStream)source.Stream(graph));
            var run = graph.RunAsync();
            source.Complete();
            var frames = 0;
            await foreach (var frame in sink.ReadAllAsync()) { frame.Dispose(); frames++; }
            var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(5)));
            Assert.True(finished == run, $"attempt {attempt}: the run did not end after Complete()");
            await run;
            Assert.Equal(0, frames);
        }
    }

    [Fact(Timeout = 30000)]
    public async Task Sink_ReadAfterItsRunEnded_ReadsThatRunInsteadOfStartingAnother()
    {
        // The app starts a run, completes the source and is slow to start reading: the run may end first. Reading
        // then gives that run's items and ends; it must not start a second run that waits for a source nobody feeds.
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink((VideoStream)source.Stream(graph));
        var run = graph.RunAsync();
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        await source.WriteAsync(frame);
        source.Complete();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var frames = 0;
        await foreach (var item in sink.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token))
        {
            item.Dispose();
            frames++;
        }
        Assert.Equal(1, frames);
    }

    [Fact(Timeout = 30000)]
    public async Task AppSource_WriteAfterTheRunEnded_ThrowsInvalidOperation()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink((VideoStream)source.Stream(graph));
        var run = graph.RunAsync();
        source.Complete();
        await foreach (var frame in sink.ReadAllAsync()) frame.Dispose();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        var late = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await source.WriteAsync(late)); // and releases it
        Assert.Equal(0, late.ReferenceCount);
    }

    [Fact(Timeout = 30000)]
    public async Task AppSource_SameGraphRunTwice_TakesTheFramesOfEachRun()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink((VideoStream)source.Stream(graph));
        for (var run = 1; run <= 2; run++)
        {
            var running = graph.RunAsync();
            var writer = Task.Run(async () =>
            {
                for (var i = 0; i < 5 * run; i++)
                {
                    var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
                    frame.Pts = i;
                    await source.WriteAsync(frame);
                }
                source.Complete();
            });
            var frames = 0;
            await foreach (var frame in sink.ReadAllAsync()) { frame.Dispose(); frames++; }
            await writer.WaitAsync(TimeSpan.FromSeconds(10));
            await running.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(5 * run, frames);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task AppSource_FrameWithoutTimeBase_IsRefused()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        using var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, default);
        await Assert.ThrowsAsync<ArgumentException>(async () => await source.WriteAsync(frame));
    }
}
