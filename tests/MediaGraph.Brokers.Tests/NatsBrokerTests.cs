using System.Text.Json;
using MediaGraph.BrokerWorker;
using MediaGraph.Brokers;
using MediaGraph.Nats;
using MediaGraph.Samples.Distributed;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Brokers;

/// <summary>The broker nodes and stages on a real nats-server (JetStream, file storage), started per test.</summary>
[Collection(BrokerCollection.Name)]
public sealed class NatsBrokerTests(ITestOutputHelper output)
{
    private static NatsMediaBroker Broker(NatsServer server, ListLogger? logger = null, double ackWaitSeconds = 30) =>
        new(new NatsMediaBrokerOptions { Url = server.Url, AckWait = TimeSpan.FromSeconds(ackWaitSeconds) }, logger?.For("MediaGraph.Brokers"));

    [Fact]
    public async Task Packets_PublishedByOneGraph_AreDecodedByAnotherGraph_EveryFrameInOrder()
    {
        await using var server = await NatsServer.StartAsync();
        await using var broker = Broker(server);
        var path = await BrokerMedia.GopsAsync();
        await BrokerMedia.ProduceAsync(broker, path, "frames", "cam1");

        var graph = new Graph();
        var source = new BrokerSourceNode(broker, "frames");
        var sink = graph.Sink(graph.FromBroker(source).DecodeVideo());
        var pts = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var frame in sink.ReadAllAsync(timeout.Token)) using (frame) pts.Add(frame.Pts);

        Assert.Equal(await BrokerMedia.ProbePtsAsync(path), pts);
        Assert.Equal(0, source.Counters.Bad + source.Counters.Duplicates);
    }

    [Fact]
    public async Task KillNineOfAWorkerMidRun_LosesNoResult_DropsDuplicates_AndKeepsOrder()
    {
        await using var server = await NatsServer.StartAsync();
        await using var broker = Broker(server);
        using var a = new WorkerProcess("nats", server.Url, "work", "results", "a", redeliverSeconds: 1.5);
        using var b = new WorkerProcess("nats", server.Url, "work", "results", "b", redeliverSeconds: 1.5);
        await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());

        await BrokerMedia.ProduceAsync(broker, await BrokerMedia.GopsAsync(), "work", "cam1");
        // Killed mid-run, the worker holds prefetched chunks it never acknowledged: redelivered to the survivor.
        await BrokerMedia.KillOneWorkerMidRunAndAssertNothingLostAsync(broker, a, b, TimeSpan.FromSeconds(60), output);
    }

    [Fact]
    public async Task ResultsDeliveredTwice_AreCountedAsDuplicates_AndHandedOutOnce()
    {
        await using var server = await NatsServer.StartAsync();
        await using var broker = Broker(server);
        await broker.PrepareTopicAsync("results", TopicUse.Log);
        foreach (var sequence in new long[] { 1, 0, 1, 0, 2 })
            await broker.PublishAsync("results", "cam1", MediaWire.EncodeResults(new ResultsMessage("cam1", sequence, new Rational(1, 25), [new FrameResult(sequence, 1, [])])));
        await broker.PublishAsync("results", "cam1", MediaWire.EncodeEnd("cam1", 3));

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 1 });
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(20));
        Assert.Equal([0L, 1, 2], results.Select(r => r.Sequence));
        Assert.Equal(2, reader.Counters.Duplicates);
    }

    [Fact]
    public async Task ServerRestartMidRun_ThePipelineResumes_AndLosesNothing()
    {
        await using var server = await NatsServer.StartAsync();
        await using var broker = Broker(server, ackWaitSeconds: 2);
        using var worker = new WorkerProcess("nats", server.Url, "work", "results", "w", redeliverSeconds: 2);
        await worker.WaitReadyAsync();
        var path = await BrokerMedia.GopsAsync();
        await BrokerMedia.ProduceAsync(broker, path, "work", "cam1");
        await worker.WaitForChunksAsync(5, TimeSpan.FromSeconds(30));

        await server.RestartAsync(); // kill -9 of nats-server; the file store keeps the streams and consumers
        await BrokerMedia.ProduceAsync(broker, path, "work", "cam2"); // the producer's client reconnects

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 2 });
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(60));
        output.WriteLine($"worker did {worker.Chunks} chunks; reader: {reader.Counters}");
        Assert.Equal(["cam1", "cam2"], results.Select(r => r.StreamId).Distinct().Order());
        BrokerMedia.AssertCompleteAndOrdered(results, chunks: 30, frames: 300);
    }

    [Fact]
    public async Task BadInput_IsCountedAndLoggedWithSubjectAndPosition_AndNeverStopsTheReader()
    {
        await using var server = await NatsServer.StartAsync();
        var log = new ListLogger();
        await using var broker = Broker(server);
        await broker.PrepareTopicAsync("results", TopicUse.Log);
        var good = MediaWire.EncodeResults(new ResultsMessage("cam1", 0, new Rational(1, 25), [new FrameResult(0, 1, [])]));
        await broker.PublishAsync("results", "x", "{\"not\":\"ours\"}"u8.ToArray());                      // seq 1
        await broker.PublishAsync("results", "cam1", good.AsMemory(0, good.Length - 9));                 // seq 2: truncated
        await broker.PublishAsync("results", "ghost", MediaWire.EncodeResults(new ResultsMessage("ghost", 0, new Rational(1, 25), []))); // seq 3
        await broker.PublishAsync("results", "cam1", good);
        await broker.PublishAsync("results", "cam1", MediaWire.EncodeEnd("cam1", 1));

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 1, Streams = new HashSet<string> { "cam1" } }, log.For("MediaGraph.Brokers"));
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(20));
        foreach (var line in log.Texts) output.WriteLine(line);
        Assert.Single(results);
        Assert.Equal((1L, 1L, 1L), (reader.Counters.NotOurs, reader.Counters.Damaged, reader.Counters.UnknownStream));
        Assert.Contains(log.Texts, l => l.Contains("not ours at results stream seq 1"));
        Assert.Contains(log.Texts, l => l.Contains("damaged message at results stream seq 2") && l.Contains("truncated"));
        Assert.Contains(log.Texts, l => l.Contains("results stream seq 3") && l.Contains("'ghost'"));
    }

    [Fact]
    public async Task BadInputOnTheWorkTopic_IsCountedByTheWorker_WhichGoesOnWithTheNextChunk()
    {
        await using var server = await NatsServer.StartAsync();
        var log = new ListLogger();
        await using var broker = Broker(server);
        await broker.PrepareTopicAsync("work", TopicUse.WorkQueue);
        var path = await BrokerMedia.GopsAsync();
        await broker.PublishAsync("work", "x", new byte[] { 0, 1, 2, 3, 4, 5 });
        await BrokerMedia.ProduceAsync(broker, path, "work", "cam1");
        // A chunk cut short, after the good ones: counted, and the results order is not held up by it.
        var graph = new Graph();
        var packets = graph.Sink(graph.Decode(path).VideoPackets, capacity: 16);
        var first = new List<Packet>();
        byte[] chunk = [];
        await foreach (var p in packets.ReadAllAsync())
        {
            first.Add(p);
            if (first.Count < 10) continue;
            chunk = MediaWire.EncodeChunk("cam2", 0, first); // inside the loop: the run that owns the parameters is alive
            break;
        }
        first.ForEach(p => p.Dispose());
        await broker.PublishAsync("work", "cam2", chunk.AsMemory(0, chunk.Length / 2));

        var worker = new ChunkWorker(broker, new ChunkWorkerOptions { WorkTopic = "work", ResultsTopic = "results" }, MeanLumaNode.Work, log.For("MediaGraph.Brokers"));
        using var stop = new CancellationTokenSource();
        var run = worker.RunAsync(stop.Token);
        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 1 });
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (worker.Counters.Bad < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await stop.CancelAsync();
        await run;
        BrokerMedia.AssertCompleteAndOrdered(results, chunks: 30, frames: 300);
        Assert.Equal((1L, 1L), (worker.Counters.NotOurs, worker.Counters.Damaged));
        Assert.Contains(log.Texts, l => l.Contains("at work stream seq 1"));
        Assert.All(results.SelectMany(r => r.Frames), f => Assert.NotNull(f.Get<MeanLuma>()));
    }

    [Fact]
    public async Task EdgeUploader_PublishesThreeSecondChunks_EachWithAJsonSidecar()
    {
        await using var server = await NatsServer.StartAsync();
        await using var broker = Broker(server);
        await Roles.UploadAsync(broker, await BrokerMedia.GopsAsync(), "upload", "cam1", TimeSpan.FromSeconds(3), CancellationToken.None);

        var sidecars = new List<JsonElement>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var m in broker.ConsumeAsync("upload.sidecar", "check", timeout.Token))
        {
            sidecars.Add(JsonDocument.Parse(m.Data).RootElement.Clone());
            await m.AckAsync();
            if (sidecars.Count == 4) break;
        }
        // 12 s with a key frame every 0.4 s: chunks cut at the first key frame 3 s or more in, so 3.2 s, and the rest.
        Assert.Equal([0.0, 3.2, 6.4, 9.6], sidecars.Select(s => Math.Round(s.GetProperty("start").GetDouble(), 3)));
        Assert.Equal([3.2, 3.2, 3.2, 2.4], sidecars.Select(s => Math.Round(s.GetProperty("duration").GetDouble(), 3)));
        Assert.Equal([80, 80, 80, 60], sidecars.Select(s => s.GetProperty("frames").GetInt32()));
        Assert.All(sidecars, s => Assert.Equal((320, 180, "h264"), (s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32(), s.GetProperty("codec").GetString())));
        Assert.All(sidecars, s => Assert.True(DateTime.TryParse(s.GetProperty("cutAt").GetString(), out _)));
    }
}

/// <summary>Broker tests start servers and worker processes: one at a time, so two cores are not oversubscribed.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerCollection
{
    public const string Name = "brokers (servers and worker processes)";
}
