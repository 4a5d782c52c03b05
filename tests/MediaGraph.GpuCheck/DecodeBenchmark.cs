using System.Diagnostics;
using MediaGraph.Interop;

namespace MediaGraph.GpuCheck;

/// <summary>
/// The graph's decode against the bare decode loop in the native library (issue 17's "≥ 95% of the fps of a bare
/// decode loop"), on the same clip, in alternating rounds (bare, graph, bare, graph …), medians compared.
/// <list type="bullet">
/// <item>the bare loop: <see cref="BareDecodeLoop"/> (native/bench.c): NVDEC on the device's primary context with one
/// decoder thread (what the graph's NVDEC decoder uses), each CUDA frame dropped as it comes; in software (no GPU)
/// libavcodec with one thread per core, as the graph's decoder;</item>
/// <item>the graph: <c>Decode(clip, HwAccel.Auto)</c> → an app sink that takes device frames where they live
/// (<see cref="AppSink{T}.TakesDeviceFrames"/>: no download) and releases each at once.</item>
/// </list>
/// The compared rate is the steady one: frames after the first over the time from the first frame to the last (the
/// opening of the file, the decoder and, for the graph, the device is excluded; it is printed beside it). On the CPU
/// (no GPU, cuda-sim) this compares the software decode through the graph with the bare software loop: a smoke of the
/// same code path there, and a real measure of the graph's overhead per frame on the CPU path.
/// </summary>
internal sealed class DecodeBenchmark(CheckOptions options, List<string> failures, List<string> summary)
{
    private sealed record GraphRound(long Frames, long DeviceFrames, double WallSeconds, double FirstFrame, double LastFrame, long BytesMoved, bool SaidNvdec)
    {
        public double SteadyFps => Frames > 1 && LastFrame > FirstFrame ? (Frames - 1) / (LastFrame - FirstFrame) : 0;
    }

    private bool _bareOnGraphContext;

    /// <summary>The graph's device: the GPU; without one the CPU (software decode makes host frames either way, and
    /// cuda-sim's device would only add its opening to the graph's time).</summary>
    private Device GraphDevice => options.OnGpu ? options.Device : Device.Cpu;

    public async Task RunAsync()
    {
        var mode = options.OnGpu ? BareDecodeMode.Cuda : BareDecodeMode.Software;
        var threads = options.OnGpu ? 1 : 0;
        Console.WriteLine($"gpu-check: decode benchmark: {options.Input}, {options.Rounds} round(s), alternating; bare loop " +
            $"{(options.OnGpu ? "NVDEC (1 thread), CUDA frames dropped" : "software (threads automatic), frames dropped")} vs " +
            $"graph Decode(HwAccel.Auto) on {GraphDevice} -> sink taking device frames (no download)");
        var bare = new List<BareDecodeResult>();
        var graph = new List<GraphRound>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            var b = RunBare(mode, threads);
            bare.Add(b);
            Console.WriteLine($"  round {round} bare : {b.Frames} frames{(b.Hardware ? " (NVDEC)" : b.Why.Length > 0 ? $" (software: {b.Why})" : " (software)")}, " +
                $"steady {b.SteadyFps:0.0} fps, open {b.OpenSeconds:0.000} s + loop {b.Seconds:0.000} s = {(b.Frames / (b.OpenSeconds + b.Seconds)):0.0} fps");
            var g = await RunGraphAsync();
            graph.Add(g);
            Console.WriteLine($"  round {round} graph: {g.Frames} frames ({g.DeviceFrames} device frames), steady {g.SteadyFps:0.0} fps, " +
                $"wall {g.WallSeconds:0.000} s = {g.Frames / g.WallSeconds:0.0} fps (device and decoder opening included), host<->device {g.BytesMoved} bytes");
        }

        var bareFps = BenchStats.Median(bare.Select(b => b.SteadyFps));
        var graphFps = BenchStats.Median(graph.Select(g => g.SteadyFps));
        var bareWall = BenchStats.Median(bare.Select(b => b.Frames / (b.OpenSeconds + b.Seconds)));
        var graphWall = BenchStats.Median(graph.Select(g => g.Frames / g.WallSeconds));
        var ratio = bareFps > 0 ? graphFps / bareFps : 0;
        var kind = options.OnGpu ? "NVDEC into device frames" : "software decode (CPU path)";
        var target = options.OnGpu ? $" (target >= 0.95: {(ratio >= 0.95 ? "met" : "MISSED")})" : " (CPU path; the 0.95 target is NVDEC's)";
        var line = $"decode {kind}: graph {graphFps:0.0} fps vs bare loop {bareFps:0.0} fps, median of {options.Rounds}, steady = {ratio:0.000}{target}; " +
            $"with opening: graph {graphWall:0.0} vs bare {bareWall:0.0} fps";
        Console.WriteLine($"gpu-check: {line}");
        summary.Add(line);

        if (bare.Select(b => b.Frames).Concat(graph.Select(g => g.Frames)).Distinct().Count() != 1)
            failures.Add($"decode benchmark: frame counts differ (bare {string.Join("/", bare.Select(b => b.Frames))}, graph {string.Join("/", graph.Select(g => g.Frames))})");
        if (graph.Any(g => g.BytesMoved != 0))
            failures.Add("decode benchmark: the graph moved bytes between host and device, yet its sink takes device frames");
        if (options.OnGpu)
        {
            if (bare.Any(b => !b.Hardware)) failures.Add($"decode benchmark: the bare loop did not decode with NVDEC: {bare.First(b => !b.Hardware).Why}");
            if (graph.Any(g => g.DeviceFrames != g.Frames || !g.SaidNvdec)) failures.Add("decode benchmark: the graph's decoder did not hand over NVDEC device frames");
        }
    }

    /// <summary>One pass of the bare loop. With CUDA: FFmpeg opens the primary context itself
    /// (AV_CUDA_USE_PRIMARY_CONTEXT); should FFmpeg refuse it (active with other flags), the loop runs on the primary
    /// context as the graph's device retains it, said once.</summary>
    private BareDecodeResult RunBare(BareDecodeMode mode, int threads)
    {
        if (mode != BareDecodeMode.Cuda) return BareDecodeLoop.Run(options.Input, mode, null, threads);
        if (!_bareOnGraphContext)
        {
            try
            {
                return BareDecodeLoop.Run(options.Input, mode, null, threads);
            }
            catch (MediaGraphException e)
            {
                Console.WriteLine($"gpu-check: the bare loop could not open the primary context through FFmpeg ({e.Message}); " +
                    "it runs on the primary context as MediaGraph's device retains it from now on");
                _bareOnGraphContext = true;
            }
        }
        using var cuda = CudaDriver.Open(0);
        return BareDecodeLoop.Run(options.Input, mode, cuda, threads);
    }

    private async Task<GraphRound> RunGraphAsync()
    {
        var log = new CheckLog(echo: false);
        var watch = Stopwatch.StartNew();
        var graph = new Graph(new GraphOptions { Device = GraphDevice, LoggerFactory = log });
        var sink = graph.Sink(graph.Decode(options.Input, new DecodeOptions { HwAccel = HwAccel.Auto }).Video);
        sink.TakesDeviceFrames = true;
        var run = graph.RunAsync();
        long frames = 0, device = 0;
        double first = 0, last = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            last = watch.Elapsed.TotalSeconds;
            if (frames++ == 0) first = last;
            if (frame.Location != FrameLocation.Host) device++;
            frame.Dispose(); // released at once: an NVDEC surface goes back to the decoder
        }
        var metrics = await run;
        var wall = watch.Elapsed.TotalSeconds;
        var moved = metrics.Nodes.Sum(n => n.BytesUploaded + n.BytesDownloaded);
        return new GraphRound(frames, device, wall, first, last, moved, log.Lines.Any(l => l.Contains("with NVDEC", StringComparison.Ordinal)));
    }
}
