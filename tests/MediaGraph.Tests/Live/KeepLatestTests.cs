using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;
using MediaGraph.Tests.Runtime;

namespace MediaGraph.Tests.Live;

using Graph = global::MediaGraph.Graph;

/// <summary>
/// An edge policy chosen by the producer (<see cref="OutputPort.Policy"/>, set by a live input from
/// <see cref="DecodeOptions.EdgePolicy"/>): a slow consumer costs the oldest frames, counted, instead of pausing the
/// source, and memory stays where it was.
/// </summary>
public sealed class KeepLatestTests
{
    [Fact(Timeout = 30000)]
    public async Task KeepLatestOutput_SlowConsumer_GetsTheNewestFrameAndTheProducerCountsTheDropped()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource(capacity: 64);
        source.Outputs[0].Policy = EdgePolicy.KeepLatest;
        var slow = graph.Add(new PassThroughNode { Delay = TimeSpan.FromMilliseconds(20) });
        graph.Connect(source.Outputs[0], slow.Inputs[0]);
        var sink = graph.Sink(graph.Streams(slow).VideoOutput(0), capacity: 64);
        var run = graph.RunAsync();
        for (var i = 0; i < 40; i++) await source.WriteAsync(TestFrames.Gray(i));
        source.Complete();
        var received = new List<long>();
        await foreach (var frame in sink.ReadAllAsync()) using (frame) received.Add(frame.Pts);
        var metrics = await run;

        var dropped = metrics[source.Name].Dropped;
        Assert.True(dropped > 0, "a consumer that cannot keep up should have lost the frames it could not take");
        Assert.Equal(0, metrics[slow.Name].Dropped);
        Assert.Equal(40, received.Count + dropped);
        Assert.Equal(39, received[^1]); // the newest frame always arrives
        Assert.Equal(received.Order().ToList(), received);
    }

    [Fact]
    public void DecodeOptionsEdgePolicy_IsTheDecodedStreamsOutputPolicy()
    {
        var graph = new Graph();
        var input = graph.Decode("rtsp://127.0.0.1:9/cam", new DecodeOptions { AllowNetwork = true, EdgePolicy = EdgePolicy.DropOldest });

        Assert.Equal(EdgePolicy.DropOldest, input.Video.Port.Policy);
        Assert.Equal(EdgePolicy.Block, graph.Decode(TestMedia.CityCC0).Video.Port.Policy);
    }
}

/// <summary>Memory of a live graph whose consumer is slower than the camera: measured apart from other tests.</summary>
[Collection(SerialCollection.Name)]
public sealed class KeepLatestMemoryTests(ITestOutputHelper log)
{
    /// <summary>A 25 fps camera read at 10 fps behind keep-latest: the consumer stays within a fraction of a second
    /// of the camera (with Block it would fall 1.5 s further behind every second), the decoder counts what it
    /// dropped, and the process's resident memory does not grow once running.</summary>
    [Fact(Timeout = 90000)]
    public async Task KeepLatest_SlowConsumerOfALiveCamera_NeverFallsBehindAndHoldsItsMemory()
    {
        using var camera = await RtspCamera.StartAsync(640, 360);
        var graph = new Graph();
        var input = graph.Decode(camera.Url, new DecodeOptions
        {
            AllowNetwork = true,
            FormatOptions = new Dictionary<string, string> { ["rtsp_transport"] = "tcp" },
            EdgePolicy = EdgePolicy.KeepLatest,
        });
        var sink = graph.Sink(input.Video);
        var run = graph.RunAsync();
        var clock = Stopwatch.StartNew();
        long rssWarm = 0;
        double firstPts = double.NaN, firstWall = 0;
        var lags = new List<double>();
        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            using (frame)
            {
                var pts = frame.Pts * frame.TimeBase.ToDouble();
                if (frame.Pts == Timestamp.None) continue;
                if (double.IsNaN(firstPts)) (firstPts, firstWall) = (pts, clock.Elapsed.TotalSeconds);
                var lag = clock.Elapsed.TotalSeconds - firstWall - (pts - firstPts);
                if (clock.Elapsed.TotalSeconds > 4) lags.Add(lag);
                frames++;
            }
            if (rssWarm == 0 && clock.Elapsed.TotalSeconds > 3) rssWarm = Rss();
            if (clock.Elapsed.TotalSeconds > 10) break;
            await Task.Delay(100); // 10 frames a second from a 25 fps camera
        }
        var rssEnd = Rss();
        await graph.StopAsync();
        var metrics = await run;

        log.WriteLine(metrics.Summary());
        var lagLate = lags.Order().ElementAt(lags.Count / 2); // the median: one stall of a loaded machine is not falling behind
        log.WriteLine($"{frames} frames read; median lag after 4 s {lagLate:0.000} s (max {lags.Max():0.000} s); RSS {rssWarm / 1048576.0:0.0} MiB at 3 s, {rssEnd / 1048576.0:0.0} MiB at 10 s");
        var decoder = metrics.Nodes.Single(n => n.Roles.HasFlag(NodeRoles.DecodesVideo));
        Assert.True(decoder.Dropped > 50, $"the decoder dropped {decoder.Dropped} frames the consumer could not take");
        Assert.True(lagLate < 0.5, $"the consumer fell {lagLate:0.000} s behind the camera (with Block it falls 1.5 s further behind every second)");
        Assert.True(rssEnd - rssWarm < 24L << 20, $"RSS grew by {(rssEnd - rssWarm) / 1048576.0:0.0} MiB in 7 s");
    }

    private static long Rss()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.WorkingSet64;
    }
}
