using MediaGraph.Brokers;
using MediaGraph.Kafka;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Brokers;

/// <summary>The same broker nodes and stages on Kafka: librdkafka's mock cluster (real Kafka protocol on loopback
/// ports) hosted by the test process, reached by the worker processes like any cluster.</summary>
[Collection(BrokerCollection.Name)]
public sealed class KafkaBrokerTests(ITestOutputHelper output)
{
    private static KafkaMediaBroker Broker(KafkaMockCluster cluster, ListLogger? logger = null) =>
        new(new KafkaMediaBrokerOptions { BootstrapServers = cluster.BootstrapServers, SessionTimeout = TimeSpan.FromSeconds(3) }, logger?.For("MediaGraph.Brokers"));

    [Fact]
    public async Task Packets_PublishedByOneGraph_AreDecodedByAnotherGraph_EveryFrameInOrder()
    {
        using var cluster = new KafkaMockCluster();
        await using var broker = Broker(cluster);
        var path = await BrokerMedia.GopsAsync();
        await BrokerMedia.ProduceAsync(broker, path, "frames", "cam1"); // keyed by stream: one partition, in order

        var graph = new Graph();
        var source = new BrokerSourceNode(broker, "frames");
        var sink = graph.Sink(graph.FromBroker(source).DecodeVideo());
        var pts = new List<long>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var frame in sink.ReadAllAsync(timeout.Token)) using (frame) pts.Add(frame.Pts);
        Assert.Equal(await BrokerMedia.ProbePtsAsync(path), pts);
    }

    [Fact]
    public async Task KillNineOfAWorkerMidRun_LosesNoResult_DropsDuplicates_AndKeepsOrder()
    {
        using var cluster = new KafkaMockCluster();
        await using var broker = Broker(cluster);
        await broker.PrepareTopicAsync("work", TopicUse.WorkQueue);
        await broker.PrepareTopicAsync("results", TopicUse.Log);
        using var a = new WorkerProcess("kafka", cluster.BootstrapServers, "work", "results", "a", redeliverSeconds: 3);
        using var b = new WorkerProcess("kafka", cluster.BootstrapServers, "work", "results", "b", redeliverSeconds: 3);
        await Task.WhenAll(a.WaitReadyAsync(), b.WaitReadyAsync());

        // Keyed by chunk: the stream's chunks spread over the topic's partitions, so both workers of the group get some.
        await BrokerMedia.ProduceAsync(broker, await BrokerMedia.GopsAsync(), "work", "cam1", keyByChunk: true);
        // The killed worker's partitions go to the survivor after the session timeout, which re-reads from the last commit.
        await BrokerMedia.KillOneWorkerMidRunAndAssertNothingLostAsync(broker, a, b, TimeSpan.FromSeconds(90), output);
    }

    /// <summary>The NATS restart test's twin: the mock broker goes down mid-run (connections closed, new ones refused)
    /// and comes back with what it stored; the worker's and the producer's clients reconnect and nothing is lost.</summary>
    [Fact]
    public async Task BrokerDownAndUpMidRun_ThePipelineResumes_AndLosesNothing()
    {
        using var cluster = new KafkaMockControl();
        await using var broker = new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = cluster.BootstrapServers, SessionTimeout = TimeSpan.FromSeconds(3) });
        await broker.PrepareTopicAsync("work", TopicUse.WorkQueue);
        await broker.PrepareTopicAsync("results", TopicUse.Log);
        using var worker = new WorkerProcess("kafka", cluster.BootstrapServers, "work", "results", "w", redeliverSeconds: 3);
        await worker.WaitReadyAsync();
        var path = await BrokerMedia.GopsAsync();
        await BrokerMedia.ProduceAsync(broker, path, "work", "cam1");
        await worker.WaitForChunksAsync(5, TimeSpan.FromSeconds(60));

        cluster.SetBrokersDown();
        var doneWhileDown = worker.Chunks;
        await Task.Delay(TimeSpan.FromSeconds(2));
        cluster.SetBrokersUp();
        await BrokerMedia.ProduceAsync(broker, path, "work", "cam2"); // the producer's client reconnects

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 2 });
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(90));
        output.WriteLine($"worker did {doneWhileDown} chunks before the broker went down, {worker.Chunks} in all; reader: {reader.Counters}");
        Assert.Equal(["cam1", "cam2"], results.Select(r => r.StreamId).Distinct().Order());
        BrokerMedia.AssertCompleteAndOrdered(results, chunks: 30, frames: 300);
    }

    [Fact]
    public async Task BadInput_IsCountedAndLoggedWithTopicPartitionAndOffset_AndNeverStopsTheReader()
    {
        using var cluster = new KafkaMockCluster();
        var log = new ListLogger();
        await using var broker = Broker(cluster);
        await broker.PrepareTopicAsync("results", TopicUse.Log);
        var good = MediaWire.EncodeResults(new ResultsMessage("cam1", 0, new Rational(1, 25), [new FrameResult(0, 1, [])]));
        // One key, so one partition, offsets 0..4 in this order.
        await broker.PublishAsync("results", "k", "not ours at all"u8.ToArray());
        await broker.PublishAsync("results", "k", good.AsMemory(0, 30));
        await broker.PublishAsync("results", "k", MediaWire.EncodeResults(new ResultsMessage("ghost", 0, new Rational(1, 25), [])));
        await broker.PublishAsync("results", "k", good);
        await broker.PublishAsync("results", "k", MediaWire.EncodeEnd("cam1", 1));

        var reader = new ResultReader(broker, "results", new ResultReaderOptions { EndAfterStreams = 1, Streams = new HashSet<string> { "cam1" } }, log.For("MediaGraph.Brokers"));
        var results = await BrokerMedia.ReadAllAsync(reader, TimeSpan.FromSeconds(30));
        foreach (var line in log.Texts.Where(l => !l.Contains("kafka "))) output.WriteLine(line);
        Assert.Single(results);
        Assert.Equal((1L, 1L, 1L), (reader.Counters.NotOurs, reader.Counters.Damaged, reader.Counters.UnknownStream));
        Assert.Contains(log.Texts, l => l.Contains("not ours at results partition") && l.Contains("offset 0"));
        Assert.Contains(log.Texts, l => l.Contains("damaged message at results partition") && l.Contains("offset 1"));
        Assert.Contains(log.Texts, l => l.Contains("offset 2") && l.Contains("'ghost'"));
    }
}
