using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary><see cref="AppSink{T}.TakesDeviceFrames"/>: a sink that takes frames where they live gets device frames
/// with no download before it (nothing moves device → host), and host frames as they are; by default the graph
/// downloads before a sink.</summary>
[Collection(Kernels.SimDeviceCollection.Name)]
public sealed class SinkDeviceFramesTests
{
    private static async Task<(List<FrameLocation> Locations, GraphMetrics Metrics)> RunAsync(bool takesDeviceFrames, bool scale)
    {
        var clip = await TestMedia.TinyAsync(6);
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.CudaSim });
        var video = graph.Decode(clip).Video;
        if (scale) video = video.Scale(32, 24);
        var sink = graph.Sink(video);
        sink.TakesDeviceFrames = takesDeviceFrames;
        var run = graph.RunAsync();
        var locations = new List<FrameLocation>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                locations.Add(frame.Location);
        return (locations, await run);
    }

    [Fact(Timeout = 120000)]
    public async Task TakesDeviceFrames_AfterADeviceNode_GetsDeviceFramesWithNoDownload()
    {
        if (!ComputeDevice.IsSupported) return;
        var (locations, metrics) = await RunAsync(takesDeviceFrames: true, scale: true);
        Assert.Equal(6, locations.Count);
        Assert.All(locations, l => Assert.Equal(FrameLocation.Cuda, l));
        Assert.DoesNotContain(metrics.Nodes, n => n.Kind == "download");
        Assert.Equal(0, metrics.Nodes.Sum(n => n.BytesDownloaded));
    }

    [Fact(Timeout = 120000)]
    public async Task TakesDeviceFrames_TheRunEndsOnlyAfterTheAppHandledItsLastFrame()
    {
        if (!ComputeDevice.IsSupported) return;
        var clip = await TestMedia.TinyAsync(6);
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.CudaSim });
        var sink = graph.Sink(graph.Decode(clip).Video.Scale(32, 24), capacity: 8);
        sink.TakesDeviceFrames = true;
        var run = graph.RunAsync();
        var endedWhileHeld = new List<bool>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                await Task.Delay(100); // a slow app: the nodes are done long before it is
                endedWhileHeld.Add(run.IsCompleted);
            }
        await run;
        Assert.Equal(6, endedWhileHeld.Count);
        Assert.All(endedWhileHeld, ended => Assert.False(ended)); // the device outlives every frame the app held
    }

    [Fact(Timeout = 120000)]
    public async Task TakesDeviceFrames_AfterAHostDecoder_GetsHostFramesWithNoUpload()
    {
        if (!ComputeDevice.IsSupported) return;
        var (locations, metrics) = await RunAsync(takesDeviceFrames: true, scale: false);
        Assert.Equal(6, locations.Count);
        Assert.All(locations, l => Assert.Equal(FrameLocation.Host, l));
        Assert.Equal(0, metrics.Nodes.Sum(n => n.BytesUploaded + n.BytesDownloaded));
    }

    [Fact(Timeout = 120000)]
    public async Task ByDefault_ASinkAfterADeviceNode_GetsDownloadedHostFrames()
    {
        if (!ComputeDevice.IsSupported) return;
        var (locations, metrics) = await RunAsync(takesDeviceFrames: false, scale: true);
        Assert.All(locations, l => Assert.Equal(FrameLocation.Host, l));
        Assert.Contains(metrics.Nodes, n => n.Kind == "download" && n.BytesDownloaded > 0);
    }
}
