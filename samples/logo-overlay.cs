#:project ../src/MediaGraph/MediaGraph.csproj
// The broadcast "logo over video" scenario: the video is scaled to 1280x720 and an image (a PNG with alpha; any
// picture works, one without alpha is opaque) is drawn on it at (0,0), scaled to 300x200, for the first 10 seconds;
// the audio is kept (re-encoded with the output format's default codec). Prints the run's metrics at the end.
//
//   dotnet run samples/logo-overlay.cs -- [INPUT=in.mp4] [LOGO=logo.png] [OUTPUT=out/logo-overlay.mp4]
//                                         [--at X,Y] [--size WxH] [--seconds S]
//
// A logo to try: ffmpeg -f lavfi -i "color=c=orange@0.8:size=300x200,format=rgba" -frames:v 1 logo.png

using System.Globalization;
using MediaGraph;

var positional = new List<string>();
var (x, y, width, height, seconds) = (0, 0, 300, 200, 10.0);
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--at": var at = Next().Split(','); (x, y) = (int.Parse(at[0], CultureInfo.InvariantCulture), int.Parse(at[1], CultureInfo.InvariantCulture)); break;
        case "--size": var size = Next().Split('x'); (width, height) = (int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture)); break;
        case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "-h" or "--help":
            Console.WriteLine("usage: dotnet run samples/logo-overlay.cs -- [INPUT=in.mp4] [LOGO=logo.png] [OUTPUT=out/logo-overlay.mp4] [--at X,Y] [--size WxH] [--seconds S]");
            return 0;
        default: positional.Add(args[i]); break;
    }
}
var inputPath = positional.ElementAtOrDefault(0) ?? "in.mp4";
var logoPath = positional.ElementAtOrDefault(1) ?? "logo.png";
var outputPath = positional.ElementAtOrDefault(2) ?? "out/logo-overlay.mp4";
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); }; // Ctrl+C: stop, but finalise the file

// The subgraph is three lines: the source scaled, the logo scaled inside the overlay, drawn for the first S seconds.
var graph = new Graph();
var input = graph.Decode(inputPath);
var video = input.Video.Scale(1280, 720)
    .Overlay(graph.Decode(logoPath).Video, x, y, TimeSpan.Zero, TimeSpan.FromSeconds(seconds), new OverlayOptions { Width = width, Height = height });
graph.Encode(outputPath, video, input.HasAudio ? input.Audio : null, new EncodeOptions { Preset = "veryfast" });

var metrics = await graph.RunAsync(cancel.Token);
Console.WriteLine(metrics.Summary());
Console.WriteLine($"wrote {outputPath}: {logoPath} at ({x},{y}), {width}x{height}, for the first {seconds.ToString(CultureInfo.InvariantCulture)} s");
return 0;
