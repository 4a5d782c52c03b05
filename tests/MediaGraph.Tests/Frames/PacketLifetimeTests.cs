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

    /// <summary>A released packet no longer carries its parameters: asking for them says so, naming the packet,
    /// rather than giving a null that fails later somewhere else.</summary>
    [Fact(Timeout = 60000)]
    public async Task ParametersOfAReleasedPacket_AreRefusedWithAnExceptionThatSaysItWasReleased()
    {
        var kept = await KeepAllPacketsOfARunAsync(await TestMedia.SmallWithAudioAsync());
        foreach (var p in kept) p.Dispose();

        var error = Assert.Throws<ObjectDisposedException>(() => kept[0].Parameters);
        Assert.Contains("already released", error.Message);
        Assert.Equal(0, kept[0].Data.Length);
    }

    [Fact(Timeout = 60000)]
    public async Task PacketsKeptAfterTheirRunEnded_ShowTheBytesTheyHadDuringTheRun()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var during = new List<byte[]>();
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(input).VideoPackets);
        var run = graph.RunAsync();
        await foreach (var packet in sink.ReadAllAsync()) using (packet) during.Add(packet.Data.ToArray());
        await run;

        var kept = await KeepAllPacketsOfARunAsync(input);
        try
        {
            Assert.Equal(during.Count, kept.Count);
            for (var i = 0; i < kept.Count; i++)
            {
                Assert.Equal(kept[i].Size, kept[i].Data.Length);
                Assert.True(during[i].AsSpan().SequenceEqual(kept[i].Data), $"packet {i} changed after its run ended");
            }
        }
        finally { foreach (var p in kept) p.Dispose(); }
    }

    [Fact(Timeout = 60000)]
    public async Task PacketsKeptAfterTheirRunEnded_DecodeInAnotherRunToFfmpegsFrames()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var expected = await FrameOracle.FfmpegAsync(input, "null");
        var kept = await KeepAllPacketsOfARunAsync(input);

        var graph = new Graph();
        var source = graph.AddPacketSource();
        var sink = graph.Sink(source.Stream().DecodeVideo());
        var run = graph.RunAsync();
        var write = Task.Run(async () =>
        {
            foreach (var packet in kept) await source.WriteAsync(packet);
            source.Complete();
        });
        var frames = new List<OracleFrame>();
        await foreach (var frame in sink.ReadAllAsync()) using (frame) frames.Add(FrameOracle.Describe(frame));
        await write;
        await run;

        Assert.Equal(expected.Select(f => f.Md5), frames.Select(f => f.Md5));
    }

    [Fact(Timeout = 60000)]
    public async Task PacketsKeptAfterTheirRunEnded_PublishThroughABrokerSinkInAnotherRun()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var kept = await KeepAllPacketsOfARunAsync(input);
        var sizes = kept.Select(p => p.Size).ToArray();
        await using var broker = new RecordingBroker();

        var graph = new Graph();
        var source = graph.AddPacketSource();
        source.Stream().PublishTo(broker, "kept", new BrokerSinkOptions { StreamId = "kept" });
        var run = graph.RunAsync();
        foreach (var packet in kept) await source.WriteAsync(packet);
        source.Complete();
        await run;

        var chunks = broker.Messages.Select(m => MediaWire.Decode(m)).OfType<ChunkMessage>().ToList();
        Assert.NotEmpty(chunks);
        using var parameters = MediaWire.CodecParametersFromWire(chunks[0].CodecParameters.Span);
        Assert.Equal("h264", parameters.CodecName);
        Assert.Equal(sizes, chunks.SelectMany(c => c.Packets).Select(p => p.Data.Length));
    }

    /// <summary>A broker that keeps what is published to it, in order.</summary>
    private sealed class RecordingBroker : IMediaBroker
    {
        public List<ReadOnlyMemory<byte>> Messages { get; } = new();
        public string Engine => "recording";
        public ValueTask PrepareTopicAsync(string topic, TopicUse use, CancellationToken cancellationToken = default) => default;
        public ValueTask PublishAsync(string topic, string key, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            lock (Messages) Messages.Add(message.ToArray());
            return default;
        }
        public ValueTask<int> MaxMessageBytesAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult(1 << 20);
        public IAsyncEnumerable<BrokerMessage> ConsumeAsync(string topic, string group, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => default;
    }
}
