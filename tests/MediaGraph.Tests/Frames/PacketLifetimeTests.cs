using MediaGraph.Brokers;
using Xunit;

namespace MediaGraph.Tests.Frames;

using Graph = global::MediaGraph.Graph;

/// <summary>A packet carries its stream's parameters: they stay valid while the packet is referenced, even after
/// the run that made them ended (an app that keeps packets, a broker that sends them later).</summary>
public sealed class PacketLifetimeTests
{
    private static async Task<List<Packet>> KeepAllPacketsOfARunAsync(string input)
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).VideoPackets);
        var run = graph.RunAsync();
        var kept = new List<Packet>();
        await foreach (var packet in sink.ReadAllAsync()) kept.Add(packet);
        await run;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return kept;
    }

    [Fact(Timeout = 60000)]
    public async Task PacketsKeptAfterTheirRunEnded_RemuxInAnotherRun()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var expected = (await Ffprobe.StreamAsync(input, "v:0", countFrames: false)).Packets;
        var kept = await KeepAllPacketsOfARunAsync(input);
        Assert.Equal(expected, kept.Count);
        Assert.Equal("h264", kept[0].Parameters.CodecName);

        var output = Path.Combine(TestMedia.OutputFolder(), "kept-packets.mkv");
        var graph = new Graph();
        var source = graph.AddPacketSource();
        graph.Remux(output, null, (PacketStream)source.Stream(graph));
        var run = graph.RunAsync();
        foreach (var packet in kept) await source.WriteAsync(packet);
        source.Complete();
        await run;

        var written = await Ffprobe.StreamAsync(output);
        Assert.Equal(expected, written.Frames);
        Assert.Equal("h264", written.Codec);
    }

    [Fact(Timeout = 60000)]
    public async Task PacketsKeptAfterTheirRunEnded_WriteTheirCodecParametersToTheWire()
    {
        var kept = await KeepAllPacketsOfARunAsync(await TestMedia.SmallWithAudioAsync());
        try
        {
            var form = MediaWire.CodecParametersToWire(kept[^1].Parameters);
            using var back = MediaWire.CodecParametersFromWire(form);
            Assert.Equal("h264", back.CodecName);
            Assert.Equal(kept[0].Parameters.Description.Width, back.Description.Width);
        }
        finally { foreach (var p in kept) p.Dispose(); }
    }

    [Fact(Timeout = 60000)]
    public async Task ParametersOfReleasedPacketsOfAnEndedRun_AreFreedAndRefusedClearly()
    {
        var kept = await KeepAllPacketsOfARunAsync(await TestMedia.SmallWithAudioAsync());
        var parameters = kept[0].Parameters;
        foreach (var p in kept) p.Dispose();

        var error = Assert.Throws<ObjectDisposedException>(() => MediaWire.CodecParametersToWire(parameters));
        Assert.Contains("h264", error.Message);
    }
}
