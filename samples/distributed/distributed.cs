#:project DistributedSample/DistributedSample.csproj
// The field's distributed pipeline with MediaGraph at each step, joined by a real broker (NATS JetStream, or Kafka):
//
//   producer  file → video packets as shipped, cut into GOP chunks → topic "work"
//   worker    chunk → decode → OCR text detection (PaddleOCR PP-OCRv4, ONNX Runtime on the CPU) → text regions
//             (polygons + scores) as the frames' results → "results"
//   consumer  results in order per stream, the metrics report every 30 s and at the end
//   uploader  file or camera → 3-second time-stamped chunks + a JSON sidecar per chunk ("upload", "upload.sidecar")
//   inprocess the same decode → text detection in one process, every stream at once through one Infer node, for
//             the benchmark (--runs N / --batch N: the Infer node's ParallelRuns / BatchSize; default the library's)
// The detector's model comes from scripts/setup.sh's cache (~/.cache/mediagraph/models/ocr-models-1.4.2, or
// $MEDIAGRAPH_MODELS); --threads N sets ONNX Runtime's threads per run (default 0: the library's, one a run on the CPU with runs overlapping, one per core, when frames queue).
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
        "[--input FILE] [--stream ID] [--name NAME] [--streams N] [--every SECONDS] [--key-by-chunk] [--chunk SECONDS] [--repeat N] [--threads N] [--runs N] [--batch N]");
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
        var started = MediaWire.NowMicros(); // the job's start, for the benchmark's overall fps
        var startupCpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < int.Parse(Option("--repeat", "1")); i++)
            await Roles.ProduceAsync(broker, Option("--input", "testdata/cityCC0.mpg"), "work", $"{Option("--stream", "cam")}{i}", args.Contains("--key-by-chunk"), cancel.Token);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"producer: published in {clock.Elapsed.TotalSeconds:0.00} s, started at {started} us, cpu startup {startupCpu.TotalSeconds:0.00} s, " +
            $"cpu job {(Process.GetCurrentProcess().TotalProcessorTime - startupCpu).TotalSeconds:0.00} s"));
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
        var startupCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var report = await Roles.ConsumeAsync(broker, "results", int.Parse(Option("--streams", "1")), every, Console.WriteLine, null, logger, cancel.Token);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"consumer: last result at {report.LastResultMicros} us, cpu startup {startupCpu.TotalSeconds:0.00} s, " +
            $"cpu job {(Process.GetCurrentProcess().TotalProcessorTime - startupCpu).TotalSeconds:0.00} s"));
        return report.OutOfOrder == 0 ? 0 : 1;
    }
    case "inprocess":
    {
        // The same work in one process: every stream's packets through an app sink, timed as they leave the demuxer,
        // then decode → text detection in one graph, all streams at once (as the producer publishes them all and the
        // workers take them), one Infer node taking every stream; latency per frame = result out − its packet in (the
        // broker pipeline's is chunk cut → result at the consumer). --runs N / --batch N set the Infer node's
        // ParallelRuns / BatchSize (default: the library's).
        var input = Option("--input", "testdata/cityCC0.mpg");
        var streams = int.Parse(Option("--repeat", "1"));
        await using var ocr = Roles.OpenOcr(int.Parse(Option("--threads", "0")));
        ocr.Detector.Load(); // as a worker does before its first chunk: the load is start-up, not the job
        var startupCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew(); // the job starts: the graphs are made and run
        long regions = 0, frames = 0;
        var latencies = new List<double>();
        var first = TimeSpan.Zero;
        var working = new Graph();
        var sources = Enumerable.Range(0, streams).Select(_ => working.AddPacketSource(capacity: 64)).ToArray();
        var runs = int.Parse(Option("--runs", "-1"));
        var batch = int.Parse(Option("--batch", "1"));
        var options = runs < 0 && batch == 1 ? null : new InferOptions { ParallelRuns = Math.Max(0, runs), BatchSize = batch };
        var detected = working.Infer(ocr.Detector, options, sources.Select(s => s.Stream().DecodeVideo()).ToArray());
        var sinks = detected.Select(d => working.Sink(d)).ToArray();
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<(int, long), double>();
        var run = working.RunAsync(cancel.Token);
        var feeds = Enumerable.Range(0, streams).Select(i => Task.Run(async () =>
        {
            var reading = new Graph();
            var packets = reading.Sink(reading.Decode(input).VideoPackets, capacity: 64);
            StreamParameters? parameters = null;
            await foreach (var p in packets.ReadAllAsync(cancel.Token))
                using (p)
                {
                    // Copies with parameters of our own: the reading run's parameters end with that run.
                    parameters ??= MediaWire.CodecParametersFromWire(MediaWire.CodecParametersToWire(p.Parameters));
                    sent[(i, p.Pts)] = clock.Elapsed.TotalMilliseconds;
                    await sources[i].WriteAsync(Packet.FromData(p.Data, parameters, p.Pts, p.Dts, p.Duration, p.IsKeyFrame), cancel.Token);
                }
            sources[i].Complete();
            return parameters;
        })).ToArray();
        var gate = new object();
        var last = TimeSpan.Zero;
        await Task.WhenAll(sinks.Select((sink, i) => Task.Run(async () =>
        {
            await foreach (var frame in sink.ReadAllAsync(cancel.Token))
                using (frame)
                    lock (gate)
                    {
                        last = clock.Elapsed;
                        if (frames == 0) first = last; // steady state from the first result on, as the consumer counts it
                        frames++;
                        if (frame.Metadata.TryGet<TextDetections>(out var found)) regions += found.Regions.Count;
                        if (sent.TryGetValue((i, frame.Pts), out var t)) latencies.Add(last.TotalMilliseconds - t);
                    }
        })));
        var used = await Task.WhenAll(feeds);
        var metrics = await run;
        if (args.Contains("--metrics")) Console.Error.WriteLine(metrics.Summary());
        foreach (var parameters in used) parameters?.Dispose();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sorted = latencies.Order().ToArray();
        double P(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"inprocess: frames {frames}, wall {last.TotalSeconds:0.00} s, fps {frames / (last - first).TotalSeconds:0.0}, " +
            $"overall fps {frames / last.TotalSeconds:0.0}, latency p50 {P(0.5):0} ms p99 {P(0.99):0} ms, text regions {regions}, " +
            $"cpu startup {startupCpu.TotalSeconds:0.00} s, cpu job {(cpu - startupCpu).TotalSeconds:0.00} s"));
        return 0;
    }
    default:
        Console.Error.WriteLine($"unknown role '{role}'");
        return 2;
}
