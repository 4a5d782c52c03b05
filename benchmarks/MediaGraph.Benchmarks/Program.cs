using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using MediaGraph;
using MediaGraph.Benchmarks;

// dotnet run -c Release --project benchmarks/MediaGraph.Benchmarks                 BenchmarkDotNet (pick a suite)
// dotnet run -c Release --project benchmarks/MediaGraph.Benchmarks -- --filter '*' every suite
// dotnet run -c Release --project benchmarks/MediaGraph.Benchmarks -- quick [runs] a few plain timed runs of the
//                                                                   pass-through graph: hops/s and bytes a frame
// ... -- allocs                                                     the same, naming the types allocated per frame
// ... -- many OUT_FOLDER CLIP...                                    one Graph per clip (decode -> scale 640x360 ->
//                                                                   libx264 ultrafast, one thread each), all run at
//                                                                   once in this process (benchmarks/many-graphs.sh)
// ... -- soak-many SECONDS GRAPHS INTERVAL OUT_FOLDER CLIP...      GRAPHS workers, each running one graph after another
//                                                                   (decode -> scale -> libx264 + aac) for SECONDS;
//                                                                   RSS, managed heap and C heap every INTERVAL s, and
//                                                                   after a full GC at the end (benchmarks/soak-concurrent.sh)
// ... -- soak-one SECONDS INTERVAL INPUT                          soak.sh's job in this process (INPUT -> mpeg4 + aac,
//                                                                   null output), the same samples as soak-many
// ... -- busy-pool CLIP [BLOCKERS]                                  a transcode (CLIP -> 1280x720 libx264 ultrafast)
//                                                                   alone, then while the app keeps BLOCKERS (default
//                                                                   8) thread-pool threads blocked
// ... -- infer CLIP [FRAMES] [BATCH] [ROUNDS]                      decode -> PP-OCRv4 det 640x384 -> sink, and the
//                                                                   ReadText chain, against a bare session.Run loop
if (args.Length > 0 && args[0] == "infer")
{
    if (args.Length < 2) { Console.Error.WriteLine("usage: infer CLIP [FRAMES] [BATCH] [ROUNDS]"); Environment.Exit(2); }
    await InferencePipeline.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1, args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3);
    return;
}
// ... -- ort-threads [FRAMES] [ROUNDS] [WxH]                        ONNX Runtime's CPU threading on the PP-OCRv4
//                                                                   detector: threads per run x runs in flight x
//                                                                   batch, spinning on/off (fps, CPU ms/frame)
if (args.Length > 0 && args[0] == "ort-threads")
{
    var wh = (args.Length > 3 ? args[3] : "960x544").Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    OrtThreading.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3, wh[0], wh[1]);
    return;
}
// ... -- ort-profile [RUNS] [WxH]                                   ONNX Runtime's profiler on the detector: operators
//                                                                   that run on one thread while the other cores wait
if (args.Length > 0 && args[0] == "ort-profile")
{
    var wh = (args.Length > 2 ? args[2] : "960x544").Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    OrtProfile.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9, wh[0], wh[1]);
    return;
}
// ... -- kernels [cuda|cuda-sim] [WxH] [N]                          device kernel time per frame (scale, yadif,
//                                                                   tensorize) and the memory bandwidth it reaches
if (args.Length > 0 && args[0] == "kernels")
{
    var device = args.Length > 1 ? Device.Parse(args[1]) : Device.Cuda(0);
    var size = (args.Length > 2 ? args[2] : "1920x1080").Split('x').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    KernelThroughput.Run(device, size[0], size[1], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200);
    return;
}
if (args.Length > 0 && args[0] == "busy-pool")
{
    if (args.Length < 2) { Console.Error.WriteLine("usage: busy-pool CLIP [BLOCKERS]"); Environment.Exit(2); }
    await BusyPool.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8);
    return;
}
if (args.Length > 0 && args[0] == "many")
{
    if (args.Length < 3) { Console.Error.WriteLine("usage: many OUT_FOLDER CLIP..."); Environment.Exit(2); }
    await ManyGraphs.RunAsync(args[1], args[2..]);
    return;
}
if (args.Length > 0 && args[0] == "soak-many")
{
    if (args.Length < 6) { Console.Error.WriteLine("usage: soak-many SECONDS GRAPHS INTERVAL OUT_FOLDER CLIP..."); Environment.Exit(2); }
    await SoakMany.RunAsync(double.Parse(args[1], CultureInfo.InvariantCulture), int.Parse(args[2], CultureInfo.InvariantCulture),
        double.Parse(args[3], CultureInfo.InvariantCulture), args[4], args[5..]);
    return;
}
if (args.Length > 0 && args[0] == "soak-one")
{
    if (args.Length < 4) { Console.Error.WriteLine("usage: soak-one SECONDS INTERVAL INPUT"); Environment.Exit(2); }
    await SoakMany.RunOneAsync(double.Parse(args[1], CultureInfo.InvariantCulture), double.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
    return;
}
if (args.Length > 0 && args[0] is "quick" or "allocs")
{
    var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
    await QuickPassThrough.RunAsync(runs, sampleAllocations: args[0] == "allocs");
    return;
}
// ... -- trace [RUNS] [CLIP...]                                     the frame timeline's cost: the pass-through graph
//                                                                   (and a transcode of each CLIP) with tracing off and on
if (args.Length > 0 && args[0] == "trace")
{
    await TraceOverhead.RunAsync(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5, args.Skip(2).ToArray());
    return;
}
// ... -- infer-gpu CLIP [--batch 1,8] [--frames N]                  decode -> PP-OCRv4 det on the CUDA execution provider
//                                                                   -> sink per batch size, tensor made on the device vs
//                                                                   on the host, and the input tensors' host copies;
//                                                                   needs -p:OnnxRuntimePackage=Microsoft.ML.OnnxRuntime.Gpu
//                                                                   (docs/gpu.md), says so and exits 0 without it
if (args.Length > 0 && args[0] == "infer-gpu")
{
    if (args.Length < 2) { Console.Error.WriteLine("usage: infer-gpu CLIP [--batch 1,8] [--frames N]"); Environment.Exit(2); }
    int[] batchSizes = [1, 8];
    var gpuFrames = 400;
    for (var i = 2; i + 1 < args.Length; i += 2)
        if (args[i] == "--batch") batchSizes = args[i + 1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        else if (args[i] == "--frames") gpuFrames = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    Environment.Exit(await GpuInference.RunAsync(args[1], batchSizes, gpuFrames));
}

// ... -- trace-cost [ROUNDS]                                        the timeline's micro costs: a clock read and a ring
//                                                                   store a hop, and the JSON writer's MB/s
if (args.Length > 0 && args[0] == "trace-cost")
{
    TraceCost.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(PassThroughBenchmark).Assembly).Run(args);

static class QuickPassThrough
{
    /// <summary>Runs the same graph as <see cref="PassThroughBenchmark"/> without BenchmarkDotNet: the first run
    /// warms up (JIT, pools, thread pool), the others are timed. Allocations are counted across all threads.</summary>
    public static async Task RunAsync(int runs, bool sampleAllocations)
    {
        using var sampler = sampleAllocations ? new AllocationSampler() : null;
        const int frames = PassThroughBenchmark.Frames, hops = PassThroughBenchmark.Hops;
        foreach (var threading in new[] { NodeThreading.Shared, NodeThreading.Dedicated })
        {
        var (graph, sink) = PassThroughGraph.Build(frames, PassThroughBenchmark.PassThroughNodes, threading: threading);
        Console.WriteLine($"{frames:N0} frames, source -> {PassThroughBenchmark.PassThroughNodes} pass-through nodes -> sink ({hops} hops a frame), {Environment.ProcessorCount} cores, channel capacity {graph.Options.ChannelCapacity}, {threading} loops");
        for (var run = 0; run <= runs; run++)
        {
            if (run == 1) sampler?.Start();
            var gcs = GC.CollectionCount(0);
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            await graph.RunAsync();
            clock.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            if (sink.Received != frames) throw new InvalidOperationException($"sink received {sink.Received} of {frames}");
            var hopsPerSecond = (double)frames * hops / clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(run == 0 ? "warm-up" : $"run {run}"),-8} {clock.Elapsed.TotalMilliseconds,8:0.0} ms  {hopsPerSecond,12:N0} hops/s  {(double)frames / clock.Elapsed.TotalSeconds,10:N0} frames/s  {allocated,12:N0} B allocated = {(double)allocated / frames,8:0.00} B/frame  gen0 GCs {GC.CollectionCount(0) - gcs}"));
        }
        }
        if (sampler is null) return;
        sampler.Stop();
        Console.WriteLine($"sampled allocations over the {runs} timed runs (GC AllocationTick, ~100 KB a sample), bytes a frame by type:");
        foreach (var (type, bytes) in sampler.Top(12))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(double)bytes / frames / runs,9:0.0} B/frame  {type}"));
    }
}

static class ManyGraphs
{
    /// <summary>The job of benchmarks/many-graphs.sh as separate <see cref="MediaGraph.Graph"/> objects, one per
    /// clip, all started together; clipN.mp4 is written to <paramref name="outputs"/>/outN.mp4. Prints the wall time
    /// of the whole (building included, process start-up not).</summary>
    public static async Task RunAsync(string outputs, string[] inputs)
    {
        Directory.CreateDirectory(outputs);
        var clock = Stopwatch.StartNew();
        var runs = inputs.Select(input =>
        {
            var graph = new MediaGraph.Graph();
            var video = graph.Decode(input, new MediaGraph.DecodeOptions { Threads = 1 }).Video.Scale(640, 360);
            graph.Encode(Path.Combine(outputs, Path.GetFileName(input).Replace("clip", "out", StringComparison.Ordinal)), video, null, new MediaGraph.EncodeOptions
            {
                VideoCodec = "libx264", AudioCodec = "none", Preset = "ultrafast", Threads = 1,
                VideoCodecOptions = new Dictionary<string, string> { ["x264-params"] = "threads=1" },
            });
            return Task.Run(() => graph.RunAsync());
        }).ToArray();
        var metrics = await Task.WhenAll(runs);
        clock.Stop();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{inputs.Length} graphs, {metrics.Sum(m => m.Frames)} frames in {clock.Elapsed.TotalSeconds:0.000} s"));
    }
}

/// <summary>
/// A graph in a process whose thread pool is busy (sync-over-async code, a loaded web server): the same transcode
/// alone, then while <c>blockers</c> pool threads are blocked. Nodes that work in native code run on threads of
/// their own, and neither the start nor the end of a run waits for a pool thread, so the two times should be close;
/// a runtime whose node loops ran on the pool would wait for the pool to grow (about a thread per half second).
/// </summary>
static class BusyPool
{
    public static async Task RunAsync(string clip, int blockers)
    {
        ThreadPool.GetMinThreads(out var minWorkers, out _);
        Console.WriteLine($"{Environment.ProcessorCount} cores, thread pool minimum {minWorkers}");
        await TranscodeAsync(clip, 0); // warm-up (JIT, native library)
        foreach (var blocked in new[] { 0, blockers })
        {
            using var stop = new CancellationTokenSource();
            var busy = Enumerable.Range(0, blocked).Select(_ => Task.Run(() => { while (!stop.IsCancellationRequested) Thread.Sleep(20); })).ToArray();
            await Task.Delay(200); // let them take the pool's threads
            var seconds = await TranscodeAsync(clip, blocked);
            stop.Cancel();
            await Task.WhenAll(busy);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{blocked,3} pool threads blocked by the app: {seconds,7:0.000} s"));
        }
    }

    private static async Task<double> TranscodeAsync(string clip, int blocked)
    {
        var output = Path.Combine(Path.GetTempPath(), $"busy-pool-{Environment.ProcessId}-{blocked}.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(clip).Video.Scale(1280, 720), null, new EncodeOptions { Preset = "ultrafast" });
        var clock = Stopwatch.StartNew();
        await graph.RunAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        File.Delete(output);
        return seconds;
    }
}
