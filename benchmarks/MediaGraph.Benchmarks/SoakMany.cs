using System.Diagnostics;
using System.Globalization;
using MediaGraph.Interop;

namespace MediaGraph.Benchmarks;

/// <summary>
/// Memory of a process that runs many graphs at once for a long time, as a service does: <c>graphs</c> workers, each
/// building and running one graph after another (decode → scale 320x180 → libx264 ultrafast + aac into an mp4) over
/// the clips in turn, until <c>seconds</c> have passed. Every <c>interval</c> seconds it prints one line: seconds,
/// RSS (VmRSS), managed heap, C heap in use and free-but-kept (glibc mallinfo2), runs finished, threads. At the end,
/// after a full blocking GC, one more line marked "after-gc". Set SOAK_TRIM=0 to run with
/// <see cref="GraphOptions.TrimNativeMemory"/> off (to measure what the trims do).
/// </summary>
internal static class SoakMany
{
    public static async Task RunAsync(double seconds, int graphs, double interval, string outputs, string[] clips)
    {
        Directory.CreateDirectory(outputs);
        var trim = Environment.GetEnvironmentVariable("SOAK_TRIM") != "0";
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var runs = 0L;
        Console.WriteLine($"# {graphs} graphs at once for {seconds:0} s, {Environment.ProcessorCount} cores, native heap trims {(trim ? "on" : "off")}, MALLOC_ARENA_MAX={Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "(unset)"}");
        Console.WriteLine("# seconds rss_MB managed_MB(at the last GC) cheap_in_use_MB cheap_free_MB runs threads");
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Sample(clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture), Interlocked.Read(ref runs));
                try { await Task.Delay(TimeSpan.FromSeconds(interval), stop.Token); } catch (OperationCanceledException) { }
            }
        });
        var workers = Enumerable.Range(0, graphs).Select(w => Task.Run(async () =>
        {
            for (var i = w; clock.Elapsed < until; i++)
            {
                var graph = new Graph();
                graph.Options.TrimNativeMemory = trim;
                var input = graph.Decode(clips[i % clips.Length]);
                graph.Encode(Path.Combine(outputs, $"w{w}.mp4"), input.Video.Scale(320, 180), input.Audio, new EncodeOptions
                {
                    VideoCodec = "libx264", AudioCodec = "aac", Preset = "ultrafast",
                });
                await graph.RunAsync();
                Interlocked.Increment(ref runs);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        stop.Cancel();
        await sampler;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        await Task.Delay(1000);
        Sample("after-gc", runs);
    }

    /// <summary>benchmarks/soak.sh's job (INPUT decoded, mpeg4 + aac, null output) as one long run in this process,
    /// with the same samples as <see cref="RunAsync"/> (the last column but one counts frames decoded): tells the
    /// managed heap from the C heap when RSS moves. Cancelled after <c>seconds</c>.</summary>
    public static async Task RunOneAsync(double seconds, double interval, string input)
    {
        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode("/dev/null", decoded.Video, decoded.Audio, new EncodeOptions { Format = "null", VideoCodec = "mpeg4", AudioCodec = "aac" });
        Console.WriteLine("# seconds rss_MB managed_MB(at the last GC) cheap_in_use_MB cheap_free_MB frames threads");
        var clock = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var run = graph.RunAsync(cancel.Token);
        while (!run.IsCompleted)
        {
            Sample(clock.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture), graph.Metrics?.Frames ?? 0);
            await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(interval)));
        }
        try { await run; } catch (OperationCanceledException) { }
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        Sample("after-gc", graph.Metrics?.Frames ?? 0);
    }

    private static void Sample(string label, long runs)
    {
        var rss = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var rssMb = rss is null ? double.NaN : long.Parse(rss, CultureInfo.InvariantCulture) / 1024.0;
        var heap = NativeHeap.Stats();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} {rssMb:0.0} {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:0.0} {(heap?.InUse ?? -1) / 1048576.0:0.0} {(heap?.Free ?? -1) / 1048576.0:0.0} {runs} {Process.GetCurrentProcess().Threads.Count}"));
    }
}
