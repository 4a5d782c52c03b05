using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph;

/// <summary>Frames in flight are counted in bytes on every edge, and the graph's memory budget bounds them: large
/// frames queue one per edge instead of the channel capacity.</summary>
public sealed class MemoryBudgetTests(ITestOutputHelper log)
{
    [Fact(Timeout = 120000)]
    public async Task MemoryBudget_BoundsTheBytesOfFramesWaitingOnEdges()
    {
        var clip = await TestMedia.ClipAsync("720p-2s.mpg", "-f lavfi -i testsrc2=size=1280x720:rate=25 -t 2 -c:v mpeg2video -q:v 4");
        const long frame = 1280L * 720 * 2; // what the accounting counts for a yuv420p 720p frame (an upper bound)
        const long budget = 4L << 20;

        var unbounded = await RunAsync(clip, 0);
        var bounded = await RunAsync(clip, budget);

        log.WriteLine($"peak bytes in flight: accounting only {unbounded.PeakBytesInFlight / 1e6:0.0} MB, budget {budget / 1e6:0.0} MB: {bounded.PeakBytesInFlight / 1e6:0.0} MB");
        Assert.Equal(50, unbounded.Frames);
        Assert.Equal(50, bounded.Frames);                                   // nothing lost, nothing stalled
        Assert.True(unbounded.PeakBytesInFlight > budget + 2 * frame, "without a budget, frames pile up to the channel capacity");
        Assert.InRange(bounded.PeakBytesInFlight, 1, budget + 2 * frame);    // the budget, plus at most one more frame per frame edge
        Assert.Equal(0, bounded.BytesInFlight);                             // every edge emptied at the end
    }

    private static async Task<GraphMetrics> RunAsync(string clip, long budget)
    {
        var graph = new Graph(new GraphOptions { MemoryBudget = budget, FuseFilters = false });
        var video = graph.Decode(clip).Video;
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), $"out-{budget}.mkv"), video, null, new EncodeOptions { VideoCodec = "libx264", Preset = "medium" });
        return await graph.RunAsync();
    }
}
