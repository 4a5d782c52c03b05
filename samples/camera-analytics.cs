#:project ../src/MediaGraph/MediaGraph.csproj
#:package Microsoft.ML.OnnxRuntime@1.31.1
// Camera analytics in one process: decode -> text detection + recognition (PaddleOCR PP-OCRv4, scripts/setup.sh
// fetches the models) -> tracking (SORT: each line keeps its id across frames) -> draw (boxes, text, track ids) ->
// encode, with the results as one JSON object per frame (each line with its "track" id), and at the end the
// inference-pipeline report: frames processed, overall and effective fps, inference latency avg / recent-100 /
// min-max, errors and error rate. The app brings ONNX Runtime's native package (here the CPU one; reference
// Microsoft.ML.OnnxRuntime.Gpu instead for CUDA).
//
//   dotnet run samples/camera-analytics.cs -- [INPUT] [OUTPUT.mp4] [RESULTS.jsonl] [--det-size WxH] [--every N]
//                                             [--frames N] [--no-track] [--no-draw]
//
// Defaults: testdata/cityCC0.mpg, analytics.mp4, analytics.jsonl, --det-size 640x384 (multiples of 32), every frame.
// --no-track and --no-draw leave those stages out (benchmarks/camera-analytics.sh measures what they cost).

using System.Diagnostics;
using System.Globalization;
using MediaGraph;

var positional = new List<string>();
var (detWidth, detHeight, every, maxFrames, track, draw) = (640, 384, 1, 0L, true, true);
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--det-size" when i + 1 < args.Length && args[i + 1].Split('x') is [var w, var h]:
            (detWidth, detHeight) = (int.Parse(w, CultureInfo.InvariantCulture), int.Parse(h, CultureInfo.InvariantCulture));
            i++;
            break;
        case "--every" when i + 1 < args.Length: every = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--frames" when i + 1 < args.Length: maxFrames = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--no-track": track = false; break;
        case "--no-draw": draw = false; break;
        case var a when a.StartsWith("--", StringComparison.Ordinal):
            Console.Error.WriteLine($"unknown option {a}\nusage: dotnet run samples/camera-analytics.cs -- [INPUT] [OUTPUT.mp4] [RESULTS.jsonl] [--det-size WxH] [--every N] [--frames N] [--no-track] [--no-draw]");
            return 2;
        default: positional.Add(args[i]); break;
    }
}
var input = positional.ElementAtOrDefault(0) ?? "testdata/cityCC0.mpg";
var output = positional.ElementAtOrDefault(1) ?? "analytics.mp4";
var results = positional.ElementAtOrDefault(2) ?? "analytics.jsonl";

await using var ocr = OcrModels.Open(options: new TextReaderOptions { DetectionWidth = detWidth, DetectionHeight = detHeight });
var graph = new Graph();
var video = graph.Decode(input).Video;
if (every > 1) video = video.Filter($"select='not(mod(n\\,{every}))'");
if (maxFrames > 0) video = video.Filter($"trim=end_frame={maxFrames}");
var text = video.ReadText(ocr);                                   // detector (batched node), then crop + recognise
if (track) text = text.Track();                                   // ids ride on the frames as Tracks
graph.WriteJsonLines(results, text);                              // one JSON object per frame, "track" on each line
var shown = draw ? text.DrawDetections(new DrawOptions { Label = LabelFields.Track | LabelFields.Text }) : text;
graph.Encode(output, shown.Filter("scale=w=ceil(iw/2)*2:h=ceil(ih/2)*2"), null);  // 4:2:0 encoders need an even size

var clock = Stopwatch.StartNew();                                 // the models load at validation: counted in "overall"
var metrics = await graph.RunAsync();
clock.Stop();

// The inference-pipeline report. Overall: frames over the whole run, model loading included. Effective: frames
// over the run's own time (decode of the first frame to the trailer). Latency: the detector's model runs.
var detector = metrics.Nodes.SelectMany(n => n.Stages).First(s => s.Name.StartsWith("inference", StringComparison.Ordinal));
var frames = metrics.Frames;
var ci = CultureInfo.InvariantCulture;
Console.Error.Write(metrics.Summary());
Console.Error.WriteLine(string.Create(ci, $"""
    --- inference pipeline ---
    frames processed     {frames}
    overall fps          {frames / clock.Elapsed.TotalSeconds:0.0} ({clock.Elapsed.TotalSeconds:0.00} s, model loading included)
    effective fps        {metrics.Fps:0.0} ({metrics.Elapsed.TotalSeconds:0.00} s of pipeline)
    inference latency    avg {detector.Average.TotalMilliseconds:0.0} ms, recent-100 {detector.Recent.TotalMilliseconds:0.0} ms, min-max {detector.Min.TotalMilliseconds:0.0}-{detector.Max.TotalMilliseconds:0.0} ms ({detector.Name})
    errors               {metrics.Errors + detector.Errors} (error rate {detector.ErrorRate:0.0%})
    outputs              {output}, {results}
    """));
return 0;
