using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

[Collection(SerialCollection.Name)]
public sealed class CancellationTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task RunAsync_CancelledAfterOneSecond_ThrowsWithinOneSecondAndTheOutputPlays()
    {
        var input = await TestMedia.Long720pAsync(); // 20 s of 720p: libx264 medium needs far longer than 1 s on 2 cores
        var output = Path.Combine(TestMedia.OutputFolder(), "cancelled.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video, null, new EncodeOptions { Preset = "medium" });

        using var cancel = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        long cancelledAt = 0;
        cancel.Token.Register(() => cancelledAt = clock.ElapsedTicks);
        cancel.CancelAfter(TimeSpan.FromSeconds(1));
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(cancel.Token));
        var latency = TimeSpan.FromTicks((clock.ElapsedTicks - cancelledAt) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

        var result = await Ffprobe.StreamAsync(output);
        var metrics = graph.Metrics!;
        log.WriteLine($"RunAsync threw {e.GetType().Name} {latency.TotalMilliseconds:0} ms after the cancel; {metrics.Frames} frames decoded, " +
                      $"{metrics["encode-video0"].FramesOut} packets encoded; the partial output has {result.Frames} frames ({result.Duration:0.00} s)");
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.True(latency <= TimeSpan.FromSeconds(1), $"RunAsync took {latency.TotalMilliseconds:0} ms to throw after the cancel");
        Assert.InRange(result.Frames, 1, 499);
        Assert.Equal((1280, 720), (result.Width, result.Height));
    }

    /// <summary>A run cancelled before its nodes started (here: before RunAsync was even called; on a loaded machine,
    /// while its inputs are still being opened) still has metrics: every node of the run, nothing counted, not null
    /// (an app reading graph.Metrics after the cancellation) and not the previous run's.</summary>
    [Fact(Timeout = 60000)]
    public async Task RunAsync_CancelledBeforeItsNodesStarted_HasMetricsOfThisRunWithNothingCounted()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(await TestMedia.TinyAsync()).Video.Scale(32, 32));
        var drained = Task.Run(async () => { await foreach (var frame in sink.ReadAllAsync()) frame.Dispose(); });
        await graph.RunAsync();
        await drained;
        var first = graph.Metrics!;

        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(cancel.Token));

        var metrics = graph.Metrics;
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.NotNull(metrics);
        Assert.NotSame(first, metrics);
        Assert.Equal(["decode-video0", "demux0", "scale0", "sink0"], metrics.Nodes.Select(n => n.Node).Order());
        Assert.Equal(0, metrics.Frames);
        Assert.All(metrics.Nodes, n => Assert.Equal((0, 0), (n.FramesIn, n.FramesOut)));
        Assert.Equal(TimeSpan.Zero, metrics.Elapsed);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_CancelledWhileTheAppSinkIsNotRead_StillEnds()
    {
        var input = await TestMedia.Long720pAsync();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).Video); // nobody reads: the graph is blocked on backpressure
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(cancel.Token));

        log.WriteLine($"ended {clock.ElapsedMilliseconds} ms after the start (cancel at 300 ms)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5));
        await foreach (var frame in sink.ReadAllAsync()) frame.Dispose(); // what was queued is still the app's to release
    }
}
