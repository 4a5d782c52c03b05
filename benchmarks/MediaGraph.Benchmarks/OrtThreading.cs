using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace MediaGraph.Benchmarks;

/// <summary>
/// <c>-- ort-threads [FRAMES] [ROUNDS] [WxH]</c>: how ONNX Runtime's CPU threading shares the cores on the PP-OCRv4
/// detector (default 960x544, the size <see cref="OcrModels"/> runs it at), plain timing, the setups in turn in every
/// round (a shared machine's load moves), medians at the end. Per setup: frames/s (wall), CPU ms per frame (this
/// process's user + sys over the setup) and mean ms per run. Setups: intra-op threads per run (1 or one per core),
/// runs in flight at once (1, or one per core, from that many threads on one session), batch 1/2/4, spinning on/off.
/// The model's session is made once per (threads, spinning) and shared by the concurrent runs, as the Infer node
/// shares it.
/// </summary>
internal static class OrtThreading
{
    private sealed record Setup(string Name, int Threads, int Runs, int Batch, bool Spin);

    public static void Run(int frames, int rounds, int width, int height)
    {
        var ci = CultureInfo.InvariantCulture;
        var cores = Environment.ProcessorCount;
        var setups = new List<Setup>
        {
            new($"{cores} threads x 1 run, batch 1", cores, 1, 1, false),
            new($"{cores} threads x 1 run, batch 1, spinning", cores, 1, 1, true),
            new($"1 thread x {cores} runs, batch 1", 1, cores, 1, false),
            new($"{cores} threads x {cores} runs, batch 1", cores, cores, 1, false),
            new("1 thread x 1 run, batch 1", 1, 1, 1, false),
            new($"{cores} threads x 1 run, batch 2", cores, 1, 2, false),
            new($"{cores} threads x 1 run, batch 4", cores, 1, 4, false),
            new($"1 thread x {cores} runs, batch 2", 1, cores, 2, false),
            new($"1 thread x {cores} runs, batch 4", 1, cores, 4, false),
        };
        var models = new Dictionary<(int, bool), InferenceModel>();
        InferenceModel ModelFor(Setup s)
        {
            if (!models.TryGetValue((s.Threads, s.Spin), out var m))
            {
                m = new InferenceModel(BenchModels.Detector, PreprocessSpec.PaddleTextDetection(width, height), new DbTextDetector(),
                    new InferenceOptions { IntraOpThreads = s.Threads, AllowSpinning = s.Spin, Provider = ExecutionProviderChoice.Cpu });
                m.Load();
                models[(s.Threads, s.Spin)] = m;
            }
            return m;
        }
        Console.WriteLine(string.Create(ci, $"PP-OCRv4 det at {width}x{height}, {cores} cores, {frames} frames per setup, {rounds} rounds; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        var results = setups.ToDictionary(s => s, _ => new List<(double Fps, double Cpu, double RunMs)>());
        for (var round = 1; round <= rounds; round++)
            foreach (var s in setups)
            {
                var r = Measure(ModelFor(s), s, frames);
                results[s].Add(r);
                Console.WriteLine(string.Create(ci, $"round {round} {s.Name,-36} {r.Fps,6:0.00} fps, CPU {r.Cpu,6:0.0} ms/frame, run {r.RunMs,7:0.0} ms"));
            }
        Console.WriteLine(string.Create(ci, $"medians of {rounds} rounds (load average at the end {File.ReadAllText("/proc/loadavg").Trim()}):"));
        foreach (var s in setups)
        {
            double Med(Func<(double Fps, double Cpu, double RunMs), double> f) { var v = results[s].Select(f).Order().ToArray(); return v[v.Length / 2]; }
            Console.WriteLine(string.Create(ci, $"  {s.Name,-36} {Med(r => r.Fps),6:0.00} fps, CPU {Med(r => r.Cpu),6:0.0} ms/frame, run {Med(r => r.RunMs),7:0.0} ms"));
        }
        foreach (var m in models.Values) m.Dispose();
    }

    private static (double Fps, double Cpu, double RunMs) Measure(InferenceModel model, Setup s, int frames)
    {
        var spec = model.Preprocess;
        var runs = Math.Max(s.Runs, (frames + s.Batch - 1) / s.Batch);
        var inputs = Enumerable.Range(0, s.Runs).Select(_ =>
        {
            var data = new float[spec.ImageLength * s.Batch];
            var rng = new Random(1);
            for (var i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
            return OrtValue.CreateTensorValueFromMemory(data, spec.Shape(s.Batch));
        }).ToArray();
        using (model.Run(inputs[0])) { } // this batch size's first run sets up its buffers
        var next = 0;
        long runTicks = 0;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var threads = Enumerable.Range(0, s.Runs).Select(k => new Thread(() =>
        {
            while (Interlocked.Increment(ref next) <= runs)
            {
                var t = Stopwatch.GetTimestamp();
                using (model.Run(inputs[k])) { }
                Interlocked.Add(ref runTicks, Stopwatch.GetTimestamp() - t);
            }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var seconds = wall.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
        foreach (var input in inputs) input.Dispose();
        var done = runs * s.Batch;
        return (done / seconds, cpu / done, runTicks * 1000.0 / Stopwatch.Frequency / runs);
    }
}

/// <summary>
/// <c>-- ort-profile [RUNS] [WxH]</c>: where one run of the PP-OCRv4 detector spends its time with 1 thread and with
/// one thread per core (spinning off, the library's default, then on), from ONNX Runtime's own profiler (per operator:
/// its duration, and the calling thread's thread-pool statistics: microseconds spent handing work to the pool's
/// threads — waking them when they sleep —, running its own share, and waiting at the operator's end for the pool's
/// share), medians over RUNS runs. Time the calling thread spends handing out and waiting is time a run in parallel
/// on one thread of its own would spend computing.
/// </summary>
internal static class OrtProfile
{
    private sealed record Result(double Wall, double Ops, double Distribution, double Run, double Wait, int Operators);

    public static void Run(int runs, int width, int height)
    {
        var ci = CultureInfo.InvariantCulture;
        var cores = Environment.ProcessorCount;
        Console.WriteLine(string.Create(ci, $"PP-OCRv4 det at {width}x{height}, {runs} runs each, {cores} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}"));
        Console.WriteLine("medians per run, ms: wall | operators | the calling thread: handing work to the pool (waking it) | running its share | waiting for the pool");
        foreach (var (threads, spin) in new[] { (1, false), (cores, false), (cores, true) })
        {
            var r = Profile(threads, spin, runs, width, height);
            Console.WriteLine(string.Create(ci, $"  {threads} thread(s){(spin ? ", spinning" : ""),-10} {r.Wall,7:0.0} | {r.Ops,7:0.0} | {r.Distribution,7:0.0} | {r.Run,7:0.0} | {r.Wait,6:0.0} ({r.Operators} operators)"));
        }
        Console.WriteLine(string.Create(ci, $"load average at the end {File.ReadAllText("/proc/loadavg").Trim()}"));
    }

    private static Result Profile(int threads, bool spin, int runs, int width, int height)
    {
        var spec = PreprocessSpec.PaddleTextDetection(width, height);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), $"ort-profile-{Environment.ProcessId}-{threads}-{spin}");
        options.EnableProfiling = true;
        using var session = new InferenceSession(BenchModels.Detector, options);
        var data = new float[spec.ImageLength];
        var rng = new Random(1);
        for (var i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        using var input = OrtValue.CreateTensorValueFromMemory(data, spec.Shape(1));
        using var runOptions = new RunOptions();
        var walls = new List<double>();
        for (var r = 0; r <= runs; r++) // the first run sets up, and is left out
        {
            var t = Stopwatch.GetTimestamp();
            using (session.Run(runOptions, [session.InputNames[0]], [input], session.OutputNames)) { }
            if (r > 0) walls.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        var file = session.EndProfiling();
        var events = new List<(double Dur, double Distribution, double Run, double Wait, double Pool)>();
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file)))
            foreach (var e in json.RootElement.EnumerateArray())
            {
                if (e.GetProperty("cat").GetString() != "Node" || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
                double distribution = 0, run = 0, wait = 0, pool = 0;
                if (e.TryGetProperty("args", out var args) && args.TryGetProperty("thread_scheduling_stats", out var stats) && stats.ValueKind == System.Text.Json.JsonValueKind.Object)
                {
                    if (stats.TryGetProperty("main_thread", out var main) && main.ValueKind == System.Text.Json.JsonValueKind.Object)
                    {
                        double Get(string name) => main.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetDouble() : 0;
                        distribution = Get("Distribution") + Get("DistributionEnqueue");
                        run = Get("Run");
                        wait = Get("Wait") + Get("WaitRevoke");
                    }
                    if (stats.TryGetProperty("sub_threads", out var subs) && subs.ValueKind == System.Text.Json.JsonValueKind.Object)
                        foreach (var sub in subs.EnumerateObject())
                            if (sub.Value.ValueKind == System.Text.Json.JsonValueKind.Object && sub.Value.TryGetProperty("num_run", out var n)) pool += n.GetDouble();
                }
                events.Add((e.GetProperty("dur").GetDouble(), distribution, run, wait, pool));
            }
        if (Environment.GetEnvironmentVariable("ORT_PROFILE_KEEP") is null) File.Delete(file); else Console.WriteLine($"profile kept: {file}");
        var perRun = events.Count / (runs + 1);
        var sums = Enumerable.Range(1, runs).Select(r => events.Skip(r * perRun).Take(perRun).ToList()).ToList();
        double Med(Func<(double Dur, double Distribution, double Run, double Wait, double Pool), double> f) =>
            Median(sums.Select(run => run.Sum(f) / 1000));
        return new Result(Median(walls), Med(e => e.Dur), Med(e => e.Distribution), Med(e => e.Run), Med(e => e.Wait), perRun);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v[v.Length / 2];
    }
}
