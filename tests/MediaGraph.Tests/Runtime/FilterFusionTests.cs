using MediaGraph.Tests.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

/// <summary><see cref="GraphOptions.FuseFilters"/> changes how a chain runs (one libavfilter graph on one thread
/// instead of one per node), never what it gives: frames and timestamps are identical either way.</summary>
public sealed class FilterFusionTests(ITestOutputHelper log)
{
    [Theory(Timeout = 60000)]
    [InlineData(DeinterlaceMethod.Yadif, DeinterlaceMode.SendFrame)]
    [InlineData(DeinterlaceMethod.Bwdif, DeinterlaceMode.SendField)]
    public async Task DeinterlaceThenScale_FusedAndUnfused_GiveIdenticalFramesAndTimestamps(DeinterlaceMethod method, DeinterlaceMode mode)
    {
        var input = await DeinterlaceOracleTests.InterlacedAsync();
        VideoStream Chain(global::MediaGraph.Graph g) => g.Decode(input).Video
            .Deinterlace(new DeinterlaceOptions { Method = method, Mode = mode })
            .Scale(175, 143, ScaleAlgorithm.Lanczos);

        var (fused, fusedMetrics) = await FrameOracle.MediaGraphWithMetricsAsync(Chain, new GraphOptions { FuseFilters = true });
        var (separate, separateMetrics) = await FrameOracle.MediaGraphWithMetricsAsync(Chain, new GraphOptions { FuseFilters = false });

        log.WriteLine($"fused: {string.Join(", ", fusedMetrics.Nodes.Select(n => n.Node))}; unfused: {string.Join(", ", separateMetrics.Nodes.Select(n => n.Node))}");
        foreach (var (a, b) in fused.Zip(separate)) log.WriteLine($"  fused {a}   unfused {b}");
        Assert.Contains(fusedMetrics.Nodes, n => n.Node == "deinterlace0+scale0"); // the chain really ran as one graph
        Assert.Contains(separateMetrics.Nodes, n => n.Node == "deinterlace0");
        Assert.Contains(separateMetrics.Nodes, n => n.Node == "scale0");
        Assert.Equal(mode == DeinterlaceMode.SendFrame ? 12 : 24, fused.Count);
        Assert.All(fused, f => Assert.Equal((175, 143), (f.Width, f.Height)));
        Assert.Equal(separate, fused);
    }
}
