using MediaGraph.Brokers;
using MediaGraph.Kafka;
using MediaGraph.Nats;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Brokers;

/// <summary>
/// The edge uploader's publishing: a clip cut into 3-second MPEG-TS segments (libx264, a key frame every 3 s, the
/// segment muxer) by a graph, each finished segment published with its JSON sidecar by <see cref="SegmentPublisher"/>
/// to a real nats-server (and Kafka's mock cluster) whose largest message is smaller than a segment, and read back by
/// <see cref="SegmentReader"/>. ffprobe is the oracle for what arrives.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class SegmentPublishTests(ITestOutputHelper output)
{
    /// <summary>A broker message of at most 32 KiB: every 3-second segment of the noisy clip is larger.</summary>
    private const int MaxPayload = 32 * 1024;

    /// <summary>320x180 25 fps H.264, 8 s (200 frames) of moving noise, so each 3-second segment is well over
    /// <see cref="MaxPayload"/>: 3 segments (3 + 3 + 2 s).</summary>
    private static Task<string> NoisyClipAsync() => TestMedia.ClipAsync("noisy8s.mkv",
        "-f lavfi -i testsrc2=size=320x180:rate=25 -vf noise=alls=40:allf=t -frames:v 200 -c:v libx264 -preset ultrafast -pix_fmt yuv420p");

    [Fact]
    public async Task Segments_LargerThanTheServersMaxPayload_ArriveWholeAndOnce_AndDecodeAsTheirSidecarsSay()
    {
        await using var server = await NatsServer.StartAsync(maxPayload: MaxPayload);
        await using var broker = new NatsMediaBroker(server.Url);
        var folder = TestMedia.OutputFolder();
        var publisher = new SegmentPublisher(broker, "upload");

        var cut = await CutAsync(await NoisyClipAsync(), folder, publisher, "cam1");

        Assert.Equal(3, cut.Count);
        Assert.Equal(MaxPayload, await broker.MaxMessageBytesAsync());
        // The limit is the server's: the largest segment in one message is refused.
        var largest = await File.ReadAllBytesAsync(cut.MaxBy(c => new FileInfo(c.Path).Length)!.Path);
        await Assert.ThrowsAnyAsync<Exception>(async () => await broker.PublishAsync("upload", "cam1", largest));

        var received = await ReadAsync(broker, "upload", count: 3);
        await AssertSegmentsAsync(received, cut, folder, totalFrames: 200);
        Assert.All(received, r => Assert.True(r.Parts > 1, $"segment {r.Sequence} ({r.Data.Length} bytes) came in {r.Parts} message(s)"));
    }

    [Fact]
    public async Task ServerKilledAfterTheFirstSegment_AndBackTwoSecondsLater_EverySegmentArrivesOnce()
    {
        await using var server = await NatsServer.StartAsync(maxPayload: MaxPayload);
        await using var broker = new NatsMediaBroker(server.Url);
        var folder = TestMedia.OutputFolder();
        var publisher = new SegmentPublisher(broker, "upload", new SegmentPublisherOptions { PublishTimeout = TimeSpan.FromSeconds(60) });
        Task? restart = null;
        publisher.SegmentPublished += s =>
        {
            if (s.Sidecar.Sequence != 0) return;
            server.Stop(); // kill -9: the next segments wait for it
            restart = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => server.StartAgainAsync()).Unwrap();
        };

        var cut = await CutAsync(await NoisyClipAsync(), folder, publisher, "cam1");
        await restart!;

        Assert.Equal(3, publisher.Published);
        var received = await ReadAsync(broker, "upload", count: 3);
        await AssertSegmentsAsync(received, cut, folder, totalFrames: 200);
    }

    [Fact]
    public async Task ServerThatNeverComesBack_FailsNamingTheBrokerTopicAndSegment_AndKeepsTheSegmentsOnDisk()
    {
        await using var server = await NatsServer.StartAsync(maxPayload: MaxPayload);
        await using var broker = new NatsMediaBroker(server.Url);
        var folder = TestMedia.OutputFolder();
        var clip = await NoisyClipAsync();
        var publisher = new SegmentPublisher(broker, "upload", new SegmentPublisherOptions { PublishTimeout = TimeSpan.FromSeconds(3), DeletePublished = true });
        publisher.SegmentPublished += s => { if (s.Sidecar.Sequence == 0) server.Stop(); };

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => CutAsync(clip, folder, publisher, "cam1"));

        output.WriteLine(e.Message);
        Assert.Equal("publish to nats 'upload'", e.Node);
        Assert.Contains("chunk-00001.ts", e.Message);
        Assert.Contains("did not take it within 3 s", e.Message);
        Assert.Contains("kept on disk", e.Message);
        Assert.False(File.Exists(Path.Combine(folder, "chunk-00000.ts")), "a published segment is deleted from the spool");
        foreach (var kept in new[] { "chunk-00001.ts", "chunk-00001.json", "chunk-00002.ts", "chunk-00002.json" })
            Assert.True(File.Exists(Path.Combine(folder, kept)), $"{kept} was not kept");
    }

    [Fact]
    public async Task OnKafka_SegmentsLargerThanMaxMessageBytes_ArriveWholeAndOnce()
    {
        using var cluster = new KafkaMockCluster();
        await using var broker = new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = cluster.BootstrapServers, MaxMessageBytes = MaxPayload });
        var folder = TestMedia.OutputFolder();
        var publisher = new SegmentPublisher(broker, "upload");

        var cut = await CutAsync(await NoisyClipAsync(), folder, publisher, "cam1");

        var received = await ReadAsync(broker, "upload", count: 3);
        await AssertSegmentsAsync(received, cut, folder, totalFrames: 200);
        Assert.All(received, r => Assert.True(r.Parts > 1));
    }

    [Fact]
    public async Task OnKafka_BrokerDownAfterTheFirstSegment_AndUpTwoSecondsLater_EverySegmentArrivesOnce()
    {
        using var cluster = new KafkaMockControl();
        await using var broker = new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = cluster.BootstrapServers, MaxMessageBytes = MaxPayload });
        var folder = TestMedia.OutputFolder();
        var publisher = new SegmentPublisher(broker, "upload", new SegmentPublisherOptions { PublishTimeout = TimeSpan.FromSeconds(60) });
        Task? up = null;
        publisher.SegmentPublished += s =>
        {
            if (s.Sidecar.Sequence != 0) return;
            cluster.SetBrokersDown();
            up = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => cluster.SetBrokersUp());
        };

        var cut = await CutAsync(await NoisyClipAsync(), folder, publisher, "cam1");
        await up!;

        var received = await ReadAsync(broker, "upload", count: 3);
        await AssertSegmentsAsync(received, cut, folder, totalFrames: 200);
    }

    [Fact]
    public async Task PartsDeliveredTwice_AndForeignMessages_AreCountedAndSkipped_TheSegmentHandedOutOnce()
    {
        await using var server = await NatsServer.StartAsync();
        var log = new ListLogger();
        await using var broker = new NatsMediaBroker(server.Url);
        await broker.PrepareTopicAsync("upload", TopicUse.Log);
        var segment = new byte[6000];
        Random.Shared.NextBytes(segment);
        var sidecar = new SegmentSidecar("cam1", 0, "chunk-00000.ts", 0, 3, 75, 320, 180, "h264", segment.Length, DateTimeOffset.UtcNow).ToJson();
        var parts = MediaWire.EncodeSegmentParts("cam1", 0, sidecar, segment, 2048);
        Assert.Equal(4, parts.Count);
        await broker.PublishAsync("upload", "x", "not ours"u8.ToArray());           // seq 1
        foreach (var p in new[] { parts[0], parts[1], parts[1], parts[2] }) await broker.PublishAsync("upload", "cam1", p);
        await broker.PublishAsync("upload", "cam1", parts[3].AsMemory(0, parts[3].Length - 10)); // seq 6: truncated
        await broker.PublishAsync("upload", "cam1", parts[3]);
        foreach (var p in parts) await broker.PublishAsync("upload", "cam1", p);      // the whole segment again

        var reader = new SegmentReader(broker, "upload", logger: log.For("MediaGraph.Brokers"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var received = new List<ReceivedSegment>();
        try { await foreach (var r in reader.ReadAsync(timeout.Token)) received.Add(r); }
        catch (OperationCanceledException) { }

        output.WriteLine(reader.Counters.ToString());
        var only = Assert.Single(received);
        Assert.Equal(segment, only.Data.ToArray());
        Assert.Equal((1L, 1L, 5L), (reader.Counters.NotOurs, reader.Counters.Damaged, reader.Counters.Duplicates));
        Assert.Contains(log.Texts, l => l.Contains("damaged message at upload stream seq 6"));
    }

    [Fact(Timeout = 600000)]
    public async Task EdgeUploaderSample_WithNats_PublishesEveryChunkWithItsSidecar_AndEmptiesItsSpool()
    {
        await using var server = await NatsServer.StartAsync(maxPayload: MaxPayload);
        await using var broker = new NatsMediaBroker(server.Url);
        var clip = await NoisyClipAsync();
        var spool = Path.Combine(TestMedia.OutputFolder(), "spool");

        // As a user runs it, in Release: the solution's Release build of the library is reused, and the file-based
        // app's own build does not race the Debug builds of the other sample tests.
        var script = Path.Combine(TestMedia.RepoRoot, "samples", "edge-uploader.cs");
        var (code, stdout, stderr) = await TestMedia.RunProcessAsync("dotnet",
            $"run -c Release \"{script}\" -- \"{clip}\" \"{spool}\" --every 1 --nats {server.Url} --subject upload --stream cam1", timeoutSeconds: 540);

        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.Equal(0, code);
        Assert.Contains("published 3 chunks to nats", stdout);
        Assert.Empty(Directory.GetFiles(spool)); // each chunk and sidecar left the spool once the broker had it
        var received = await ReadAsync(broker, "upload", count: 3);
        await AssertSegmentsAsync(received, null, TestMedia.OutputFolder(), totalFrames: 200);
        Assert.All(received, r => Assert.True(r.Parts > 1));
        Assert.All(received, r => Assert.Equal((1, clip), (r.Sidecar.KeepEvery, r.Sidecar.Source)));
    }

    /// <summary>Cuts <paramref name="clip"/> into 3-second MPEG-TS segments in <paramref name="folder"/> as
    /// samples/edge-uploader.cs does, each finished one queued on <paramref name="publisher"/>; returns when every
    /// segment was published (or throws the publisher's failure).</summary>
    private static async Task<List<OutputChunk>> CutAsync(string clip, string folder, SegmentPublisher publisher, string stream)
    {
        var graph = new Graph();
        var mux = graph.Encode(Path.Combine(folder, "chunk-%05d.ts"), graph.Decode(clip).Video, null, new EncodeOptions
        {
            VideoCodec = "libx264",
            Preset = "veryfast",
            Gop = 75,
            VideoCodecOptions = new Dictionary<string, string> { ["x264-params"] = "scenecut=0:min-keyint=75" },
            Format = "segment",
            FormatOptions = new Dictionary<string, string> { ["segment_time"] = "3", ["segment_format"] = "mpegts" },
        });
        var chunks = new List<OutputChunk>();
        var started = DateTimeOffset.UtcNow;
        mux.ChunkCompleted += c =>
        {
            chunks.Add(c);
            publisher.Enqueue(c.Path, SegmentSidecar.From(c, stream, 320, 180, "h264", started));
        };
        var publishing = publisher.RunAsync();
        try { await graph.RunAsync(); }
        finally { publisher.Complete(); }
        await publishing;
        return chunks;
    }

    /// <summary>Reads <paramref name="count"/> segments, then one second more to see that nothing else comes.</summary>
    private static async Task<List<ReceivedSegment>> ReadAsync(IMediaBroker broker, string topic, int count)
    {
        var reader = new SegmentReader(broker, topic);
        var received = new List<ReceivedSegment>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await foreach (var r in reader.ReadAsync(timeout.Token))
            {
                received.Add(r);
                if (received.Count == count) timeout.CancelAfter(TimeSpan.FromSeconds(1));
            }
        }
        catch (OperationCanceledException) { }
        Assert.True(received.Count >= count, $"{received.Count} of {count} segments came in 60 s ({reader.Counters})");
        Assert.Equal(0, reader.Counters.Bad + reader.Counters.Skipped);
        return received;
    }

    /// <summary>The segments arrived in order with the bytes that were cut, and each decodes (ffprobe) to the frames,
    /// size and span its sidecar states.</summary>
    private async Task AssertSegmentsAsync(IReadOnlyList<ReceivedSegment> received, IReadOnlyList<OutputChunk>? cut, string folder, int totalFrames, int count = 3)
    {
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), received.Select(r => r.Sequence));
        long frames = 0;
        double? firstProbed = null;
        foreach (var r in received)
        {
            var s = r.Sidecar;
            if (cut?[(int)r.Sequence] is { } local && File.Exists(local.Path)) Assert.Equal(await File.ReadAllBytesAsync(local.Path), r.Data.ToArray());
            var path = Path.Combine(folder, $"received-{r.Sequence}.ts");
            await File.WriteAllBytesAsync(path, r.Data.ToArray());
            var probed = await Ffprobe.StreamAsync(path);
            var (start, end) = await Ffprobe.PacketSpanAsync(path, "v:0");
            firstProbed ??= start;
            output.WriteLine($"segment {r.Sequence}: {r.Data.Length} bytes in {r.Parts} messages; sidecar {System.Text.Encoding.UTF8.GetString(s.ToJson())}; " +
                             $"ffprobe {probed.Frames} frames {probed.Width}x{probed.Height} {probed.Codec}, {start:0.000}-{end:0.000} s");
            Assert.Equal(("cam1", r.Data.Length), (s.Stream, s.Bytes));
            Assert.Equal(probed.Frames, s.Frames);
            Assert.Equal((probed.Width, probed.Height, probed.Codec), (s.Width, s.Height, s.Codec));
            Assert.Equal(start - firstProbed.Value, s.Start, 0.001); // the segment muxer keeps the timeline: starts agree
            Assert.Equal(end - start, s.Duration, 0.001);
            frames += probed.Frames;
        }
        Assert.Equal(totalFrames, frames);
    }
}
