using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace MediaGraph.Benchmarks;

/// <summary>
/// What the frame timeline (<see cref="GraphOptions.Trace"/>) costs: the pass-through graph of
/// <see cref="PassThroughBenchmark"/> (100k frames, 11 hops a frame, nothing but runtime work, so the worst case)
/// with tracing off and on. One operation is one frame; the target is "on" within 5% of "off".
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TraceBenchmark
{
    private Graph _graph = null!;
    private DiscardSinkNode _sink = null!;

    [Params(false, true)]
    public bool Trace { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_graph, _sink) = PassThroughGraph.Build(PassThroughBenchmark.Frames, PassThroughBenchmark.PassThroughNodes, threading: NodeThreading.Dedicated);
        if (Trace) _graph.Options.Trace = new FrameTrace(Stream.Null);
    }

    [Benchmark(OperationsPerInvoke = PassThroughBenchmark.Frames, Description = "100k frames x 11 hops, dedicated threads")]
    public async Task RunGraph()
    {
        await _graph.RunAsync();
        if (_sink.Received != PassThroughBenchmark.Frames) throw new InvalidOperationException($"sink received {_sink.Received}");
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(8).WithInvocationCount(1).WithUnrollFactor(1));
    }
}

/// <summary>
/// <c>-- trace [RUNS] [CLIP...]</c>: the same comparison without BenchmarkDotNet, side by side (off and on alternate, so
/// load on the machine hits both alike), on the pass-through graph and, for each clip, on a real transcode
/// (decode → scale 640x360 → libx264 ultrafast, one thread each, the traced run writing its file). Prints the median
/// of each and the ratio, and the load average before and after (the numbers mean little on a loaded machine).
/// </summary>
internal static class TraceOverhead
{
    public static async Task RunAsync(int runs, IReadOnlyList<string> clips)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores; medians of {runs} runs each, off and on alternating after a warm-up; load average {LoadAverage()}");
        await CompareAsync("pass-through, 100k frames x 11 hops (dedicated threads)", PassThroughBenchmark.Frames, runs, traced =>
        {
            var (graph, _) = PassThroughGraph.Build(PassThroughBenchmark.Frames, PassThroughBenchmark.PassThroughNodes, threading: NodeThreading.Dedicated);
            if (traced) graph.Options.Trace = new FrameTrace(Stream.Null);
            return graph;
        });
        await CompareAsync("the same, tracing into rings of 64 events a node (recording only: the file is small)", PassThroughBenchmark.Frames, runs, traced =>
        {
            var (graph, _) = PassThroughGraph.Build(PassThroughBenchmark.Frames, PassThroughBenchmark.PassThroughNodes, threading: NodeThreading.Dedicated);
            if (traced) graph.Options.Trace = new FrameTrace(Stream.Null) { MaxEventsPerNode = 64 };
            return graph;
        });
        foreach (var clip in clips) await TranscodeAsync(runs, clip);
        Console.WriteLine($"load average at the end: {LoadAverage()}");
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task TranscodeAsync(int runs, string clip)
    {
        var output = Path.Combine(Path.GetTempPath(), $"trace-overhead-{Environment.ProcessId}.mp4");
        var trace = Path.Combine(Path.GetTempPath(), $"trace-overhead-{Environment.ProcessId}.json");
        long frames = 0;
        await CompareAsync($"transcode {Path.GetFileName(clip)} -> 640x360 libx264 ultrafast", null, runs, traced =>
        {
            var graph = new Graph(new GraphOptions { Trace = traced ? new FrameTrace(trace) : null });
            var video = graph.Decode(clip, new DecodeOptions { Threads = 1 }).Video.Scale(640, 360);
            graph.Encode(output, video, null, new EncodeOptions { VideoCodec = "libx264", Preset = "ultrafast", Threads = 1 });
            return graph;
        }, count: m => frames = m.Frames);
        Console.WriteLine($"  ({frames} frames a run; the trace file of the last traced run: {new FileInfo(trace).Length:N0} bytes)");
        File.Delete(output);
        File.Delete(trace);
    }

    /// <summary>Runs the graph traced and not, alternating, and prints the medians of the wall time and of the CPU time
    /// the process used (on a loaded machine the CPU time says more about the work added: the wall time also holds
    /// the waits for a core).</summary>
    private static async Task CompareAsync(string what, long? frames, int runs, Func<bool, Graph> build, Action<GraphMetrics>? count = null)
    {
        var times = new Dictionary<bool, List<double>> { [false] = new(), [true] = new() };
        var cpu = new Dictionary<bool, List<double>> { [false] = new(), [true] = new() };
        using var process = Process.GetCurrentProcess();
        for (var run = -1; run < runs; run++)
            foreach (var traced in run % 2 == 0 ? new[] { true, false } : new[] { false, true }) // neither always goes first
            {
                var graph = build(traced);
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                var metrics = await graph.RunAsync();
                clock.Stop();
                process.Refresh();
                count?.Invoke(metrics);
                if (run < 0) continue;
                times[traced].Add(clock.Elapsed.TotalSeconds);
                cpu[traced].Add((process.TotalProcessorTime - cpuBefore).TotalSeconds);
            }
        double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
        var (off, on) = (Median(times[false]), Median(times[true]));
        var (cpuOff, cpuOn) = (Median(cpu[false]), Median(cpu[true]));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: off {off * 1000:0.0} ms, on {on * 1000:0.0} ms{(frames is { } f ? $" ({f / off:N0} vs {f / on:N0} frames/s)" : "")}; on/off throughput {off / on:0.000} ({(on / off - 1) * 100:+0.0;-0.0}% time); CPU time off {cpuOff * 1000:0} ms, on {cpuOn * 1000:0} ms ({(cpuOn / cpuOff - 1) * 100:+0.0;-0.0}%)"));
    }
}
