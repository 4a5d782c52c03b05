using MediaGraph.Tests.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

/// <summary>
/// Overlay positions written as ffmpeg overlay expressions (x, y, eval) against the ffmpeg CLI's overlay filter with
/// the same expressions on the same inputs (OverlayTests' 160x120 testsrc2 main and alpha-ramp PNG): every frame within
/// 45 dB PSNR per plane, frames the overlay does not touch (NaN) bit-exact with the input; the C# API, the JSON form,
/// the CLI's --overlay and cuda-sim; a bad expression refused at validation with FFmpeg's reason.
/// </summary>
[Collection(SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class OverlayExpressionTests(ITestOutputHelper log)
{
    private const int W = 160, H = 120;

    [Theory(Timeout = 120000)]
    [InlineData("main_w-overlay_w-10", "(main_h-overlay_h)/2", "frame")]    // bottom-right / centred, from the sizes
    [InlineData("W-w-t*90", "n*3-40", "frame")]                            // moving with t and n (n counts as libavfilter's)
    [InlineData("if(gte(t,1), 10+t*50, NAN)", "H/4+y*0", "frame")]           // not drawn before 1 s (NAN), then moving
    [InlineData("main_w/3", "(main_h-overlay_h)/2", "init")]                // evaluated once, before the first frame
    [InlineData("main_w/3+t*40", "10", "init")]                            // once, when t is NAN: never drawn, as the CLI
    public async Task Overlay_PositionExpressions_MatchFfmpegsOverlayFilterWithTheSameExpressions(string x, string y, string eval)
    {
        var main = await OverlayTests.MainAsync();
        var logo = await OverlayTests.LogoAsync();
        var ours = await OverlayTests.OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(logo).Video, x, y,
            options: new() { Eval = eval == "init" ? OverlayEval.Init : OverlayEval.Frame }));
        var theirs = await OverlayTests.FfmpegAsync(main, logo, $"[0][1]overlay=x='{x}':y='{y}':eval={eval}");
        var input = await OverlayTests.FfmpegAsync(main, null, "null");

        Assert.Equal(50, theirs.Count);
        Assert.Equal(theirs.Count, ours.Count);
        var drawn = 0;
        for (var i = 0; i < ours.Count; i++)
        {
            var psnr = KernelTestKit.PsnrPerPlane(ours[i], theirs[i], W, H, PixelFormat.Yuv420P);
            Assert.True(psnr.All(p => p >= 45), $"frame {i}: PSNR {KernelTestKit.Describe(psnr)} dB");
            var untouched = input[i].AsSpan().SequenceEqual(theirs[i]);
            Assert.Equal(untouched, input[i].AsSpan().SequenceEqual(ours[i])); // undrawn where ffmpeg leaves it, bit-exact
            if (!untouched) drawn++;
        }
        log.WriteLine($"x='{x}' y='{y}' eval={eval}: {drawn} of {ours.Count} frames drawn on");
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_NanBeforeTwoSecondsOfThree_LeavesThoseFramesBitExactAndDrawsTheRest()
    {
        var main = await TestMedia.ClipAsync("overlay-main-160x120-3s.mkv", $"-f lavfi -i testsrc2=size={W}x{H}:rate=25 -t 3 -c:v ffv1 -pix_fmt yuv420p");
        var logo = await OverlayTests.LogoAsync();
        var ours = await OverlayTests.OursAsync(g => g.Decode(main).Video.Overlay(g.Decode(logo).Video, "if(gte(t,2), 10+t*20, NAN)", "20"));
        var input = await OverlayTests.FfmpegAsync(main, null, "null");

        Assert.Equal(75, ours.Count);
        var changed = Enumerable.Range(0, 75).Where(i => !input[i].AsSpan().SequenceEqual(ours[i])).ToArray();
        Assert.Equal(Enumerable.Range(50, 25).ToArray(), changed);
    }

    [Fact(Timeout = 60000)]
    public async Task Overlay_BadExpression_FailsValidationNamingTheNodeTheExpressionAndWhereFfmpegStopped()
    {
        var main = await OverlayTests.MainAsync();
        var logo = await OverlayTests.LogoAsync();
        var graph = new global::MediaGraph.Graph();
        graph.Sink(graph.Decode(main).Video.Overlay(graph.Decode(logo).Video, "main_w-foo", "(main_h"));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(string.Join("\n", e.Problems));
        var x = Assert.Single(e.Problems, p => p.Contains("'main_w-foo'"));
        Assert.StartsWith("overlay0: overlay x", x);
        Assert.Contains("Undefined constant or missing '(' in 'foo'", x); // FFmpeg's own words, from where it stopped
        var y = Assert.Single(e.Problems, p => p.Contains("'(main_h'"));
        Assert.StartsWith("overlay0: overlay y", y);
        Assert.Contains("Missing ')'", y);
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_ExpressionsInTheJsonForm_RunAndMatchFfmpeg()
    {
        var main = await OverlayTests.MainAsync();
        var logo = await OverlayTests.LogoAsync();
        var folder = TestMedia.OutputFolder();
        var output = Path.Combine(folder, "out.mkv");
        var json = $$"""
            {"nodes": [
              {"id": "in", "type": "decode", "url": {{System.Text.Json.JsonSerializer.Serialize(main)}}},
              {"id": "logo", "type": "decode", "url": {{System.Text.Json.JsonSerializer.Serialize(logo)}}},
              {"id": "o", "type": "overlay", "inputs": ["in.video", "logo.video"], "x": "main_w-overlay_w-t*60", "y": 12, "eval": "frame"},
              {"id": "out", "type": "encode", "path": {{System.Text.Json.JsonSerializer.Serialize(output)}}, "video": "o",
               "options": {"videoCodec": "ffv1"} }
            ]}
            """;
        var graph = global::MediaGraph.Graph.FromJson(json);
        var node = Assert.IsType<OverlayNode>(graph.Nodes.Single(n => n.Name == "o"));
        Assert.Equal(("main_w-overlay_w-t*60", "12", OverlayEval.Frame), (node.X, node.Y, node.Eval));
        Assert.Contains("main_w-overlay_w-t*60", graph.ToJson());

        await graph.RunAsync();

        var ours = await OverlayTests.FfmpegAsync(output, null, "null");
        var theirs = await OverlayTests.FfmpegAsync(main, logo, "[0][1]overlay=x='main_w-overlay_w-t*60':y=12");
        OverlayTests.AssertCloseToFfmpeg(ours, theirs);
    }

    [Fact(Timeout = 120000)]
    public async Task Transcode_OverlayWithExpressions_PutsTheLogoBottomRightAndKeepsCommasInsideParentheses()
    {
        var input = await Cli.CliTestMedia.ClipAsync();
        var folder = Cli.CliTestMedia.NewFolder();
        var logo = Path.Combine(folder, "logo.png");
        await TestMedia.RunFfmpegAsync($"-f lavfi -i \"color=c=magenta:size=40x30,format=rgba\" -frames:v 1 \"{logo}\"");
        var output = Path.Combine(folder, "out.mp4");

        var result = await Cli.CliTestMedia.RunAsync("transcode", input, output, "--preset", "ultrafast",
            "--overlay", $"{logo}@main_w-overlay_w,if(gte(t,0),main_h-overlay_h,NAN)");

        Assert.True(result.ExitCode == 0, result.ToString());
        var raw = Path.Combine(folder, "first.rgb");
        await TestMedia.RunFfmpegAsync($"-i \"{output}\" -frames:v 1 -vf crop=20:16:iw-30:ih-22 -f rawvideo -pix_fmt rgb24 \"{raw}\"");
        var bytes = await File.ReadAllBytesAsync(raw);
        Assert.True(bytes[0] > 200 && bytes[1] < 60 && bytes[2] > 200, $"the logo is not bottom right: {bytes[0]},{bytes[1]},{bytes[2]}");
    }

    [Fact(Timeout = 120000)]
    public async Task Overlay_ExpressionOnCudaSim_MatchesTheCpuPathBitExact()
    {
        var main = await TestMedia.ClipAsync("overlay-main-66x38.mkv", "-f lavfi -i testsrc2=size=66x38:rate=25 -frames:v 3 -c:v ffv1 -pix_fmt yuv420p");
        var logo = await OverlayTests.LogoAsync(24, 17);
        VideoStream Build(global::MediaGraph.Graph g) => g.Decode(main).Video.Overlay(g.Decode(logo).Video, "main_w-overlay_w-n*9", "if(eq(n,2), NAN, 5)");

        var cpu = await FrameOracle.MediaGraphAsync(Build, new GraphOptions { Device = Device.Cpu });
        var sim = await FrameOracle.MediaGraphAsync(Build, new GraphOptions { Device = Device.CudaSim });

        Assert.Equal(3, cpu.Count);
        Assert.Equal(cpu, sim);
    }
}
