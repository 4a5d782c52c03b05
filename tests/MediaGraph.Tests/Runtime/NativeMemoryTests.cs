using MediaGraph.Interop;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>
/// The native heap after runs: FFmpeg's memory is freed into the malloc arenas of the threads that used it, and a run
/// gives what the arenas keep free back to the system when it ends and now and then while it runs
/// (<see cref="GraphOptions.TrimNativeMemory"/>). Serial: the trim counter and the C heap are process-wide.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class NativeMemoryTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task RunAsync_Ended_TrimsTheNativeHeap()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = "ffv1" });
        var before = NativeHeap.Trims;

        await graph.RunAsync();

        await TrimmedAsync(before); // on a pool thread, just after the run's task completed
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_Failed_TrimsTheNativeHeapToo()
    {
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "no-such-folder", "out.mkv"), graph.Decode(await TestMedia.TinyAsync()).Video, null,
            new EncodeOptions { VideoCodec = "ffv1" });
        var before = NativeHeap.Trims;

        await Assert.ThrowsAnyAsync<Exception>(() => graph.RunAsync());

        await TrimmedAsync(before);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_TrimOff_LeavesTheNativeHeapAlone()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph { Options = { TrimNativeMemory = false } };
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = "ffv1" });
        while (!NativeHeap.Idle) await Task.Delay(10); // an earlier test's trim, still on the pool
        var before = NativeHeap.Trims;

        await graph.RunAsync();
        await Task.Delay(200); // a trim would have been queued to the pool by now
        while (!NativeHeap.Idle) await Task.Delay(10);

        Assert.Equal(before, NativeHeap.Trims);
    }

    [Fact(Timeout = 60000)]
    public async Task RunAsync_LongRun_TrimsWhileItRuns()
    {
        var graph = new Graph { Options = { NativeMemoryTrimInterval = TimeSpan.FromMilliseconds(20) } };
        var source = graph.AddVideoSource();
        graph.Sink(source.Stream());
        var before = NativeHeap.Trims;

        var run = graph.RunAsync();
        while (NativeHeap.Trims < before + 3) await Task.Delay(10); // a run that has not ended: only the timer trims
        Assert.False(run.IsCompleted);
        source.Complete();
        await run;
    }

    [Fact(Timeout = 60000)]
    public async Task TrimInBackground_AskedManyTimesAtOnce_FoldsIntoFewTrims()
    {
        var before = NativeHeap.Trims;
        Parallel.For(0, 100, _ => NativeHeap.TrimInBackground());
        await TrimmedAsync(before);
        await Task.Delay(200);

        var trims = NativeHeap.Trims - before;
        Assert.InRange(trims, 1, 99); // one queued, the rest folded into at most one more each time one finished
    }

    private static async Task TrimmedAsync(long before)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (NativeHeap.Trims <= before)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "the run ended without trimming the native heap");
            await Task.Delay(10);
        }
    }

    [Fact]
    public void NativeMemoryTrimInterval_ZeroOrNegative_IsRefused()
    {
        var options = new GraphOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.NativeMemoryTrimInterval = TimeSpan.Zero);
    }

    [Fact(Timeout = 120000)]
    public async Task RunAsync_ManyRuns_GiveTheirNativeHeapBack()
    {
        // What a run allocates in C (codec contexts, frames, pools) is freed when it ends: the C heap in use after
        // 40 more runs is where it was, so nothing per run is kept. (A leaked decoder or frame pool per run would add
        // hundreds of KiB each.)
        if (NativeHeap.Stats() is null) return; // the C library cannot say (not glibc)
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        async Task RunAsync(int i)
        {
            var graph = new Graph();
            graph.Encode(Path.Combine(folder, $"out{i % 2}.mkv"), graph.Decode(input).Video.Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });
            await graph.RunAsync();
        }
        for (var i = 0; i < 10; i++) await RunAsync(i);
        GC.Collect(); GC.WaitForPendingFinalizers();
        var warm = NativeHeap.Stats()!.Value;

        for (var i = 0; i < 40; i++) await RunAsync(i);
        GC.Collect(); GC.WaitForPendingFinalizers();
        var after = NativeHeap.Stats()!.Value;

        log.WriteLine($"C heap in use: {warm.InUse / 1024} KiB after 10 runs, {after.InUse / 1024} KiB after 50 ({(after.InUse - warm.InUse) / 1024:+0;-0} KiB)");
        Assert.True(after.InUse - warm.InUse < 2 * 1024 * 1024, $"the C heap in use grew by {(after.InUse - warm.InUse) / 1024} KiB over 40 runs");
    }
}
