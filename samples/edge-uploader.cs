#:project ../src/MediaGraph/MediaGraph.csproj
// An edge box: a camera (or a file) cut into 3-second time-stamped chunks, optionally keeping every Nth frame, each
// finished chunk announced with a JSON sidecar beside it (start, duration, frames, resolution, wall-clock time) —
// what an uploader ships. A live camera reconnects when it drops (timestamps continue) and never makes the box fall
// behind (keep-latest); Ctrl+C (or --seconds) stops it and the last chunk is finished, not lost.
//
//   dotnet run samples/edge-uploader.cs -- INPUT OUTDIR [--every N] [--chunk-seconds S] [--seconds LIMIT]
//   dotnet run samples/edge-uploader.cs -- rtsp://10.0.0.7/stream1 out/chunks --every 3
//
// Writes OUTDIR/chunk-00000.ts, OUTDIR/chunk-00000.json, ... and prints one line per chunk.

using System.Globalization;
using System.Text.Json;
using MediaGraph;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: dotnet run samples/edge-uploader.cs -- INPUT OUTDIR [--every N] [--chunk-seconds S] [--seconds LIMIT]");
    return 2;
}
var (input, outDir) = (args[0], args[1]);
var every = 3;
var chunkSeconds = 3.0;
double? limit = null;
for (var i = 2; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--every": every = int.Parse(value, CultureInfo.InvariantCulture); break;
        case "--chunk-seconds": chunkSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--seconds": limit = double.Parse(value, CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}
if (every < 1 || chunkSeconds <= 0) { Console.Error.WriteLine("--every takes N >= 1, --chunk-seconds a duration > 0"); return 2; }
Directory.CreateDirectory(outDir);

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
    // The chunk's file is closed and complete: write its sidecar (then an uploader would ship both).
    var sidecar = Path.ChangeExtension(chunk.Path, ".json");
    using (var file = File.Create(sidecar + ".tmp"))
    using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
    {
        json.WriteStartObject();
        json.WriteString("file", Path.GetFileName(chunk.Path));
        json.WriteString("source", input);
        json.WriteNumber("index", chunk.Index);
        json.WriteNumber("start", Math.Round(chunk.Start.TotalSeconds, 6));
        json.WriteNumber("duration", Math.Round(chunk.Duration.TotalSeconds, 6));
        json.WriteNumber("frames", chunk.Frames);
        json.WriteNumber("width", width);
        json.WriteNumber("height", height);
        json.WriteNumber("keepEvery", every);
        json.WriteString("wallClockStart", (started + chunk.Start).ToString("O", CultureInfo.InvariantCulture));
        json.WriteEndObject();
    }
    File.Move(sidecar + ".tmp", sidecar, overwrite: true);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"chunk {chunk.Index}: {chunk.Start.TotalSeconds:0.000} s + {chunk.Duration.TotalSeconds:0.000} s, {chunk.Frames} frames -> {chunk.Path}"));
};

Console.CancelKeyPress += (_, e) => { e.Cancel = true; _ = graph.StopAsync(); }; // stop the camera, finish the last chunk
var run = graph.RunAsync(cancel.Token);
if (limit is { } seconds) _ = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => graph.StopAsync());
try
{
    var metrics = await run;
    Console.WriteLine(metrics.Summary());
    return 0;
}
catch (MediaGraphException e)
{
    Console.Error.WriteLine($"edge-uploader: {e.Message}"); // chunks finished before the failure are complete, with their sidecars
    return 1;
}
