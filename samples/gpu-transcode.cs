#:project ../src/MediaGraph/MediaGraph.csproj
#:package Microsoft.Extensions.Logging.Console@10.0.0
#:property PublishAot=false
// The GPU transcode: NVDEC decode -> deinterlace (yadif) -> scale to 1280x720 -> NVENC H.264, with the audio re-encoded
// with the output format's default codec as the ffmpeg CLI does (or --acodec copy / none). On a machine with an
// NVIDIA GPU the video frames stay in device memory from the decoder to the encoder (Device.Auto, HwAccel.Auto,
// h264_nvenc). Without one, the same graph runs on the CPU: software decoding, libavfilter's yadif and swscale, and
// libx264 instead of h264_nvenc; each fallback is said once in the log (stderr), by the library. Prints the run's
// per-node metrics at the end.
//
//   dotnet run samples/gpu-transcode.cs -- [INPUT=in.mp4] [OUTPUT=out/gpu-transcode.mp4]
//                                          [--size WxH] [--vcodec h264_nvenc] [--acodec aac|copy|none] [--device auto|cpu|cuda]
//
// The CPU fallback is checked in CI (tests/.../Samples/ScenarioSampleTests.cs, against the ffmpeg CLI's
// `-vf yadif,scale=1280:720`). The GPU path (NVDEC into device frames, the CUDA deinterlace and scale kernels, NVENC
// from device frames) is the library's, each part tested on its own; this script as a whole is unverified on GPU
// hardware.

using System.Globalization;
using MediaGraph;
using Microsoft.Extensions.Logging;

var positional = new List<string>();
var (width, height, videoCodec, audioCodec, device) = (1280, 720, "h264_nvenc", (string?)null, Device.Auto);
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--size": var size = Next().Split('x'); (width, height) = (int.Parse(size[0], CultureInfo.InvariantCulture), int.Parse(size[1], CultureInfo.InvariantCulture)); break;
        case "--vcodec": videoCodec = Next(); break;
        case "--acodec": audioCodec = Next(); break;
        case "--device": device = Device.Parse(Next()); break;
        case "-h" or "--help":
            Console.WriteLine("usage: dotnet run samples/gpu-transcode.cs -- [INPUT=in.mp4] [OUTPUT=out/gpu-transcode.mp4] [--size WxH] [--vcodec h264_nvenc] [--acodec aac|copy|none] [--device auto|cpu|cuda]");
            return 0;
        default: positional.Add(args[i]); break;
    }
}
var inputPath = positional.ElementAtOrDefault(0) ?? "in.mp4";
var outputPath = positional.ElementAtOrDefault(1) ?? "out/gpu-transcode.mp4";
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); }; // Ctrl+C: stop, but finalise the file

// The library says where each stage runs (GPU found or not, NVDEC or software, NVENC or libx264) in one line each.
using var loggers = LoggerFactory.Create(b => b
    .SetMinimumLevel(LogLevel.Information)
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .AddSimpleConsole(o => o.SingleLine = true));

var graph = new Graph(new GraphOptions { Device = device, LoggerFactory = loggers });
var input = graph.Decode(inputPath, new DecodeOptions { HwAccel = HwAccel.Auto });
var video = input.Video.Deinterlace().Scale(width, height);
graph.Encode(outputPath, video, input.HasAudio ? input.Audio : null,
    new EncodeOptions { VideoCodec = videoCodec, AudioCodec = audioCodec });

var metrics = await graph.RunAsync(cancel.Token);
Console.WriteLine(metrics.Summary());
Console.WriteLine($"wrote {outputPath}: {width}x{height}, video {videoCodec}, audio {(input.HasAudio ? audioCodec ?? "the format's default" : "none in the input")}");
return 0;
