#:project ../src/MediaGraph/MediaGraph.csproj
// Frames for an embedding or similarity-search indexer: the video at 2 frames a second (libavfilter fps, as
// `ffmpeg -vf fps=2`) written as FOLDER/001.jpg, 002.jpg ..., and for each frame one JSON line in
// FOLDER/frames.jsonl: {"time": seconds, "path": "FOLDER/001.jpg"}. Prints the run's metrics at the end.
//
//   dotnet run samples/extract-frames.cs -- [INPUT=in.mp4] [FOLDER=frames] [--fps RATE]

using System.Globalization;
using System.Text.Json;
using MediaGraph;

var positional = new List<string>();
var rate = "2";
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--fps" && i + 1 < args.Length) rate = args[++i];
    else if (args[i] is "-h" or "--help")
    {
        Console.WriteLine("usage: dotnet run samples/extract-frames.cs -- [INPUT=in.mp4] [FOLDER=frames] [--fps RATE]");
        return 0;
    }
    else positional.Add(args[i]);
}
var inputPath = positional.ElementAtOrDefault(0) ?? "in.mp4";
var folder = positional.ElementAtOrDefault(1) ?? "frames";
Directory.CreateDirectory(folder);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var graph = new Graph();
var frames = graph.Decode(inputPath).Video.Fps(Rational.ParseFrameRate(rate));
graph.Encode(Path.Combine(folder, "%03d.jpg"), frames);  // the image sequence: 001.jpg, 002.jpg ... (mjpeg)
var times = graph.Sink(frames);                          // the same frames, for their times (a fan-out: no copy)

var run = graph.RunAsync(cancel.Token);
await using (var index = File.Create(Path.Combine(folder, "frames.jsonl")))
{
    var number = 0;
    await foreach (var frame in times.ReadAllAsync(cancel.Token))
    {
        using (frame)
        {
            // One line per frame, written with Utf8JsonWriter: no reflection, so the sample also publishes AOT.
            using (var line = new Utf8JsonWriter(index))
            {
                line.WriteStartObject();
                line.WriteNumber("time", Math.Round(frame.PtsSeconds, 6));
                line.WriteString("path", Path.Combine(folder, (++number).ToString("000", CultureInfo.InvariantCulture) + ".jpg"));
                line.WriteEndObject();
            }
            index.WriteByte((byte)'\n');
        }
    }
}
var metrics = await run;
Console.WriteLine(metrics.Summary());
Console.WriteLine($"wrote frames and frames.jsonl to {folder}");
return 0;
