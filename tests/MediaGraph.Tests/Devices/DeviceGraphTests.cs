using System.Globalization;
using System.Text.RegularExpressions;
using MediaGraph.Tests.Cli;
using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Devices;

/// <summary>Graphs on a device: the done-means transcode on cuda-sim against the CPU and the ffmpeg CLI, transfers
/// counted, placement drawn, and the device kinds' failure and fallback rules.</summary>
[Collection(Kernels.SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class DeviceGraphTests(ITestOutputHelper log)
{
    /// <summary>A tiny interlaced clip (top field first, flagged), 4 frames of moving testsrc2, lossless.</summary>
    // 8 frames: with 4, a device chain that lost the deinterlacer's doubled timestamps still kept every frame.
    private static Task<string> InterlacedClipAsync() => TestMedia.ClipAsync("interlaced-192x108-8.mkv",
        "-f lavfi -i testsrc2=size=192x108:rate=50 -frames:v 8 -vf interlace=scan=tff -c:v ffv1");

    [Theory(Timeout = 240000)]
    [InlineData("bilinear")]
    [InlineData("bicubic")]
    public async Task Transcode_CudaSimDeinterlaceScale_MatchesCpuAndFfmpegWithin45dB(string algorithm)
    {
        var input = await InterlacedClipAsync();
        var folder = CliTestMedia.NewFolder();
        string Out(string name) => Path.Combine(folder, name + ".mkv");

        var sim = await CliTestMedia.RunAsync("transcode", input, Out("sim"), "--device", "cuda-sim", "--deinterlace", "--scale", "160x120", "--scale-algorithm", algorithm, "--vcodec", "ffv1");
        var cpu = await CliTestMedia.RunAsync("transcode", input, Out("cpu"), "--device", "cpu", "--deinterlace", "--scale", "160x120", "--scale-algorithm", algorithm, "--vcodec", "ffv1");
        Assert.True(sim.ExitCode == 0, sim.ToString());
        Assert.True(cpu.ExitCode == 0, cpu.ToString());
        var (code, _, error) = await TestMedia.RunProcessAsync("ffmpeg",
            $"-nostdin -v error -y -i \"{input}\" -vf yadif=mode=send_frame,scale=160:120:flags={algorithm} -c:v ffv1 \"{Out("ffmpeg")}\"");
        Assert.True(code == 0, error);

        Assert.Equal(await FramesAsync(Out("ffmpeg")), await FramesAsync(Out("sim")));
        Assert.Equal(await FramesAsync(Out("cpu")), await FramesAsync(Out("sim")));
        foreach (var other in new[] { "cpu", "ffmpeg" })
        {
            var psnr = await PsnrAsync(Out("sim"), Out(other));
            log.WriteLine($"cuda-sim vs {other} ({algorithm}): PSNR y {psnr.Y:0.0} u {psnr.U:0.0} v {psnr.V:0.0} dB");
            Assert.True(psnr.Y >= 45 && psnr.U >= 45 && psnr.V >= 45, $"cuda-sim vs {other}: PSNR y {psnr.Y} u {psnr.U} v {psnr.V}, want >= 45 dB");
        }
        Assert.Matches(@"upload\(decode-video0\): host->device \d+ bytes", sim.Error);
    }

    [Fact(Timeout = 240000)]
    public async Task DeviceGraph_AllOnOneDevice_MovesNoBytesBetweenItsUploadAndDownload()
    {
        var input = await InterlacedClipAsync();
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.CudaSim, FuseFilters = true });
        var sink = graph.Sink(graph.Decode(input).Video.Deinterlace().Scale(80, 60, ScaleAlgorithm.Bilinear).Scale(64, 48, ScaleAlgorithm.Area));
        var run = graph.RunAsync();
        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.Equal(FrameLocation.Host, frame.Location);
                frames++;
            }
        var metrics = await run;

        var nodes = metrics.Nodes.ToDictionary(n => n.Node);
        log.WriteLine(metrics.Summary());
        Assert.Equal(8, frames);
        var upload = Assert.Single(metrics.Nodes, n => n.Kind == "upload");
        var download = Assert.Single(metrics.Nodes, n => n.Kind == "download");
        Assert.Equal(8, upload.FramesIn);
        Assert.True(upload.BytesUploaded >= 8L * 192 * 108 * 3 / 2, $"upload moved {upload.BytesUploaded} bytes");
        Assert.True(download.BytesDownloaded >= 8L * 64 * 48 * 3 / 2, $"download moved {download.BytesDownloaded} bytes");
        foreach (var n in metrics.Nodes.Where(n => n.Kind is "deinterlace" or "scale"))
        {
            Assert.Equal(0, n.BytesUploaded);
            Assert.Equal(0, n.BytesDownloaded);
        }
        Assert.Equal(0, metrics.Nodes.Where(n => n.Kind is not ("upload" or "download")).Sum(n => n.BytesUploaded + n.BytesDownloaded));
    }

    [Fact(Timeout = 240000)]
    public async Task FanOutOnTheDevice_BothBranchesReadTheSharedFrameOnTheirOwnStreams_AsOnTheCpu()
    {
        var input = await InterlacedClipAsync();

        var sim = await RunFanOutAsync(input, Device.CudaSim);
        var cpu = await RunFanOutAsync(input, Device.Cpu);

        log.WriteLine(sim.Metrics.Summary());
        Assert.Equal(8, sim.Flipped.Count);
        Assert.Equal(8, sim.Cropped.Count);
        Assert.Equal(cpu.Flipped, sim.Flipped); // crop and hflip are bit-exact with libavfilter's
        Assert.Equal(cpu.Cropped, sim.Cropped);
        Assert.Single(sim.Metrics.Nodes, n => n.Kind == "upload");
        Assert.Equal(2, sim.Metrics.Nodes.Count(n => n.Kind == "download"));
        Assert.Equal(0, sim.Metrics.Nodes.Where(n => n.Kind is not ("upload" or "download")).Sum(n => n.BytesUploaded + n.BytesDownloaded));
    }

    /// <summary>decode → crop → { hflip, crop }: one frame read by two nodes on two streams.</summary>
    private static async Task<(List<byte[]> Flipped, List<byte[]> Cropped, GraphMetrics Metrics)> RunFanOutAsync(string input, Device device)
    {
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = device });
        var cropped = graph.Decode(input).Video.Crop(8, 4, 160, 96);
        var flipped = graph.Sink(cropped.Flip());
        var small = graph.Sink(cropped.Crop(16, 8, 80, 48));
        var run = graph.RunAsync();
        var a = ReadPackedAsync(flipped);
        var b = ReadPackedAsync(small);
        var metrics = await run;
        return (await a, await b, metrics);
    }

    private static async Task<List<byte[]>> ReadPackedAsync(AppSink<VideoFrame> sink)
    {
        var frames = new List<byte[]>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(Kernels.KernelTestKit.Packed(frame));
        return frames;
    }

    [Fact]
    public async Task ToDot_OnADevice_ShowsTheUploadAndDownloadTheRunInserts()
    {
        var input = await InterlacedClipAsync();
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.CudaSim });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(input).Video.Deinterlace().Scale(160, 120));

        var dot = graph.ToDot();

        Assert.Contains("\"decode-video0\" -> \"upload(decode-video0)\"", dot);
        Assert.Contains("\"upload(decode-video0)\" -> \"deinterlace0\"", dot);
        Assert.Contains("\"scale0\" -> \"download(scale0)\"", dot);
        Assert.Matches("\"download\\(scale0\\)\" -> \"encode-video0\"", dot);
        Assert.DoesNotContain("upload", new global::MediaGraph.Graph(new GraphOptions { Device = Device.Cpu }).ToDot());
    }

    [Fact]
    public async Task NodeDeviceOptionCpu_KeepsThatNodeOnTheHostInADeviceGraph()
    {
        var input = await InterlacedClipAsync();
        var json = $$"""
            { "device": "cuda-sim", "nodes": [
              { "id": "in", "type": "decode", "url": "{{input.Replace("\\", "/")}}" },
              { "id": "d", "type": "deinterlace", "input": "in.video" },
              { "id": "s", "type": "scale", "input": "d", "width": 64, "height": 48, "device": "cpu" },
              { "id": "out", "type": "encode", "path": "{{Path.Combine(TestMedia.OutputFolder(), "o.mkv")}}", "video": "s" } ] }
            """;

        var dot = global::MediaGraph.Graph.FromJson(json).ToDot();

        Assert.Matches("\"upload\\([^)]+\\)\" -> \"d\"", dot);
        Assert.Contains("\"d\" -> \"download(d)\"", dot);
        Assert.Contains("\"download(d)\" -> \"s\"", dot);
        Assert.DoesNotContain("download(s)", dot);
    }

    [Fact]
    public async Task CudaDevice_WithoutAGpu_FailsFastSayingWhy()
    {
        if (ComputeDevice.CudaPresent) return; // this machine has a GPU: the rule is about machines without one
        var input = await InterlacedClipAsync();
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.Cuda(0) });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), graph.Decode(input).Video.Scale(64, 48));

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Contains("device cuda:", e.Message.Replace("device cuda ", "device cuda:"));
        Assert.Contains("no CUDA GPU", e.Message);
        Assert.Contains("--device cpu", e.Message);
    }

    [Fact]
    public async Task AutoDevice_WithoutAGpu_RunsOnTheCpuSayingSoInOneLogLine()
    {
        if (ComputeDevice.CudaPresent) return;
        var input = await InterlacedClipAsync();
        var lines = new List<string>();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(new ListProvider(lines)));
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.Auto, LoggerFactory = loggers });
        var sink = graph.Sink(graph.Decode(input).Video.Scale(64, 48));
        var run = graph.RunAsync();
        await foreach (var frame in sink.ReadAllAsync()) using (frame) Assert.Equal(FrameLocation.Host, frame.Location);
        var metrics = await run;

        Assert.Single(lines, l => l.StartsWith("device auto:", StringComparison.Ordinal) && l.Contains("CPU"));
        Assert.DoesNotContain(metrics.Nodes, n => n.Kind is "upload" or "download");
    }

    private static async Task<List<string>> FramesAsync(string path)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffprobe", $"-v error -select_streams v:0 -show_entries frame=pts_time,width,height -of csv=p=0 \"{path}\"");
        Assert.True(code == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>The worst frame's PSNR per plane of <paramref name="a"/> against <paramref name="b"/> (ffmpeg's psnr filter).</summary>
    private static async Task<(double Y, double U, double V)> PsnrAsync(string a, string b)
    {
        var stats = Path.Combine(Path.GetDirectoryName(a)!, $"psnr-{Guid.NewGuid():N}.log");
        var (code, _, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -v error -i \"{a}\" -i \"{b}\" -lavfi psnr=stats_file='{stats}' -f null -");
        Assert.True(code == 0, error);
        double Min(string plane) => File.ReadAllLines(stats)
            .Select(l => Regex.Match(l, $@"psnr_{plane}:(\S+)"))
            .Select(m => m.Groups[1].Value == "inf" ? double.PositiveInfinity : double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
            .Min();
        return (Min("y"), Min("u"), Min("v"));
    }

    private sealed class ListProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);
        public void Dispose() { }
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(formatter(state, exception));
        }
    }
}
