using MediaGraph.Brokers;
using Xunit;

namespace MediaGraph.Tests.Brokers;

public sealed class MediaWireTests
{
    private sealed record Detection(string Label, double Score);

    /// <summary>The first <paramref name="count"/> video packets of <paramref name="path"/>, as a chunk, and what the
    /// demuxer said about them (timing, flags, data, the codec form of their parameters), taken while the run that
    /// owns their parameters is alive.</summary>
    private static async Task<(byte[] Chunk, List<(long Pts, long Dts, long Duration, bool Key, byte[] Data)> Sent, StreamDescription Description, byte[] Form)> ChunkAsync(string path, int count)
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(path).VideoPackets, capacity: 64);
        var packets = new List<Packet>();
        byte[]? chunk = null, form = null;
        StreamDescription? description = null;
        var sent = new List<(long, long, long, bool, byte[])>();
        await foreach (var p in sink.ReadAllAsync())
        {
            packets.Add(p);
            sent.Add((p.Pts, p.Dts, p.Duration, p.IsKeyFrame, p.Data.ToArray()));
            if (packets.Count == count)
            {
                chunk = MediaWire.EncodeChunk("cam1", 7, packets, originMicros: 1234);
                form = MediaWire.CodecParametersToWire(p.Parameters);
                description = p.Parameters.Description;
                break;
            }
        }
        packets.ForEach(p => p.Dispose());
        return (chunk!, sent, description!, form!);
    }

    [Fact]
    public async Task Chunk_RoundTrip_KeepsTimingFlagsDataAndCodecParameters()
    {
        var (bytes, sent, description, form) = await ChunkAsync(await BrokerMedia.GopsAsync(), 10);
        var chunk = Assert.IsType<ChunkMessage>(MediaWire.Decode(bytes));
        Assert.Equal(("cam1", 7L, 1234L), (chunk.StreamId, chunk.Sequence, chunk.OriginMicros));
        Assert.Equal(description.TimeBase, chunk.TimeBase);
        Assert.Equal(sent.Select(p => (p.Pts, p.Dts, p.Duration, p.Key)), chunk.Packets.Select(p => (p.Pts, p.Dts, p.Duration, p.IsKeyFrame)));
        Assert.All(sent.Zip(chunk.Packets), x => Assert.Equal(x.First.Data, x.Second.Data.ToArray()));
        using var parameters = MediaWire.CodecParametersFromWire(chunk.CodecParameters.Span);
        var got = parameters.Description;
        Assert.Equal((description.Codec, description.Width, description.Height, description.PixelFormat, description.TimeBase, description.FrameRate),
            (got.Codec, got.Width, got.Height, got.PixelFormat, got.TimeBase, got.FrameRate));
        // The avcC extradata travels too: the parameters read back write the same form.
        Assert.Equal(form, MediaWire.CodecParametersToWire(parameters));
    }

    [Fact]
    public async Task Chunk_DecodedOnTheOtherSide_GivesTheFramesFfprobeCounts()
    {
        var path = await BrokerMedia.GopsAsync();
        var chunk = (ChunkMessage)MediaWire.Decode((await ChunkAsync(path, 10)).Chunk);

        using var parameters = MediaWire.CodecParametersFromWire(chunk.CodecParameters.Span);
        var graph = new Graph();
        var source = graph.AddPacketSource();
        var sink = graph.Sink(source.Stream().DecodeVideo());
        var run = graph.RunAsync();
        var write = Task.Run(async () =>
        {
            foreach (var p in chunk.Packets) await source.WriteAsync(Packet.FromData(p.Data.Span, parameters, p.Pts, p.Dts, p.Duration, p.IsKeyFrame));
            source.Complete();
        });
        var pts = new List<long>();
        await foreach (var frame in sink.ReadAllAsync()) using (frame) pts.Add(frame.Pts);
        await write;
        await run;
        // ffprobe: the first GOP of the clip is its first 10 frames (a closed GOP decodes alone).
        Assert.Equal((await BrokerMedia.ProbePtsAsync(path)).Take(10), pts);
    }

    [Fact]
    public void Results_RoundTrip_RegisteredMetadataComesBackTypedAndOtherTypesAsJson()
    {
        MediaWire.RegisterMetadata<Detection>();
        var results = new ResultsMessage("cam1", 3, new Rational(1, 25), [
            new FrameResult(0, 1, [new Detection("text", 0.9), new Uri("https://example.com/x")]),
            new FrameResult(1, 1, []),
        ]) { Worker = "w1", WorkMilliseconds = 12.5, OriginMicros = 99 };
        var back = Assert.IsType<ResultsMessage>(MediaWire.Decode(MediaWire.EncodeResults(results)));
        Assert.Equal(("cam1", 3L, new Rational(1, 25), "w1", 12.5, 99L), (back.StreamId, back.Sequence, back.TimeBase, back.Worker, back.WorkMilliseconds, back.OriginMicros));
        Assert.Equal(new Detection("text", 0.9), back.Frames[0].Get<Detection>());
        Assert.Equal("System.Uri", back.Frames[0].Get<WireMetadata>()!.Type);
        Assert.Empty(back.Frames[1].Metadata);
        Assert.Null(back.Error);
    }

    [Fact]
    public void Decode_AMessageThatIsNotOurs_SaysSo()
    {
        var e = Assert.Throws<WireFormatException>(() => MediaWire.Decode("{\"hello\":1}"u8.ToArray()));
        Assert.Contains("not a MediaGraph message", e.Message);
        Assert.False(MediaWire.IsOurs("{\"hello\":1}"u8));
    }

    [Fact]
    public void Decode_AnotherWireVersion_NamesBothVersions()
    {
        var bytes = MediaWire.EncodeEnd("cam1", 3);
        bytes[3] = 9;
        var e = Assert.Throws<WireFormatException>(() => MediaWire.Decode(bytes));
        Assert.Contains("version 9", e.Message);
    }

    [Fact]
    public async Task Decode_ATruncatedChunk_FailsAtEveryCutWithoutCrashing()
    {
        var bytes = (await ChunkAsync(await BrokerMedia.GopsAsync(), 3)).Chunk;
        for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, cut / 8))
        {
            var e = Assert.Throws<WireFormatException>(() => MediaWire.Decode(bytes.AsMemory(0, cut)));
            Assert.False(string.IsNullOrEmpty(e.Message));
        }
    }

    [Fact]
    public void CodecParametersFromWire_ADamagedForm_ThrowsWireFormatException()
    {
        Assert.Throws<WireFormatException>(() => MediaWire.CodecParametersFromWire([1, 5, 0, 0, 0, (byte)'n', (byte)'o']));
        Assert.Throws<WireFormatException>(() => MediaWire.CodecParametersFromWire([1, 4, 0, 0, 0, (byte)'z', (byte)'z', (byte)'z', (byte)'z']));
    }
}
