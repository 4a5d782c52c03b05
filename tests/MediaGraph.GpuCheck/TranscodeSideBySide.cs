using System.Diagnostics;
using MediaGraph.Interop;

namespace MediaGraph.GpuCheck;

/// <summary>
/// The transcode decode → yadif → scale → encode through the graph, side by side with the ffmpeg CLI of the same
/// bundle doing the same job with the same encoder settings (issue 17: "ratio ≤ 1.0"), timed by wall clock in the
/// same process, in alternating rounds (graph, CLI, graph, CLI …), medians compared.
/// <list type="bullet">
/// <item>On a GPU with NVENC (found by a one-frame NVENC probe encode of the CLI): the graph asks for h264_nvenc and
/// encodes from device frames; the CLI runs <c>-hwaccel cuda -hwaccel_output_format cuda -vf
/// yadif_cuda,scale_cuda=W:H -c:v h264_nvenc</c>; both with preset p4, 5 Mb/s, GOP 250.</item>
/// <item>On a GPU without NVENC (H100, H200): the graph still asks for h264_nvenc and the library falls back to its
/// counted download + libx264; the CLI adds <c>hwdownload,format=nv12</c> and <c>-c:v libx264</c>; both with preset
/// veryfast, CRF 23, GOP 250.</item>
/// <item>Without a GPU (cuda-sim, CI): both sides on the CPU: software decode, libavfilter's yadif and scale (the
/// graph on <see cref="Device.Cpu"/>; its NVENC request falls back to libx264, said once), libx264 with the same
/// settings. A smoke of the same code (the small clip: a few seconds), and a real CPU-path comparison on a big clip.</item>
/// </list>
/// The graph's time runs from building the graph to its run's end (opening the device, compiling kernels and writing
/// the mp4 included); the CLI's from starting its process to its exit. Output frame counts are read back with the bare
/// software decode loop (the bundle has no ffprobe) and must be equal.
/// </summary>
internal sealed class TranscodeSideBySide(CheckOptions options, List<string> failures, List<string> summary)
{
    private sealed record Settings(string Encoder, string? Preset, int? Crf, long Bitrate, int Gop)
    {
        public string Describe() => $"{Encoder} preset {Preset}{(Crf is { } c ? $" crf {c}" : "")}{(Bitrate > 0 ? $" {Bitrate / 1_000_000.0:0.#} Mb/s" : "")} gop {Gop}";
        public IEnumerable<string> CliArguments()
        {
            yield return "-c:v"; yield return Encoder;
            if (Preset is not null) { yield return "-preset"; yield return Preset; }
            if (Crf is { } c) { yield return "-crf"; yield return c.ToString(); }
            if (Bitrate > 0) { yield return "-b:v"; yield return Bitrate.ToString(); }
            yield return "-g"; yield return Gop.ToString();
        }
    }

    /// <summary>The graph's device: the GPU; without one the CPU, so both sides run libavfilter's yadif and scale
    /// (the check's own encode run covers cuda-sim's kernels and the NVENC fallback there).</summary>
    private Device GraphDevice => options.OnGpu ? options.Device : Device.Cpu;

    private static readonly Settings Nvenc = new("h264_nvenc", "p4", null, 5_000_000, 250);
    private static readonly Settings X264 = new("libx264", "veryfast", 23, 0, 250);

    public async Task RunAsync()
    {
        if (options.Ffmpeg is null)
        {
            var skipped = "transcode side by side: skipped (no --ffmpeg CLI given)";
            Console.WriteLine($"gpu-check: {skipped}");
            summary.Add(skipped);
            return;
        }
        var folder = Directory.CreateTempSubdirectory("gpu-check-transcode-").FullName;
        try
        {
            await RunInAsync(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task RunInAsync(string folder)
    {
        var nvenc = options.OnGpu && await ProbeNvencAsync(folder);
        var settings = nvenc ? Nvenc : X264;
        string size = $"{options.Width}:{options.Height}";
        var filters = !options.OnGpu ? $"yadif,scale={size}" : nvenc ? $"yadif_cuda,scale_cuda={size}" : $"yadif_cuda,scale_cuda={size},hwdownload,format=nv12";
        var cliOut = Path.Combine(folder, "ffmpeg.mp4");
        var cli = new List<string> { "-nostdin", "-hide_banner", "-v", "error", "-y" };
        if (options.OnGpu) cli.AddRange(["-hwaccel", "cuda", "-hwaccel_output_format", "cuda"]);
        cli.AddRange(["-i", options.Input, "-vf", filters]);
        cli.AddRange(settings.CliArguments());
        cli.AddRange(["-an", cliOut]);
        var where = options.OnGpu ? (nvenc ? "NVENC present" : "NVENC absent: both download and encode with libx264") : "no GPU: software decode, libavfilter's yadif and scale, libx264 on both sides";
        Console.WriteLine($"gpu-check: transcode side by side ({where}), {options.Rounds} round(s) each, alternating; encoder {settings.Describe()}");
        Console.WriteLine($"  graph: Decode(HwAccel.Auto) -> Deinterlace() -> Scale({options.Width}, {options.Height}) -> Encode(VideoCodec h264_nvenc{(nvenc ? "" : ", which falls back to libx264")}, {settings.Describe()}) on {GraphDevice}");
        Console.WriteLine($"  cli  : {BenchStats.Quote(options.Ffmpeg!, cli)}");

        var graphOut = Path.Combine(folder, "graph.mp4");
        var graphSeconds = new List<double>();
        var cliSeconds = new List<double>();
        GraphMetrics? lastMetrics = null;
        IReadOnlyCollection<string> lastLog = [];
        for (var round = 1; round <= options.Rounds; round++)
        {
            var (seconds, metrics, log) = await RunGraphAsync(graphOut, settings);
            graphSeconds.Add(seconds);
            (lastMetrics, lastLog) = (metrics, log);
            var (code, cliTime, error) = await BenchStats.RunAsync(options.Ffmpeg!, cli, TimeSpan.FromSeconds(300));
            if (code != 0)
            {
                failures.Add($"transcode side by side: the ffmpeg CLI failed ({code}): {error}");
                return;
            }
            cliSeconds.Add(cliTime);
            Console.WriteLine($"  round {round}: graph {seconds:0.000} s, ffmpeg CLI {cliTime:0.000} s");
        }

        var graphFrames = BareDecodeLoop.Run(graphOut, BareDecodeMode.Software).Frames;
        var cliFrames = BareDecodeLoop.Run(cliOut, BareDecodeMode.Software).Frames;
        var g = BenchStats.Median(graphSeconds);
        var c = BenchStats.Median(cliSeconds);
        var ratio = c > 0 ? g / c : 0;
        var up = lastMetrics!.Nodes.Sum(n => n.BytesUploaded);
        var down = lastMetrics.Nodes.Sum(n => n.BytesDownloaded);
        var fallback = lastLog.Count(l => l.Contains("nvenc", StringComparison.OrdinalIgnoreCase) && l.Contains("libx264", StringComparison.Ordinal));
        var target = options.OnGpu ? $" (target <= 1.0: {(ratio <= 1.0 ? "met" : "MISSED")})" : " (CPU smoke; the target is the GPU's)";
        var line = $"transcode {options.Width}x{options.Height} ({settings.Describe()}; {where}): graph {g:0.000} s = {graphFrames / g:0.0} fps vs ffmpeg CLI {c:0.000} s = {cliFrames / c:0.0} fps, " +
            $"median of {options.Rounds}, time ratio graph/CLI = {ratio:0.000}{target}; output frames graph {graphFrames}, CLI {cliFrames}; " +
            $"graph host->device {up} B, device->host {down} B";
        Console.WriteLine($"gpu-check: {line}");
        summary.Add(line);

        if (graphFrames != cliFrames) failures.Add($"transcode side by side: the graph wrote {graphFrames} frames, the ffmpeg CLI {cliFrames}");
        if (graphFrames == 0) failures.Add("transcode side by side: the graph wrote no frames");
        // The library decided NVENC itself (its own probe); it must agree with the CLI's.
        if (nvenc != (fallback == 0)) failures.Add($"transcode side by side: the ffmpeg CLI found NVENC {(nvenc ? "present" : "absent")}, the library {(fallback == 0 ? "encoded with it" : "fell back to libx264")}");
        if (options.OnGpu && up != 0) failures.Add($"transcode side by side: {up} bytes went host -> device (NVDEC frames should stay on the GPU)");
        if (nvenc && down != 0) failures.Add($"transcode side by side: NVENC encoded, yet {down} bytes went device -> host");
    }

    private async Task<(double Seconds, GraphMetrics Metrics, IReadOnlyCollection<string> Log)> RunGraphAsync(string output, Settings settings)
    {
        var log = new CheckLog(echo: false);
        var watch = Stopwatch.StartNew();
        var graph = new Graph(new GraphOptions { Device = GraphDevice, LoggerFactory = log });
        var video = graph.Decode(options.Input, new DecodeOptions { HwAccel = HwAccel.Auto }).Video
            .Deinterlace()
            .Scale(options.Width, options.Height);
        graph.Encode(output, video, null, new EncodeOptions
        {
            VideoCodec = "h264_nvenc", // NVENC where the GPU has it; else the library's counted download + libx264
            Preset = settings.Preset,
            Crf = settings.Crf,
            VideoBitrate = settings.Bitrate,
            Gop = settings.Gop,
        });
        var metrics = await graph.RunAsync();
        return (watch.Elapsed.TotalSeconds, metrics, log.Lines);
    }

    /// <summary>Whether this GPU has NVENC: one frame through the CLI's h264_nvenc (H100 and H200 have none).</summary>
    private async Task<bool> ProbeNvencAsync(string folder)
    {
        string[] probe = ["-nostdin", "-hide_banner", "-v", "error", "-y", "-hwaccel", "cuda", "-hwaccel_output_format", "cuda", "-i", options.Input,
            "-frames:v", "1", "-c:v", "h264_nvenc", "-f", "null", "-"];
        var (code, seconds, error) = await BenchStats.RunAsync(options.Ffmpeg!, probe, TimeSpan.FromSeconds(60));
        var first = error.Split('\n').FirstOrDefault(l => l.Length > 0) ?? "";
        Console.WriteLine($"gpu-check: NVENC probe (one frame, ffmpeg CLI, {seconds:0.00} s): {(code == 0 ? "present" : $"absent ({first})")}");
        return code == 0;
    }
}
