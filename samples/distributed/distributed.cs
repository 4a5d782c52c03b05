#:project DistributedSample/DistributedSample.csproj
// The field's distributed pipeline with MediaGraph at each step, joined by a real broker (NATS JetStream, or Kafka):
//
//   producer  file → video packets as shipped, cut into GOP chunks → topic "work"
//   worker    chunk → decode → OCR text detection (PaddleOCR PP-OCRv4, ONNX Runtime on the CPU) → text regions
//             (polygons + scores) as the frames' results → "results"
//   consumer  results in order per stream, the metrics report every 30 s and at the end
//   uploader  file or camera → 3-second time-stamped chunks + a JSON sidecar per chunk ("upload", "upload.sidecar")
//   inprocess the same decode → text detection in one process, for the benchmark
// The detector's model comes from scripts/setup.sh's cache (~/.cache/mediagraph/models/ocr-models-1.4.2, or
// $MEDIAGRAPH_MODELS); --threads N sets ONNX Runtime's threads per run (default: one per physical core).
//   kafka-mock hosts librdkafka's mock cluster and prints its address (no Kafka broker installs here)
//
// One command starts all of it: samples/distributed/run.sh [--kafka]. By hand:
//   dotnet run samples/distributed/distributed.cs -- worker   --engine nats --servers nats://127.0.0.1:4222 --name w1
//   dotnet run samples/distributed/distributed.cs -- consumer --engine nats --servers nats://127.0.0.1:4222
//   dotnet run samples/distributed/distributed.cs -- producer --engine nats --servers nats://127.0.0.1:4222 --input testdata/cityCC0.mpg

using System.Diagnostics;
using MediaGraph;
using MediaGraph.Brokers;
using MediaGraph.Kafka;
using MediaGraph.Samples.Distributed;
using Microsoft.Extensions.Logging;

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: distributed.cs producer|worker|consumer|uploader|inprocess|kafka-mock [--engine nats|kafka] [--servers ADDR] " +
        "[--input FILE] [--stream ID] [--name NAME] [--streams N] [--every SECONDS] [--key-by-chunk] [--chunk SECONDS] [--repeat N] [--threads N]");
    return 2;
}
var role = args[0];
string Option(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
var engine = Option("--engine", "nats");
var servers = Option("--servers", "nats://127.0.0.1:4222");
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var logger = loggers.CreateLogger(role);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

switch (role)
{
    case "kafka-mock":
    {
        using var cluster = new KafkaMockCluster();
        Console.WriteLine(cluster.BootstrapServers); // the first line is the address; the cluster lives until stdin closes
        await Task.Run(() => Console.In.ReadToEnd());
        return 0;
    }
    case "producer":
    {
        await using var broker = Engines.Open(engine, servers, logger);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < int.Parse(Option("--repeat", "1")); i++)
            await Roles.ProduceAsync(broker, Option("--input", "testdata/cityCC0.mpg"), "work", $"{Option("--stream", "cam")}{i}", args.Contains("--key-by-chunk"), cancel.Token);
        Console.WriteLine($"producer: published in {clock.Elapsed.TotalSeconds:0.00} s");
        return 0;
    }
    case "uploader":
    {
        await using var broker = Engines.Open(engine, servers, logger);
        await Roles.UploadAsync(broker, Option("--input", "testdata/cityCC0.mpg"), "upload", Option("--stream", "cam0"),
            TimeSpan.FromSeconds(double.Parse(Option("--chunk", "3"), System.Globalization.CultureInfo.InvariantCulture)), cancel.Token);
        await using var reader = Engines.Open(engine, servers, logger);
        using var shown = CancellationTokenSource.CreateLinkedTokenSource(cancel.Token);
        shown.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await foreach (var sidecar in reader.ConsumeAsync("upload.sidecar", $"show-{Environment.ProcessId}", shown.Token))
            {
                Console.WriteLine(System.Text.Encoding.UTF8.GetString(sidecar.Data.Span));
                await sidecar.AckAsync();
            }
        }
        catch (OperationCanceledException) { }
        return 0;
    }
    case "worker":
    {
        await using var broker = Engines.Open(engine, servers, logger);
        await using var ocr = Roles.OpenOcr(int.Parse(Option("--threads", "0")));
        var work = Roles.WorkAsync(broker, ocr.Detector, "work", "results", Option("--name", $"w{Environment.ProcessId}"), logger, cancel.Token);
        Console.WriteLine($"worker {Option("--name", "w")}: ready");
        await work;
        return 0;
    }
    case "consumer":
    {
        await using var broker = Engines.Open(engine, servers, logger);
        var every = TimeSpan.FromSeconds(double.Parse(Option("--every", "30"), System.Globalization.CultureInfo.InvariantCulture));
        var report = await Roles.ConsumeAsync(broker, "results", int.Parse(Option("--streams", "1")), every, Console.WriteLine, null, logger, cancel.Token);
        return report.OutOfOrder == 0 ? 0 : 1;
    }
    case "inprocess":
    {
        // The same work in one process: the file's packets through an app sink, timed as they leave the demuxer, then
        // decode → text detection in a graph; latency per frame = result out − its packet in (the broker pipeline's is
        // chunk cut → result at the consumer).
        var input = Option("--input", "testdata/cityCC0.mpg");
        await using var ocr = Roles.OpenOcr(int.Parse(Option("--threads", "0")));
        ocr.Detector.Load(); // as a worker does before its first chunk: the load is not what is measured
        long regions = 0;
        var latencies = new List<double>();
        var clock = Stopwatch.StartNew();
        long frames = 0;
        var first = TimeSpan.Zero;
        for (var i = 0; i < int.Parse(Option("--repeat", "1")); i++)
        {
            var reading = new Graph();
            var packets = reading.Sink(reading.Decode(input).VideoPackets, capacity: 64);
            var working = new Graph();
            var source = working.AddPacketSource(capacity: 64);
            var results = working.Sink(Roles.Work(ocr.Detector, int.Parse(Option("--runs", "0")))(source.Stream().DecodeVideo()));
            var sent = new System.Collections.Concurrent.ConcurrentDictionary<long, double>();
            var run = working.RunAsync(cancel.Token);
            StreamParameters? parameters = null;
            var feed = Task.Run(async () =>
            {
                await foreach (var p in packets.ReadAllAsync(cancel.Token))
                    using (p)
                    {
                        // Copies with parameters of our own: the reading run's parameters end with that run.
                        parameters ??= MediaWire.CodecParametersFromWire(MediaWire.CodecParametersToWire(p.Parameters));
                        sent[p.Pts] = clock.Elapsed.TotalMilliseconds;
                        await source.WriteAsync(Packet.FromData(p.Data, parameters, p.Pts, p.Dts, p.Duration, p.IsKeyFrame), cancel.Token);
                    }
                source.Complete();
            });
            await foreach (var frame in results.ReadAllAsync(cancel.Token))
                using (frame)
                {
                    if (frames == 0) first = clock.Elapsed; // throughput from the first result on, as the consumer counts it
                    frames++;
                    if (frame.Metadata.TryGet<TextDetections>(out var found)) regions += found.Regions.Count;
                    if (sent.TryGetValue(frame.Pts, out var t)) latencies.Add(clock.Elapsed.TotalMilliseconds - t);
                }
            await feed;
            var metrics = await run;
            if (args.Contains("--metrics")) Console.Error.WriteLine(metrics.Summary());
            parameters?.Dispose();
        }
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        Console.WriteLine($"inprocess: frames {frames}, wall {clock.Elapsed.TotalSeconds:0.00} s, fps {frames / (clock.Elapsed - first).TotalSeconds:0.0}, latency p50 {P(0.5):0} ms p99 {P(0.99):0} ms, text regions {regions}");
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown role '{role}'");
        return 2;
}
