#:project ../src/MediaGraph/MediaGraph.csproj
// Transcodes a file to 1280x720 H.264 (libx264, veryfast), deinterlacing when the stream says it is interlaced
// and keeping the audio when there is some. Prints the run's per-node metrics.
//
//   dotnet run samples/transcode.cs -- testdata/cityCC0.mpg out/sample.mp4

using MediaGraph;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: dotnet run samples/transcode.cs -- INPUT OUTPUT.mp4");
    return 2;
}
var (inputPath, outputPath) = (args[0], args[1]);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); }; // Ctrl+C: stop, but finalise the file

var graph = new Graph();
var input = graph.Decode(inputPath);
var videoInfo = input.Probe().Streams.First(s => s.Kind == MediaKind.Video);
Console.WriteLine(input.Probe());

var video = input.Video;
if (videoInfo.IsInterlaced)
{
    Console.WriteLine("the stream is interlaced: deinterlacing with yadif");
    video = video.Deinterlace();
}
video = video.Scale(1280, 720);

graph.Encode(outputPath, video, input.HasAudio ? input.Audio : null,
    new EncodeOptions { VideoCodec = "libx264", Preset = "veryfast" });

var metrics = await graph.RunAsync(cancel.Token);
Console.WriteLine(metrics.Summary());
Console.WriteLine($"wrote {outputPath}");
return 0;
