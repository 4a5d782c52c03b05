using System.Globalization;
using MediaGraph.Tests.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

/// <summary>
/// Overlay against the ffmpeg CLI's overlay filter on the same inputs (testsrc2 main, a PNG with a horizontal alpha
/// ramp): every frame within 45 dB PSNR per plane, frames outside the time window bit-exact with the input; the
/// window, loop, end actions and bad inputs as specified. The CLI side places the overlay with
/// <c>setpts=PTS-STARTPTS+FROM/TB</c> and opens the window with <c>enable='gte(t,FROM)*lt(t,UNTIL)'</c>.
/// </summary>
[Collection(Kernels.SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class OverlayTests(ITestOutputHelper log)
{
    private const int W = 160, H = 120;

    /// <summary>2 s of 160x120 testsrc2 at 25 fps, lossless (FFV1), yuv420p.</summary>
    internal static Task<string> MainAsync() => TestMedia.ClipAsync("overlay-main-160x120.mkv",
        $"-f lavfi -i testsrc2=size={W}x{H}:rate=25 -t 2 -c:v ffv1 -pix_fmt yuv420p");

    /// <summary>A <paramref name="width"/>x<paramref name="height"/> PNG: testsrc colours, alpha rising from 0 at the
    /// left edge to 250 at the right (rgba); opaque rgb24 when <paramref name="alpha"/> is false.</summary>
    internal static Task<string> LogoAsync(int width = 48, int height = 32, bool alpha = true) => TestMedia.ClipAsync(
        $"logo-{width}x{height}-{(alpha ? "rgba" : "rgb24")}.png",
        $"-f lavfi -i \"testsrc=size={width}x{height}:rate=1,format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*X/W'{(alpha ? "" : ",format=rgb24")}\" -frames:v 1");

    [Theory(Timeout = 120000)]
    // Window edges between frame times: at an edge, t = pts·tb in floating point decides libavfilter's enable.
    [InlineData(10, 21, 0.42, 0.8, 1.0, 0, 0, true)]     // odd y rounds down to even, as libavfilter does
    [InlineData(-7, 100, 0.0, null, 1.0, 0, 0, true)]    // partly outside (left, bottom): clipped
    [InlineData(5, 6, 1.02, 0.52, 0.5, 0, 0, true)]      // half opacity (colorchannelmixer=aa=0.5)
    [InlineData(33, 17, 0.22, 1.0, 1.0, 71, 45, true)]   // scaled to an odd size first
    [InlineData(-10, -10, 0.0, 0.42, 1.0, 200, 150, true)] // larger than the main picture: clipped to it
    [InlineData(12, 12, 0.0, 1.02, 1.0, 0, 0, false)]    // no alpha: opaque
    public async Task Overlay_PngOnVideo_MatchesFfmpegOverlayWithin45dBAndPassesFramesOutsideTheWindowBitExact(
        int x, int y, double from, double? duration, double opacity, int width, int height, bool alpha)
    {
        var main = await MainAsync();
        var logo = await LogoAsync(alpha: alpha);
        var options = new OverlayOptions { Width = width, Height = height, Opacity = opacity };
        var ours = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(logo).Video, x, y, TimeSpan.FromSeconds(from),
            duration is { } d ? TimeSpan.FromSeconds(d) : null, options));

        var prep = (width != 0 ? $"scale={width}:{height}," : "") + (opacity < 1 || !alpha ? $"format=rgba,colorchannelmixer=aa={opacity.ToString(CultureInfo.InvariantCulture)}," : "");
        var until = duration is { } dd ? $"*lt(t,{(from + dd).ToString(CultureInfo.InvariantCulture)})" : "";
        var theirs = await FfmpegAsync(main, logo,
            $"[1]{prep}setpts=PTS-STARTPTS+{from.ToString(CultureInfo.InvariantCulture)}/TB[o];[0][o]overlay=x={x}:y={y}:enable='gte(t,{from.ToString(CultureInfo.InvariantCulture)}){until}'");
        var input = await FfmpegAsync(main, null, "null");

        Assert.Equal(50, theirs.Count);
        Assert.Equal(theirs.Count, ours.Count);
        var end = duration is { } e ? from + e : double.MaxValue;
        var drawn = 0;
        for (var i = 0; i < ours.Count; i++)
        {
            var t = i / 25.0;
            var psnr = KernelTestKit.PsnrPerPlane(ours[i], theirs[i], W, H, PixelFormat.Yuv420P);
            Assert.True(psnr.All(p => p >= 45), $"frame {i} (t={t:0.00}): PSNR {KernelTestKit.Describe(psnr)} dB");
            var inWindow = t >= from - 1e-9 && t < end - 1e-9;
            if (!inWindow) Assert.True(input[i].AsSpan().SequenceEqual(ours[i]), $"frame {i} (t={t:0.00}) is outside the window but changed");
            else
            {
                drawn++;
                Assert.False(input[i].AsSpan().SequenceEqual(ours[i]), $"frame {i} (t={t:0.00}) is inside the window but has no overlay");
            }
        }
        log.WriteLine($"{drawn} of {ours.Count} frames drawn on; lowest PSNR {ours.Select((o, i) => KernelTestKit.PsnrPerPlane(o, theirs[i], W, H, PixelFormat.Yuv420P).Min()).Min():0.0} dB");
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_ClipAtAnotherRate_TakesTheLatestOverlayFrameAtOrBeforeEachMainFrameAsFfmpeg()
    {
        var main = await MainAsync();
        var clip = await TestMedia.ClipAsync("overlay-clip-10fps.mkv", "-f lavfi -i testsrc=size=40x30:rate=10 -t 1 -c:v ffv1 -pix_fmt yuv420p");
        var ours = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(clip).Video, 30, 40, TimeSpan.FromSeconds(0.3)));
        var theirs = await FfmpegAsync(main, clip, "[1]setpts=PTS-STARTPTS+0.3/TB[o];[0][o]overlay=x=30:y=40");

        Assert.Equal(theirs.Count, ours.Count);
        for (var i = 0; i < ours.Count; i++)
            Assert.True(ours[i].AsSpan().SequenceEqual(theirs[i]), $"frame {i}: differs from ffmpeg's overlay (a yuv420p overlay blends exactly)");
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_PositionAsAFunctionOfTime_MatchesFfmpegsXExpression()
    {
        var main = await MainAsync();
        var logo = await LogoAsync();
        var ours = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(logo).Video, options: new()
        {
            Position = t => ((int)Math.Round(t.TotalSeconds * 25) * 3 - 20, 50),
        }));
        var theirs = await FfmpegAsync(main, logo, "[0][1]overlay=x='round(t*25)*3-20':y=50");

        AssertCloseToFfmpeg(ours, theirs);
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_LoopedClipWithPass_PlaysTwiceThenPassesTheMainPictureUnchanged()
    {
        var main = await MainAsync();
        var clip = await TestMedia.ClipAsync("overlay-clip-0.4s.mkv", "-f lavfi -i testsrc=size=40x30:rate=25 -t 0.4 -c:v ffv1 -pix_fmt yuv420p");
        var ours = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(clip).Video, 8, 8, options: new() { Loop = 1, EndAction = OverlayEndAction.Pass }));
        var input = await FfmpegAsync(main, null, "null");

        Assert.Equal(50, ours.Count);
        var changed = Enumerable.Range(0, 50).Where(i => !input[i].AsSpan().SequenceEqual(ours[i])).ToArray();
        Assert.Equal(Enumerable.Range(0, 20).ToArray(), changed); // two passes of 10 frames, then nothing
        for (var row = 8; row < 8 + 30; row++) // the opaque clip's luma: the second pass shows the first pass's frames again
            Assert.True(ours[3].AsSpan(row * W + 8, 40).SequenceEqual(ours[13].AsSpan(row * W + 8, 40)), $"row {row} of frames 3 and 13 differ");
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_EndAllAndShortest_EndTheOutputWhenTheOverlayEnds()
    {
        var main = await MainAsync();
        var clip = await TestMedia.ClipAsync("overlay-clip-0.4s.mkv", "-f lavfi -i testsrc=size=40x30:rate=25 -t 0.4 -c:v ffv1 -pix_fmt yuv420p");
        var endAll = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(clip).Video, options: new() { EndAction = OverlayEndAction.EndAll }));
        var shortest = await OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(clip).Video, options: new() { Shortest = true }));
        var theirs = await FfmpegAsync(main, clip, "[0][1]overlay=eof_action=endall");

        Assert.Equal(10, theirs.Count);
        Assert.Equal(10, endAll.Count);
        Assert.Equal(10, shortest.Count);
    }

    [Fact(Timeout = 60000)]
    public async Task Overlay_MissingImage_FailsValidationNamingTheFile()
    {
        var main = await MainAsync();
        var missing = Path.Combine(TestMedia.OutputFolder(), "no-such-logo.png");
        var graph = new global::MediaGraph.Graph();
        graph.Sink(graph.Decode(main).Video.Overlay(graph.Decode(missing).Video));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        Assert.Contains(e.Problems, p => p.Contains("no-such-logo.png"));
    }

    [Fact(Timeout = 60000)]
    public async Task Overlay_OnRgbMainPicture_FailsNamingTheNodeAndTheFix()
    {
        var main = await MainAsync();
        var logo = await LogoAsync();
        var graph = new global::MediaGraph.Graph();
        var sink = graph.Sink(graph.Decode(main).Video.ConvertTo("rgb24").Overlay(graph.Decode(logo).Video));

        var e = await Assert.ThrowsAsync<MediaGraphException>(async () => { await foreach (var f in sink.ReadAllAsync()) f.Dispose(); });

        Assert.Equal("overlay0", e.Node);
        Assert.Contains("rgb24", e.Message);
        Assert.Contains("convert it first", e.Message);
    }

    [Fact]
    public void Overlay_BothSizesKeepingAspect_IsRefusedWhenBuilt()
    {
        var e = Assert.Throws<ArgumentException>(() => new OverlayNode(options: new() { Width = -1, Height = -1 }));
        Assert.Contains("at most one of 'width' and 'height' may be -1", e.Message);
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_OnCudaSim_MatchesTheCpuPathBitExactAndUploadsTheLogoOnce()
    {
        var main = await TestMedia.ClipAsync("overlay-main-66x38.mkv", "-f lavfi -i testsrc2=size=66x38:rate=25 -frames:v 3 -c:v ffv1 -pix_fmt yuv420p");
        var logo = await LogoAsync(24, 17);
        VideoStream Build(global::MediaGraph.Graph g) => g.Decode(main).Video.Overlay(g.Decode(logo).Video, 9, 5, options: new() { Opacity = 0.7 });

        var cpu = await FrameOracle.MediaGraphAsync(Build, new GraphOptions { Device = Device.Cpu });
        var (sim, metrics) = await FrameOracle.MediaGraphWithMetricsAsync(Build, new GraphOptions { Device = Device.CudaSim });

        Assert.Equal(3, cpu.Count);
        Assert.Equal(cpu, sim);
        var uploaded = metrics["overlay0"].BytesUploaded;
        log.WriteLine($"overlay0 uploaded {uploaded} bytes");
        // One yuva420p 24x17 picture (52 rows at the pool's 256-byte pitch), once for the three frames.
        Assert.InRange(uploaded, 24 * 17 * 5 / 2, 2 * 52 * 256 - 1);
    }

    [Fact]
    public void Overlay_JsonForm_BuildsTheNodeWithBothInputsAndWritesItBack()
    {
        const string json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "logo", "type": "decode", "url": "logo.png"},
              {"id": "o", "type": "overlay", "inputs": ["in.video", "logo.video"], "x": 16, "y": 8, "width": 300, "height": 200,
               "from": 2, "duration": 10, "loop": -1, "eof_action": "pass", "opacity": 0.8},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "o"}
            ]}
            """;
        var graph = global::MediaGraph.Graph.FromJson(json);
        var node = Assert.IsType<OverlayNode>(graph.Nodes.Single(n => n.Name == "o"));

        Assert.Equal(("16", "8", 300, 200, -1), (node.X, node.Y, node.Width, node.Height, node.Loop));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)), (node.From, node.Duration));
        Assert.Equal((OverlayEndAction.Pass, 0.8), (node.EndAction, node.Opacity));
        Assert.Equal(["in-video", "logo-video"], node.Inputs.Select(i => i.Source!.Node.Name));
        Assert.Contains("\"type\": \"overlay\"", graph.ToJson());
    }

    /// <summary>Our frames, packed yuv420p.</summary>
    internal static async Task<List<byte[]>> OursAsync(Func<global::MediaGraph.Graph, VideoStream> build)
    {
        var graph = new global::MediaGraph.Graph(new GraphOptions { Device = Device.Cpu });
        var sink = graph.Sink(build(graph));
        var run = graph.RunAsync();
        var frames = new List<byte[]>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
                frames.Add(KernelTestKit.Packed(frame));
        await run;
        return frames;
    }

    /// <summary>The CLI's frames of <paramref name="main"/> (and <paramref name="overlay"/>) through
    /// <paramref name="filter"/>, packed yuv420p.</summary>
    internal static async Task<List<byte[]>> FfmpegAsync(string main, string? overlay, string filter)
    {
        var path = Path.Combine(TestMedia.OutputFolder("ffmpeg-overlay"), "out.yuv");
        var inputs = $"-i \"{main}\"" + (overlay is null ? "" : $" -i \"{overlay}\"");
        var graph = overlay is null ? $"-vf {filter}" : $"-filter_complex \"{filter}\"";
        await TestMedia.RunFfmpegAsync($"{inputs} {graph} -fps_mode passthrough -f rawvideo -pix_fmt yuv420p \"{path}\"");
        var raw = await File.ReadAllBytesAsync(path);
        var size = W * H * 3 / 2;
        return Enumerable.Range(0, raw.Length / size).Select(i => raw.AsSpan(i * size, size).ToArray()).ToList();
    }

    /// <summary>Asserts as many frames as ffmpeg's, each at least 45 dB on every plane from ffmpeg's.</summary>
    internal static void AssertCloseToFfmpeg(IReadOnlyList<byte[]> ours, IReadOnlyList<byte[]> theirs)
    {
        Assert.Equal(theirs.Count, ours.Count);
        for (var i = 0; i < ours.Count; i++)
        {
            var psnr = KernelTestKit.PsnrPerPlane(ours[i], theirs[i], W, H, PixelFormat.Yuv420P);
            Assert.True(psnr.All(p => p >= 45), $"frame {i}: PSNR {KernelTestKit.Describe(psnr)} dB");
        }
    }
}
