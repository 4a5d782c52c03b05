using MediaGraph.Interop;
using Microsoft.Extensions.Logging;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>Hardware decoding (DecodeOptions.HwAccel) on a machine without a GPU: Auto decodes in software and says so
/// once; Cuda fails at once naming the cause. (NVDEC itself is unverified on hardware until a GPU is lent.)</summary>
public sealed class HwDecodeTests
{
    private static bool NoGpu => CudaDriver.Probe(out _) == 0;

    /// <summary>Decodes the city clip into an app sink; returns the frame count, the log and where the frames lived.</summary>
    private static async Task<(int Frames, ListLogger Log, HashSet<FrameLocation> Locations)> DecodeAsync(HwAccel hwaccel, Device device)
    {
        var log = new ListLogger(LogLevel.Information);
        var graph = new MediaGraph.Graph(new GraphOptions { Device = device, LoggerFactory = new ListLoggerFactory(log) });
        var sink = graph.Sink(graph.Decode(TestMedia.CityCC0, new DecodeOptions { HwAccel = hwaccel }).Video);
        var frames = 0;
        var locations = new HashSet<FrameLocation>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                frames++;
                locations.Add(frame.Location);
            }
        return (frames, log, locations);
    }

    [Fact(Timeout = 120000)]
    public async Task HwAccelAuto_WithoutGpu_DecodesInSoftwareAndSaysSoOnce()
    {
        if (!NoGpu) return;
        var (frames, log, locations) = await DecodeAsync(HwAccel.Auto, Device.Auto);
        Assert.Equal(190, frames);
        Assert.Equal([FrameLocation.Host], locations);
        var said = log.Lines.Where(l => l.Text.Contains("hwaccel auto")).ToList();
        Assert.Single(said);
        Assert.Contains("decoded in software", said[0].Text);
    }

    [Fact(Timeout = 120000)]
    public async Task HwAccelCuda_WithoutGpu_FailsAtOnceNamingTheCause()
    {
        if (!NoGpu) return;
        var e = await Assert.ThrowsAsync<MediaGraphException>(() => DecodeAsync(HwAccel.Cuda, Device.Cpu));
        Assert.Contains("hwaccel cuda", e.Message);
        Assert.Contains("--hwaccel auto", e.Message);
    }

    [Fact(Timeout = 120000)]
    public async Task HwAccelCuda_OnDeviceCudaWithoutGpu_FailsAtOnceWithTheDriversReason()
    {
        if (!NoGpu || !ComputeDevice.IsSupported) return;
        var graph = new MediaGraph.Graph(new GraphOptions { Device = Device.Cuda(0) });
        graph.Encode(Path.Combine(TestMedia.OutputFolder("hwcuda"), "o.mkv"), graph.Decode(TestMedia.CityCC0, new DecodeOptions { HwAccel = HwAccel.Cuda }).Video);
        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());
        Assert.Contains("libcuda.so.1", e.Message);
    }

    [Fact]
    public void HwAccel_RoundTripsThroughJson()
    {
        var graph = new MediaGraph.Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder("hw"), "o.mkv"), graph.Decode(TestMedia.CityCC0, new DecodeOptions { HwAccel = HwAccel.Auto }).Video);
        var json = graph.ToJson();
        Assert.Matches("\"hwAccel\":\\s*\"auto\"", json);
        Assert.Equal(json, MediaGraph.Graph.FromJson(json).ToJson());
    }
}
