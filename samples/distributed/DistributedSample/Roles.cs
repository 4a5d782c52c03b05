using System.Diagnostics;
using MediaGraph.Brokers;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Samples.Distributed;

/// <summary>The three processes of the field's pipeline (and the edge uploader), each a graph or a broker stage.</summary>
public static class Roles
{
    /// <summary>The worker's graph: decode (done by the worker) → scale to 640×360 gray → the work.</summary>
    public static VideoStream Work(VideoStream decoded) => decoded.Scale(640, 360, pixelFormat: "gray").Through(new TextCandidatesNode());

    /// <summary>Producer: a file's video packets, as shipped (no re-encoding), cut into GOP chunks on
    /// <paramref name="topic"/>, then an end mark.</summary>
    public static async Task ProduceAsync(IMediaBroker broker, string input, string topic, string streamId, bool keyByChunk, CancellationToken cancellationToken)
    {
        var graph = new Graph();
        graph.Decode(input).VideoPackets.PublishTo(broker, topic, new BrokerSinkOptions { StreamId = streamId, KeyByChunk = keyByChunk });
        await graph.RunAsync(cancellationToken);
    }

    /// <summary>Edge uploader: a file or camera cut into time-stamped chunks of <paramref name="chunk"/> (3 s), each
    /// with a JSON sidecar on <paramref name="topic"/>.sidecar.</summary>
    public static async Task UploadAsync(IMediaBroker broker, string input, string topic, string streamId, TimeSpan chunk, CancellationToken cancellationToken)
    {
        var graph = new Graph();
        graph.Decode(input).VideoPackets.PublishTo(broker, topic, new BrokerSinkOptions
        {
            StreamId = streamId, ChunkDuration = chunk, TopicUse = TopicUse.Log, SidecarTopic = topic + ".sidecar",
        });
        await graph.RunAsync(cancellationToken);
    }

    /// <summary>Worker: chunks from <paramref name="workTopic"/> → <see cref="Work"/> → results, until cancelled.</summary>
    public static Task WorkAsync(IMediaBroker broker, string workTopic, string resultsTopic, string name, ILogger logger, CancellationToken cancellationToken)
    {
        var worker = new ChunkWorker(broker, new ChunkWorkerOptions { WorkTopic = workTopic, ResultsTopic = resultsTopic, Name = name }, Work, logger);
        return worker.RunAsync(cancellationToken);
    }

    /// <summary>Consumer: ordered results of <paramref name="streams"/> streams, a metrics report every
    /// <paramref name="every"/> and at the end; returns the final report.</summary>
    public static async Task<MetricsReport> ConsumeAsync(IMediaBroker broker, string resultsTopic, int streams, TimeSpan every, Action<string> print,
        Action<ResultsMessage>? onResults, ILogger logger, CancellationToken cancellationToken)
    {
        var reader = new ResultReader(broker, resultsTopic, new ResultReaderOptions { EndAfterStreams = streams }, logger);
        var report = new MetricsReport(reader.Counters);
        var next = Stopwatch.StartNew();
        await foreach (var results in reader.ReadAsync(cancellationToken))
        {
            report.Add(results);
            onResults?.Invoke(results);
            if (next.Elapsed >= every)
            {
                print(report.Format());
                next.Restart();
            }
        }
        print(report.Format(final: true));
        return report;
    }
}
