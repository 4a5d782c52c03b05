using System.Diagnostics;
using MediaGraph.Interop;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

[Collection(SerialCollection.Name)]
public sealed class ResourceTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task RunAsync_TwoHundredGraphs_LeaveNoNativeHandlesAndMemoryStaysFlat()
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        Settle();
        var before = NativeMethods.mg_live_handles();
        long managedAt50 = 0, workingSetAt50 = 0;
        var clock = Stopwatch.StartNew();

        for (var i = 1; i <= 200; i++)
        {
            var output = Path.Combine(folder, $"out{i % 2}.mkv");
            var graph = new Graph();
            graph.Encode(output, graph.Decode(input).Video.Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });
            var metrics = await graph.RunAsync();
            Assert.Equal(10, metrics.Frames);
            if (i == 50)
            {
                Settle();
                (managedAt50, workingSetAt50) = (GC.GetTotalMemory(true), WorkingSet());
            }
        }
        var live = NativeMethods.mg_live_handles(); // before any collection: handles must have been freed, not finalised
        Settle();
        var (managedAt200, workingSetAt200) = (GC.GetTotalMemory(true), WorkingSet());

        log.WriteLine($"200 graphs in {clock.Elapsed.TotalSeconds:0.0} s; native handles before {before}, after {live}");
        log.WriteLine($"managed: {managedAt50 / 1024} KiB at graph 50, {managedAt200 / 1024} KiB at graph 200 ({(managedAt200 - managedAt50) / 1024:+0;-0} KiB)");
        log.WriteLine($"working set: {workingSetAt50 / 1048576.0:0.0} MiB at graph 50, {workingSetAt200 / 1048576.0:0.0} MiB at graph 200 ({(workingSetAt200 - workingSetAt50) / 1048576.0:+0.0;-0.0} MiB)");
        Assert.Equal(before, live); // this test's graphs leave none (another test's leftovers are not its to judge)
        Assert.True(managedAt200 - managedAt50 < 2 * 1024 * 1024, $"managed memory grew by {(managedAt200 - managedAt50) / 1024} KiB over 150 graphs");
        // The working set still grows a little after graph 50 while the JIT tiers up and the thread pool and malloc
        // arenas settle (about 20 MiB here, flat from graph ~300 to 1000); a leaked encoder or frame pool per graph
        // would add far more over 150 graphs.
        Assert.True(workingSetAt200 - workingSetAt50 < 32 * 1024 * 1024, $"the working set grew by {(workingSetAt200 - workingSetAt50) / 1048576.0:0.0} MiB over 150 graphs");
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_FailedAndCancelledRuns_LeaveNoNativeHandles()
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        Settle();
        var before = NativeMethods.mg_live_handles();

        var failing = new Graph();
        var node = failing.Add(new PassThroughNode { FailAt = 5 });
        failing.Connect(failing.Decode(input).Video.Port, node.Inputs[0]);
        failing.Encode(Path.Combine(folder, "failed.mkv"), failing.Streams(node).VideoOutput(0), null, new EncodeOptions { VideoCodec = "ffv1" });
        await Assert.ThrowsAsync<MediaGraphException>(() => failing.RunAsync());
        var afterFault = NativeMethods.mg_live_handles();

        var badOption = new Graph();
        badOption.Encode(Path.Combine(folder, "bad.mp4"), badOption.Decode(input).Video, null,
            new EncodeOptions { VideoCodecOptions = new Dictionary<string, string> { ["nosuchoption"] = "1" } });
        await Assert.ThrowsAnyAsync<MediaGraphException>(() => badOption.RunAsync());
        var afterEncoderFailure = NativeMethods.mg_live_handles();

        var cancelled = new Graph();
        var slow = cancelled.Add(new PassThroughNode { Delay = TimeSpan.FromMilliseconds(50) });
        cancelled.Connect(cancelled.Decode(TestMedia.CityCC0).Video.Port, slow.Inputs[0]);
        cancelled.Encode(Path.Combine(folder, "cancelled.mkv"), cancelled.Streams(slow).VideoOutput(0).Scale(64, 36), null, new EncodeOptions { VideoCodec = "ffv1" });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.RunAsync(new CancellationTokenSource(TimeSpan.FromMilliseconds(300)).Token));

        var live = NativeMethods.mg_live_handles();
        log.WriteLine($"native handles before {before}; after a node fault {afterFault}, after an encoder that failed to open {afterEncoderFailure}, after a cancelled run {live}");
        Assert.Equal(before, afterFault);
        Assert.Equal(before, afterEncoderFailure);
        Assert.Equal(before, live);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // Each run trims the C heap in the background when it ends; measure after that, with one more trim of our
        // own, so the working set shows what is held (not what an earlier test's freed arenas still kept).
        var deadline = Stopwatch.StartNew();
        while (!NativeHeap.Idle && deadline.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
        NativeHeap.Trim();
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
