using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Live;

using Graph = global::MediaGraph.Graph;

/// <summary>
/// Live inputs survive the real world (DESIGN decision 9): a real RTSP camera (GStreamer's RTSP server) that goes
/// away mid-run is reconnected with backoff, timestamps continue, the output plays across the gap, and the health
/// events and counts say what happened; a camera that never answers fails within its open timeout naming it.
/// </summary>
public sealed class LiveInputTests(ITestOutputHelper log)
{
    private static DecodeOptions CameraOptions => new()
    {
        AllowNetwork = true,
        FormatOptions = new Dictionary<string, string> { ["rtsp_transport"] = "tcp" },
        OpenTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(3),
        ReconnectDelay = TimeSpan.FromSeconds(0.2),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
    };

    [Fact(Timeout = 90000)]
    public async Task Rtsp_CameraRestartedMidRun_ReconnectsAndTheOutputPlaysAcrossTheGap()
    {
        using var camera = await RtspCamera.StartAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "camera.mkv");
        var graph = new Graph();
        var input = graph.Decode(camera.Url, CameraOptions);
        var events = new ConcurrentQueue<InputHealthEvent>();
        input.Demux.HealthChanged += events.Enqueue;
        graph.Encode(output, input.Video, null, new EncodeOptions { Preset = "ultrafast" });

        var run = graph.RunAsync();
        await WaitForAsync(() => graph.Metrics?.Frames >= 25, run, "25 frames before the outage");
        camera.Stop();
        await WaitForAsync(() => events.Any(e => e.Kind == InputHealthKind.Disconnected), run, "the disconnect to be seen");
        var framesBefore = graph.Metrics!.Frames;
        await Task.Delay(1000); // the camera is down for a second: attempts fail and back off
        await camera.StartAsync();
        await WaitForAsync(() => events.Any(e => e.Kind == InputHealthKind.Reconnected), run, "the reconnect");
        await WaitForAsync(() => graph.Metrics!.Frames >= framesBefore + 25, run, "25 frames after the outage");
        await graph.StopAsync();
        var metrics = await run;

        foreach (var e in events) log.WriteLine(e.ToString());
        log.WriteLine(metrics.Summary());
        var kinds = events.Select(e => e.Kind).ToList();
        Assert.Equal(InputHealthKind.Connected, kinds[0]);
        Assert.Equal(InputHealthKind.Disconnected, kinds[1]);
        Assert.Equal(InputHealthKind.Reconnected, kinds[^1]);
        var attempts = events.Where(e => e.Kind == InputHealthKind.Reconnecting).ToList();
        Assert.True(attempts.Count >= 2, "a camera down for a second takes more than one attempt at 0.2 s");
        Assert.Equal(Enumerable.Range(1, attempts.Count), attempts.Select(a => a.Attempt));
        Assert.True(attempts[1].Delay > attempts[0].Delay, "the delay backs off");
        Assert.All(attempts, a => Assert.True(a.Delay <= TimeSpan.FromSeconds(1)));
        var health = metrics[input.Demux.Name].Health!;
        Assert.True(health.Connected);
        Assert.Equal(1, health.Disconnects);
        Assert.Equal(1, health.Reconnects);
        Assert.True(health.FramesLostEstimate >= 25, $"about a second of 25 fps was lost, estimated {health.FramesLostEstimate}");
        Assert.NotNull(health.LastItemTime);
        Assert.Contains("1 reconnects (1 disconnects)", metrics.Summary());

        // The file plays across the gap: every encoded frame is there, and time only moves forward.
        var probed = await Ffprobe.StreamAsync(output);
        var encoded = metrics.Nodes.Single(n => n.Roles.HasFlag(NodeRoles.EncodesVideo)).FramesOut;
        log.WriteLine($"ffprobe: {probed.Frames} frames; encoder: {metrics.Frames} in, {encoded} out");
        var times = await Ffprobe.FrameTimesAsync(output);
        log.WriteLine("frame times: " + string.Join(" ", times.Select(t => t.Pts.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture))));
        // RTSP's very first frame has no timestamp yet (before the first RTCP report): the encoder drops it, as the
        // ffmpeg CLI does; every frame it encoded is in the file.
        Assert.Equal(encoded, probed.Frames);
        Assert.True(probed.Frames >= framesBefore + 24, $"{probed.Frames} frames, {framesBefore} before the outage");
        for (var i = 1; i < times.Count; i++)
            Assert.True(times[i].Pts > times[i - 1].Pts, $"frame {i} at {times[i].Pts} s does not follow {times[i - 1].Pts} s");
        var largestStep = Enumerable.Range(1, times.Count - 1).Max(i => times[i].Pts - times[i - 1].Pts);
        Assert.True(largestStep < 0.5, $"the new session follows the last one (largest step {largestStep:0.000} s)");
    }

    [Fact(Timeout = 60000)]
    public async Task Rtsp_CameraThatStaysDown_GivesUpAfterTheAttemptLimitNamingTheInput()
    {
        using var camera = await RtspCamera.StartAsync();
        var graph = new Graph();
        var input = graph.Decode(camera.Url, CameraOptions with { ReconnectAttempts = 3 });
        var events = new ConcurrentQueue<InputHealthEvent>();
        input.Demux.HealthChanged += events.Enqueue;
        var sink = graph.Sink(input.Video);
        var run = graph.RunAsync();
        var frames = 0;
        var reading = Task.Run(async () => { await foreach (var f in sink.ReadAllAsync()) using (f) frames++; });
        await WaitForAsync(() => Volatile.Read(ref frames) >= 10, run, "10 frames");
        var clock = Stopwatch.StartNew(); // before the stop: the input may see the camera go while Stop waits for it
        camera.Stop();

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => run);
        await reading.ContinueWith(_ => { });

        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s: {e.Message}");
        Assert.Contains(camera.Url, e.Message);
        Assert.Contains("gave up after 3 reconnect attempts", e.Message);
        Assert.Equal(3, events.Count(x => x.Kind == InputHealthKind.Reconnecting));
        Assert.Equal(InputHealthKind.GaveUp, events.Last().Kind);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.2 + 0.4 + 0.8, 20); // backoff 0.2 + 0.4 + 0.8 s, plus the failing opens
    }

    /// <summary>A camera address where something accepts the connection and never says a word: the graph fails
    /// within the open timeout (OpenCV waits two minutes), naming the input, although live inputs reconnect.</summary>
    [Fact(Timeout = 30000)]
    public async Task Rtsp_AddressThatAcceptsAndNeverAnswers_FailsWithinTheOpenTimeoutNamingIt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(); // accepts (the kernel completes the handshake) and never replies
        var url = $"rtsp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/cam";
        var graph = new Graph();
        graph.Sink(graph.Decode(url, CameraOptions with { OpenTimeout = TimeSpan.FromSeconds(1) }).Video);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s: {e.Message}");
        Assert.Contains(url, e.Message);
        Assert.Contains("open timeout (1 s)", e.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 5);
    }

    [Fact(Timeout = 30000)]
    public async Task Rtsp_ClosedPort_FailsAtOnceNamingTheInput()
    {
        var url = $"rtsp://127.0.0.1:{TestServers.FreePort()}/cam"; // nothing listens there
        var graph = new Graph();
        graph.Sink(graph.Decode(url, CameraOptions).Video);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s: {e.Message}");
        Assert.Contains(url, e.Message);
        Assert.Contains("refused", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0, CameraOptions.OpenTimeout.TotalSeconds);
    }

    /// <summary>Files never reconnect and report no health: a local input ends at its end.</summary>
    [Fact(Timeout = 30000)]
    public async Task File_HasNoHealthAndNeverReconnects()
    {
        var graph = new Graph();
        var input = graph.Decode(await TestMedia.TinyAsync(), new DecodeOptions { Reconnect = true });
        var events = new ConcurrentQueue<InputHealthEvent>();
        input.Demux.HealthChanged += events.Enqueue;
        var sink = graph.Sink(input.Video);
        var run = graph.RunAsync();
        var frames = 0;
        await foreach (var f in sink.ReadAllAsync()) using (f) frames++;
        var metrics = await run;

        Assert.Equal(10, frames);
        Assert.Empty(events);
        Assert.Null(metrics[input.Demux.Name].Health);
    }

    private static async Task WaitForAsync(Func<bool> condition, Task run, string what, double seconds = 30)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (run.IsCompleted) await run; // a failed run says why
            if (run.IsCompleted) throw new InvalidOperationException($"the run ended while waiting for {what}");
            if (deadline.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"waited {seconds} s for {what}");
            await Task.Delay(20);
        }
    }
}
