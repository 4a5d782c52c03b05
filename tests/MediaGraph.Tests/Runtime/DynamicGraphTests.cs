using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>A graph that changes while it runs: a camera joins and leaves, an output taps a running stream.</summary>
public sealed class DynamicGraphTests(ITestOutputHelper log)
{
    private const int MainFrames = 125; // 5 s at 25 fps, written at about real time

    [Fact(Timeout = 120000)]
    public async Task AddBranch_CameraJoinsAndLeaves_BothOutputsPlayAndTheRunningBranchHasNoGap()
    {
        var folder = TestMedia.OutputFolder();
        var mainOut = Path.Combine(folder, "main.mkv");
        var cameraOut = Path.Combine(folder, "camera.mp4");
        using var camera = LiveCamera.Start(Path.Combine(folder, "camera.fifo"), seconds: 30);

        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Encode(mainOut, ((VideoStream)source.Stream(graph)).Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });
        var run = graph.RunAsync();

        // The camera joins at frame 25 and leaves once it has encoded 25 frames (however slowly a loaded machine
        // gets there); the main branch keeps being written throughout, and for at least MainFrames frames.
        GraphBranch? branch = null;
        var left = false;
        var written = 0;
        for (; written < MainFrames || !left; written++)
        {
            if (written == 25)
                branch = await graph.AddBranchAsync(g =>
                    g.Encode(cameraOut, g.Decode(camera.Path).Video.Scale(160, 90), null, new EncodeOptions { Preset = "ultrafast" }));
            if (branch is not null && !left && graph.Metrics![branch.Nodes.OfType<MuxNode>().Single().Name].FramesIn >= 25)
            {
                await branch.RemoveAsync();
                left = true;
            }
            await source.WriteAsync(TestFrames.Gray(written, (byte)(16 + written % 200)));
            await Task.Delay(8);
        }
        source.Complete();
        var metrics = await run;
        log.WriteLine(metrics.Summary());

        var main = await Ffprobe.FrameTimesAsync(mainOut);
        Assert.Equal(written, main.Count);
        for (var i = 1; i < main.Count; i++) Assert.Equal(0.04, main[i].Pts - main[i - 1].Pts, 3); // no gap, no jump

        var cam = await Ffprobe.StreamAsync(cameraOut);
        log.WriteLine($"camera: {cam.Frames} frames, {cam.Duration:0.00} s, {cam.Width}x{cam.Height}");
        Assert.Equal((160, 90), (cam.Width, cam.Height));
        Assert.InRange(cam.Frames, 25, 30 * 25 - 1); // it ran for a while and left before its end
        var cameraMux = branch!.Nodes.OfType<MuxNode>().Single();
        Assert.True(metrics[cameraMux.Name].FramesIn > 0); // the branch's metrics joined the run's
        Assert.DoesNotContain(graph.Nodes, n => branch!.Nodes.Contains(n)); // it left the blueprint
    }

    [Fact(Timeout = 60000)]
    public async Task AddBranch_TapsARunningStream_TheNewOutputGetsFramesFromThenOnAndTheRestLosesNone()
    {
        var folder = TestMedia.OutputFolder();
        var mainOut = Path.Combine(folder, "main.mkv");
        var tapOut = Path.Combine(folder, "tap.mkv");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var small = ((VideoStream)source.Stream(graph)).Scale(32, 24);
        graph.Encode(mainOut, small, null, new EncodeOptions { VideoCodec = "ffv1" });
        var run = graph.RunAsync();

        GraphBranch? tap = null;
        for (var i = 0; i < 60; i++)
        {
            if (i == 20) tap = await graph.AddBranchAsync(g => g.Encode(tapOut, small, null, new EncodeOptions { VideoCodec = "ffv1" }));
            if (i == 40) await tap!.RemoveAsync();
            await source.WriteAsync(TestFrames.Gray(i));
        }
        source.Complete();
        await run;

        Assert.Equal(60, (await Ffprobe.StreamAsync(mainOut)).Frames);
        var tapped = await Ffprobe.StreamAsync(tapOut);
        log.WriteLine($"the tap wrote {tapped.Frames} frames");
        Assert.InRange(tapped.Frames, 1, 40);
    }

    [Fact(Timeout = 120000)]
    public async Task AddBranch_TapsJoiningAndLeavingWhileFramesFanOut_EveryTapFilePlaysAndTheMainOutputLosesNothing()
    {
        var folder = TestMedia.OutputFolder();
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var small = ((VideoStream)source.Stream(graph)).Scale(32, 24);
        graph.Encode(Path.Combine(folder, "main.mkv"), small, null, new EncodeOptions { VideoCodec = "ffv1" });
        graph.Sink(small, capacity: 1000); // a second consumer from the start: every frame already fans out
        var run = graph.RunAsync();

        var taps = new List<(GraphBranch Branch, string Path)>();
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++) await source.WriteAsync(TestFrames.Gray(i));
            source.Complete();
        });
        for (var t = 0; t < 8; t++)
        {
            var path = Path.Combine(folder, $"tap{t}.mkv");
            taps.Add((await graph.AddBranchAsync(g => g.Encode(path, small, null, new EncodeOptions { VideoCodec = "ffv1" })), path));
            if (t % 2 == 1) await taps[t - 1].Branch.RemoveAsync(); // one leaves while the next has just joined
        }
        await writing;
        await run;

        Assert.Equal(300, (await Ffprobe.StreamAsync(Path.Combine(folder, "main.mkv"))).Frames);
        foreach (var (_, path) in taps.Where(t => File.Exists(t.Path)))
        {
            var tap = await Ffprobe.FrameTimesAsync(path);
            log.WriteLine($"{Path.GetFileName(path)}: {tap.Count} frames");
            for (var i = 1; i < tap.Count; i++) Assert.Equal(0.04, tap[i].Pts - tap[i - 1].Pts, 3); // contiguous
        }
    }

    [Fact(Timeout = 60000)]
    public async Task AddBranch_InvalidBranch_ThrowsListingTheProblemAndTheRunGoesOnUntouched()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "main.mkv");
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Encode(output, (VideoStream)source.Stream(graph), null, new EncodeOptions { VideoCodec = "ffv1" });
        var run = graph.RunAsync();
        await source.WriteAsync(TestFrames.Gray(0));
        var nodes = graph.Nodes.Count;

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.AddBranchAsync(g =>
            g.Encode(Path.Combine(Path.GetDirectoryName(output)!, "b.mkv"), g.Decode("/nonexistent/camera.ts").Video, null, new EncodeOptions { VideoCodec = "ffv1" })));

        log.WriteLine(e.Message);
        Assert.Contains("camera.ts", e.Message);
        Assert.Equal(nodes, graph.Nodes.Count);
        for (var i = 1; i < 10; i++) await source.WriteAsync(TestFrames.Gray(i));
        source.Complete();
        await run;
        Assert.Equal(10, (await Ffprobe.StreamAsync(output)).Frames);
    }

    [Fact(Timeout = 30000)]
    public async Task AddBranch_GraphNotRunning_ThrowsSayingSo()
    {
        var graph = new Graph();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => graph.AddBranchAsync(g => g.Decode(TestMedia.CityCC0)));
        Assert.Contains("not running", e.Message);
    }

    /// <summary>A live camera: the ffmpeg CLI writing MPEG-TS in real time (-re) into a FIFO.</summary>
    private sealed class LiveCamera : IDisposable
    {
        private readonly Process _ffmpeg;

        private LiveCamera(string path, Process ffmpeg)
        {
            Path = path;
            _ffmpeg = ffmpeg;
        }

        public string Path { get; }

        public static LiveCamera Start(string path, int seconds)
        {
            using (var mkfifo = Process.Start("mkfifo", path)) mkfifo.WaitForExit();
            var info = new ProcessStartInfo("ffmpeg",
                $"-v error -re -f lavfi -i testsrc2=size=320x240:rate=25 -t {seconds} -c:v libx264 -preset ultrafast -g 25 -f mpegts -y {path}")
            { RedirectStandardError = true };
            return new LiveCamera(path, Process.Start(info)!);
        }

        public void Dispose()
        {
            try { _ffmpeg.Kill(); } catch (InvalidOperationException) { }
            _ffmpeg.WaitForExit();
            _ffmpeg.Dispose();
        }
    }
}
