using System.Diagnostics;
using MediaGraph.Brokers;
using Microsoft.Extensions.Logging;

namespace MediaGraph.Samples.Distributed;

/// <summary>The three processes of the field's pipeline (and the edge uploader), each a graph or a broker stage.</summary>
public static class Roles
{
    /// <summary>PaddleOCR's PP-OCRv4 text detector from the models scripts/setup.sh caches (<see cref="OcrModels.DefaultFolder"/>),
    /// with <paramref name="threads"/> ONNX Runtime threads per run (0: one per physical core), on the CPU. Only the
    /// detector of the three models is ever loaded; the caller disposes the models.</summary>
    public static OcrModels OpenOcr(int threads = 0) => OcrModels.Open(options: new TextReaderOptions
    {
        Inference = new InferenceOptions { IntraOpThreads = threads, Provider = ExecutionProviderChoice.Cpu },
    });

    /// <summary>The worker's graph: decode (done by the worker) → OCR text detection with <paramref name="detector"/>
    /// (<see cref="OcrModels.Detector"/>); each frame comes out carrying its <see cref="TextDetections"/> (polygons and
    /// scores, in reading order), which become the frame's results on the wire.</summary>
    public static Func<VideoStream, VideoStream> Work(InferenceModel detector, int parallelRuns = 0) =>
        decoded => decoded.Infer(detector, parallelRuns > 0 ? new InferOptions { ParallelRuns = parallelRuns } : null);

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

    /// <summary>Worker: chunks from <paramref name="workTopic"/> → <see cref="Work"/> with <paramref name="detector"/> →
    /// results, until cancelled. The model is loaded before the first chunk is taken, so a missing model fails here,
    /// naming the file, and no chunk waits for the load.</summary>
    public static Task WorkAsync(IMediaBroker broker, InferenceModel detector, string workTopic, string resultsTopic, string name, ILogger logger, CancellationToken cancellationToken)
    {
        detector.Load();
        var worker = new ChunkWorker(broker, new ChunkWorkerOptions { WorkTopic = workTopic, ResultsTopic = resultsTopic, Name = name }, Work(detector), logger);
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
