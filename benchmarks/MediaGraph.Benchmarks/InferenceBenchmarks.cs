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
/// <c>-- infer CLIP [FRAMES] [BATCH]</c>: the pipeline against the model alone, plain timing. (1) a bare loop of
/// <c>session.Run</c> on a pre-made 640x384 tensor, FRAMES times; (2) decode CLIP → PP-OCRv4 detector at 640x384 →
/// sink over its first FRAMES frames; (3) the whole ReadText chain at the same detector size. Same ONNX Runtime
/// threads in all. Prints frames/s and the ratio pipeline / bare loop.
/// </summary>
internal static class InferencePipeline
{
    public static async Task RunAsync(string clip, int frames, int batch)
    {
        var ci = CultureInfo.InvariantCulture;
        using var model = BenchModels.NewDetector();
        model.Load();
        var spec = model.Preprocess;
        Console.WriteLine(string.Create(ci, $"PP-OCRv4 det at {spec.Width}x{spec.Height}, {BenchModels.Threads} ONNX Runtime threads, {frames} frames, batch {batch}, {Environment.ProcessorCount} cores"));

        using var input = OrtValue.CreateTensorValueFromMemory(new float[spec.ImageLength * batch], spec.Shape(batch));
        using (model.Run(input)) { }
        var runs = (frames + batch - 1) / batch;
        var bare = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++) using (model.Run(input)) { }
        bare.Stop();
        var bareFps = runs * batch / bare.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(ci, $"bare session.Run loop      {runs * batch,5} frames in {bare.Elapsed.TotalSeconds,6:0.00} s  {bareFps,6:0.00} fps"));

        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(clip).Video.Filter($"trim=end_frame={frames}").Infer(model, new InferOptions { BatchSize = batch }));
        var pipeline = Stopwatch.StartNew();
        var got = 0;
        await foreach (var frame in sink.ReadAllAsync()) { frame.Dispose(); got++; }
        pipeline.Stop();
        var pipelineFps = got / pipeline.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(ci, $"decode -> det -> sink      {got,5} frames in {pipeline.Elapsed.TotalSeconds,6:0.00} s  {pipelineFps,6:0.00} fps  ({100 * pipelineFps / bareFps:0}% of the bare loop)"));
        Console.Write(graph.Metrics?.Summary());

        await using var ocr = OcrModels.Open(options: new TextReaderOptions
        {
            DetectionWidth = spec.Width, DetectionHeight = spec.Height,
            Inference = new InferenceOptions { IntraOpThreads = BenchModels.Threads, Provider = ExecutionProviderChoice.Cpu },
        });
        ocr.Load();
        var chain = new Graph();
        var texts = chain.Sink(chain.Decode(clip).Video.Filter($"trim=end_frame={frames}").ReadText(ocr, new InferOptions { BatchSize = batch }));
        var read = Stopwatch.StartNew();
        got = 0;
        var lines = 0;
        await foreach (var frame in texts.ReadAllAsync())
        {
            if (frame.Metadata.TryGet<TextLines>(out var l)) lines += l.Lines.Count;
            frame.Dispose();
            got++;
        }
        read.Stop();
        var chainFps = got / read.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(ci, $"decode -> ReadText -> sink {got,5} frames in {read.Elapsed.TotalSeconds,6:0.00} s  {chainFps,6:0.00} fps  ({100 * chainFps / bareFps:0}% of the detector's bare loop; {lines} lines read)"));
        Console.Write(chain.Metrics?.Summary());
    }
}
