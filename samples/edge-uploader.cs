#:project ../src/MediaGraph/MediaGraph.csproj
#:project ../src/MediaGraph.Nats/MediaGraph.Nats.csproj
#:project ../src/MediaGraph.Kafka/MediaGraph.Kafka.csproj
#:package Microsoft.Extensions.Logging.Console@10.0.0
// An edge box: a camera (or a file) cut into 3-second time-stamped chunks (MPEG-TS, H.264), optionally keeping every
// Nth frame, each finished chunk with a JSON sidecar (stream, start, duration, frames, resolution, codec, bytes,
// wall-clock start). Into a folder, or published through a real broker — NATS JetStream or Kafka — one message per
// chunk (numbered parts when a chunk is larger than the broker's largest message), keyed by stream id, each waiting
// for the broker's acknowledgement (MediaGraph.Brokers.SegmentPublisher; SegmentReader reads them back). The folder is
// then a spool: a chunk leaves it once the broker has it (--keep keeps it); while the broker is down chunks wait there
// and go when it is back; a broker that stays away past --publish-timeout stops the box with an error naming it, and
// the unpublished chunks stay with their sidecars. A live camera reconnects when it drops (timestamps continue) and
// never makes the box fall behind (keep-latest); Ctrl+C (or --seconds) stops it and the last chunk is finished, not lost.
//
//   dotnet run samples/edge-uploader.cs -- INPUT OUTDIR [--every N] [--chunk-seconds S] [--seconds LIMIT]
//       [--nats URL | --kafka SERVERS] [--subject TOPIC] [--stream ID] [--keep] [--publish-timeout SECONDS]
//   dotnet run samples/edge-uploader.cs -- rtsp://10.0.0.7/stream1 out/chunks --every 3
//   dotnet run samples/edge-uploader.cs -- rtsp://10.0.0.7/stream1 spool --nats nats://127.0.0.1:4222 --subject upload --stream cam7
//
// Writes OUTDIR/chunk-00000.ts, OUTDIR/chunk-00000.json, ... and prints one line per chunk (and per published chunk).

using System.Globalization;
using Microsoft.Extensions.Logging;
using MediaGraph;
using MediaGraph.Brokers;
using MediaGraph.Kafka;
using MediaGraph.Nats;

const string usage = "usage: dotnet run samples/edge-uploader.cs -- INPUT OUTDIR [--every N] [--chunk-seconds S] [--seconds LIMIT] " +
                     "[--nats URL | --kafka SERVERS] [--subject TOPIC] [--stream ID] [--keep] [--publish-timeout SECONDS]";
if (args.Length < 2)
{
    Console.Error.WriteLine(usage);
    return 2;
}
var (input, outDir) = (args[0], args[1]);
var every = 3;
var chunkSeconds = 3.0;
double? limit = null;
string? nats = null, kafka = null;
var subject = "upload";
var streamId = Path.GetFileNameWithoutExtension(input.TrimEnd('/')) is { Length: > 0 } name ? name : "cam";
var keep = false;
var publishTimeout = TimeSpan.FromMinutes(2);
for (var i = 2; i < args.Length; i++)
{
    if (args[i] == "--keep") { keep = true; continue; }
    if (i + 1 >= args.Length) { Console.Error.WriteLine($"{args[i]} needs a value\n{usage}"); return 2; }
    var value = args[++i];
    switch (args[i - 1])
    {
        case "--every": every = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--chunk-seconds": chunkSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--seconds": limit = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--nats": nats = value; break;
        case "--kafka": kafka = value; break;
        case "--subject": subject = value; break;
        case "--stream": streamId = value; break;
        case "--publish-timeout": publishTimeout = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
        default: Console.Error.WriteLine($"unknown option {args[i - 1]}\n{usage}"); return 2;
    }
}
if (every < 1 || chunkSeconds <= 0) { Console.Error.WriteLine("--every takes N >= 1, --chunk-seconds a duration > 0"); return 2; }
if (nats is not null && kafka is not null) { Console.Error.WriteLine("--nats or --kafka, not both"); return 2; }
Directory.CreateDirectory(outDir);
using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
await using IMediaBroker? broker = nats is not null ? new NatsMediaBroker(nats, loggers.CreateLogger("nats"))
    : kafka is not null ? new KafkaMediaBroker(new KafkaMediaBrokerOptions { BootstrapServers = kafka }, loggers.CreateLogger("kafka"))
    : null;
var where = nats is not null ? $"nats {nats} subject '{subject}'" : $"kafka {kafka} topic '{subject}'";
var publisher = broker is null ? null : new SegmentPublisher(broker, subject, new SegmentPublisherOptions { PublishTimeout = publishTimeout, DeletePublished = !keep });
if (publisher is not null)
    publisher.SegmentPublished += p => Console.WriteLine($"published chunk {p.Sidecar.Sequence} ({p.Sidecar.Bytes} bytes, {p.Parts} message(s)) to {where}");

using var cancel = new CancellationTokenSource();
var graph = new Graph();
var network = input.Contains("://", StringComparison.Ordinal) && !input.StartsWith("file:", StringComparison.Ordinal);
var camera = graph.Decode(input, new DecodeOptions
{
    AllowNetwork = network,
    EdgePolicy = network ? EdgePolicy.KeepLatest : EdgePolicy.Block, // a camera cannot wait; a file never loses a frame
});
camera.Demux.HealthChanged += e => Console.Error.WriteLine(e);
var stream = camera.Probe().Streams.First(s => s.Kind == MediaKind.Video);
var rate = (stream.GuessedFrameRate.IsValid ? stream.GuessedFrameRate : stream.FrameRate) is { IsValid: true } r ? r.ToDouble() : 25;

var video = camera.Video;
var (width, height) = (stream.Width & ~1, stream.Height & ~1); // 4:2:0 H.264 takes even sizes only (720x405 -> 720x404)
if ((width, height) != (stream.Width, stream.Height)) video = video.Scale(width, height);
if (every > 1) video = video.Filter($"select='not(mod(n\\,{every}))'"); // every Nth frame, timestamps kept
// A key frame at each chunk's start, so the segment muxer cuts every chunkSeconds (it cuts only at key frames).
var gop = Math.Max(1, (int)Math.Round(chunkSeconds * rate / every));
var started = DateTimeOffset.UtcNow;
var mux = graph.Encode(Path.Combine(outDir, "chunk-%05d.ts"), video, null, new EncodeOptions
{
    VideoCodec = "libx264",
    Preset = "veryfast",
    Gop = gop,
    VideoCodecOptions = new Dictionary<string, string> { ["x264-params"] = $"scenecut=0:min-keyint={gop}" }, // key frames only there
    Format = "segment",
    FrameRateMode = FrameRateMode.Vfr, // kept frames keep their times: no duplicates fill the gaps
    FormatOptions = new Dictionary<string, string>
    {
        ["segment_time"] = chunkSeconds.ToString(CultureInfo.InvariantCulture),
        ["segment_format"] = "mpegts",
    },
});
mux.ChunkCompleted += chunk =>
{
    // The chunk's file is closed and complete: its sidecar goes beside it, and the publisher (if any) ships both.
    var sidecar = SegmentSidecar.From(chunk, streamId, width, height, "h264", started) with { KeepEvery = every, Source = input };
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"chunk {chunk.Index}: {chunk.Start.TotalSeconds:0.000} s + {chunk.Duration.TotalSeconds:0.000} s, {chunk.Frames} frames -> {chunk.Path}"));
    if (publisher is null) sidecar.WriteBeside(chunk.Path);
    else if (!publisher.Enqueue(chunk.Path, sidecar)) Console.Error.WriteLine($"edge-uploader: {chunk.Path} is kept (not published: the publisher stopped)");
};

Console.CancelKeyPress += (_, e) => { e.Cancel = true; _ = graph.StopAsync(); }; // stop the camera, finish the last chunk
var run = graph.RunAsync(cancel.Token);
if (limit is { } seconds) _ = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => graph.StopAsync());
// A publisher that fails (the broker stayed away) stops the camera: the last chunk is finished and kept.
var publishing = publisher?.RunAsync(cancel.Token).ContinueWith(t => { if (t.IsFaulted) _ = graph.StopAsync(); return t; }).Unwrap() ?? Task.CompletedTask;
var code = 0;
try
{
    var metrics = await run;
    Console.WriteLine(metrics.Summary());
}
catch (MediaGraphException e)
{
    Console.Error.WriteLine($"edge-uploader: {e.Message}"); // chunks finished before the failure are complete, with their sidecars
    code = 1;
}
publisher?.Complete();
try
{
    await publishing;
    if (publisher is not null) Console.WriteLine($"published {publisher.Published} chunks to {where}");
}
catch (MediaGraphException e)
{
    Console.Error.WriteLine($"edge-uploader: {where}: {e.Message}");
    code = 1;
}
return code;
