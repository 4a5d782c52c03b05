using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.ML.OnnxRuntime;

namespace MediaGraph.Benchmarks;

/// <summary>The models the inference benchmarks use (scripts/setup.sh fetches them).</summary>
internal static class BenchModels
{
    public static string Detector => Path.Combine(OcrModels.DefaultFolder, OcrModels.DetectorFile);
    public const int Width = 640, Height = 384;
    /// <summary>ONNX Runtime threads for every measurement here, so the graph and the bare loop compare fairly.</summary>
    public static readonly int Threads = Math.Max(1, Environment.ProcessorCount);

    public static InferenceModel NewDetector() => new(Detector, PreprocessSpec.PaddleTextDetection(Width, Height), new DbTextDetector(),
        new InferenceOptions { IntraOpThreads = Threads, Provider = ExecutionProviderChoice.Cpu });

    /// <summary>Reads <paramref name="frames"/> results from <paramref name="sink"/> (then leaves it, which stops the
    /// graph) and returns results per second from the first read to the last result: the pipeline timed to its last
    /// result, not to the run's end.</summary>
    public static async Task<double> ResultsPerSecondAsync(AppSink<VideoFrame> sink, int frames)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var got = 0;
        var last = TimeSpan.Zero;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            last = watch.Elapsed;
            if (++got == frames) break;
        }
        return got / last.TotalSeconds;
    }

    /// <summary>A 720x405 yuv420p frame (the size of testdata/cityCC0.mpg) with a gradient.</summary>
    public static VideoFrame Frame()
    {
        var frame = VideoFrame.Allocate(720, 405, PixelFormat.Yuv420P, new Rational(1, 25));
        var y = frame.GetPlaneSpan(0);
        for (var i = 0; i < y.Length; i++) y[i] = (byte)(i * 7);
        frame.GetPlaneSpan(1).Fill(100);
        frame.GetPlaneSpan(2).Fill(150);
        return frame;
    }
}

/// <summary>
/// Preprocessing on the CPU: one 720x405 yuv420p frame into one 640x384 NCHW float slot of the PP-OCR detector
/// (swscale resize + colour, then TensorPrimitives normalise). "Allocated" must be 0 B: no per-frame allocation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ShortConfig))]
public class PreprocessBenchmark
{
    private VideoFrame _frame = null!;
    private CpuTensorizer _tensorizer = null!;
    private float[] _slot = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frame = BenchModels.Frame();
        var spec = PreprocessSpec.PaddleTextDetection(BenchModels.Width, BenchModels.Height);
        _tensorizer = new CpuTensorizer(spec, _frame, "bench");
        _slot = new float[spec.ImageLength];
    }

    [Benchmark(Description = "720x405 yuv420p -> 640x384 NCHW float")]
    public Letterbox Tensorize() => _tensorizer.Write(_frame, _slot);

    [GlobalCleanup]
    public void Cleanup()
    {
        _tensorizer.Dispose();
        _frame.Dispose();
    }

    internal sealed class ShortConfig : ManualConfig
    {
        public ShortConfig() => AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
    }
}

/// <summary>
/// Batch 1 vs 4 vs 8: one operation is one <c>session.Run</c> of the PP-OCRv4 detector at 640x384 on a pre-made
/// batch; frames/s = batch / Mean.
/// </summary>
[Config(typeof(BatchConfig))]
public class DetectorBatchBenchmark
{
    private InferenceModel _model = null!;
    private OrtValue _input = null!;

    [Params(1, 4, 8)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchModels.NewDetector();
        _model.Load();
        var spec = _model.Preprocess;
        _input = OrtValue.CreateTensorValueFromMemory(new float[spec.ImageLength * Batch], spec.Shape(Batch));
    }

    [Benchmark]
    public void Run()
    {
        using var outputs = _model.Run(_input);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _input.Dispose();
        _model.Dispose();
    }

    private sealed class BatchConfig : ManualConfig
    {
        public BatchConfig() => AddJob(Job.Default.WithWarmupCount(1).WithIterationCount(3).WithInvocationCount(1).WithUnrollFactor(1));
    }
}

/// <summary>
/// <c>-- infer CLIP [FRAMES] [BATCH] [ROUNDS]</c>: the pipeline against the model alone, plain timing, alternating
/// for ROUNDS rounds (default 3; on a shared machine the load moves between runs, so compare each round's ratio and
/// take the median): (1) a bare loop of <c>session.Run</c> on a pre-made 640x384 tensor, FRAMES frames; (2) decode
/// CLIP → PP-OCRv4 detector at 640x384 → sink over its first FRAMES frames; then, in the last round, (3) the whole
/// ReadText chain at the same detector size. Same ONNX Runtime threads in all.
/// </summary>
internal static class InferencePipeline
{
    public static async Task RunAsync(string clip, int frames, int batch, int rounds)
    {
        var ci = CultureInfo.InvariantCulture;
        using var model = BenchModels.NewDetector();
        model.Load();
        var spec = model.Preprocess;
        Console.WriteLine(string.Create(ci, $"PP-OCRv4 det at {spec.Width}x{spec.Height}, {BenchModels.Threads} ONNX Runtime threads, {frames} frames, batch {batch}, {Environment.ProcessorCount} cores, {rounds} rounds"));
        using var input = OrtValue.CreateTensorValueFromMemory(new float[spec.ImageLength * batch], spec.Shape(batch));
        using (model.Run(input)) { }
        var ratios = new List<double>();
        double bareFps = 0;
        for (var round = 1; round <= rounds; round++)
        {
            bareFps = Bare(model, input, frames, batch);
            var pipelineFps = await PipelineAsync(clip, frames, g => g.Infer(model, new InferOptions { BatchSize = batch }), round == rounds);
            ratios.Add(pipelineFps / bareFps);
            Console.WriteLine(string.Create(ci, $"round {round}: bare session.Run loop {bareFps,6:0.00} fps, decode -> det -> sink {pipelineFps,6:0.00} fps ({100 * pipelineFps / bareFps:0}%)"));
        }
        ratios.Sort();
        Console.WriteLine(string.Create(ci, $"median pipeline / bare loop: {100 * ratios[ratios.Count / 2]:0}%"));

        await using var ocr = OcrModels.Open(options: new TextReaderOptions
        {
            DetectionWidth = spec.Width, DetectionHeight = spec.Height,
            Inference = new InferenceOptions { IntraOpThreads = BenchModels.Threads, Provider = ExecutionProviderChoice.Cpu },
        });
        ocr.Load();
        bareFps = Bare(model, input, frames, batch);
        var chainFps = await PipelineAsync(clip, frames, g => g.ReadText(ocr, new InferOptions { BatchSize = batch }), summary: true);
        Console.WriteLine(string.Create(ci, $"bare detector loop {bareFps,6:0.00} fps, decode -> ReadText -> sink {chainFps,6:0.00} fps ({100 * chainFps / bareFps:0}%)"));
    }

    private static double Bare(InferenceModel model, OrtValue input, int frames, int batch)
    {
        var runs = (frames + batch - 1) / batch;
        var bare = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++) using (model.Run(input)) { }
        return runs * batch / bare.Elapsed.TotalSeconds;
    }

    private static async Task<double> PipelineAsync(string clip, int frames, Func<VideoStream, VideoStream> apply, bool summary)
    {
        var graph = new Graph();
        var sink = graph.Sink(apply(graph.Decode(clip).Video.Filter($"trim=end_frame={frames}")));
        var run = graph.RunAsync();
        // Timed to the last result: the trim ends the stream there, but the decoder would read the rest of the clip
        // before the run ends, which the bare loop never does.
        var fps = await BenchModels.ResultsPerSecondAsync(sink, frames);
        var metrics = await run; // leaving the sink stops the graph
        if (summary) Console.Write(metrics.Summary());
        return fps;
    }
}
