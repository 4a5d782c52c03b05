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
if (args.Length > 0 && args[0] is "quick" or "allocs")
{
    var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
    await QuickPassThrough.RunAsync(runs, sampleAllocations: args[0] == "allocs");
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
