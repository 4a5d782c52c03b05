using System.Globalization;

namespace MediaGraph.Benchmarks;

/// <summary>
/// Issue 13's GPU performance items, for a machine with an NVIDIA GPU and ONNX Runtime's GPU package: decode (NVDEC
/// when it takes the clip) → PP-OCRv4 det on the CUDA execution provider → sink, at each batch size asked for, with
/// the tensor made on the device (<see cref="TensorizePlace.Auto"/>: the kernel writes the batch, ONNX Runtime reads
/// it in device memory) and, for comparison, on the host (<see cref="TensorizePlace.Host"/>: frames downloaded,
/// ONNX Runtime copies the host tensor to the GPU inside each run). Prints fps per batch size, batch N against
/// batch 1, and the host copies of input tensors: the device→host bytes the node counted (0 when ONNX Runtime reads
/// device memory) and the host→device bytes ONNX Runtime moves for a host tensor (computed: frames × tensor size;
/// ONNX Runtime does not count them for us). On a machine without the CUDA execution provider or without a GPU it
/// says which is missing and exits with 0, measuring nothing.
/// </summary>
internal static class GpuInference
{
    public static async Task<int> RunAsync(string clip, int[] batches, int frames)
    {
        var ci = CultureInfo.InvariantCulture;
        if (!InferenceModel.CudaProviderBuilt)
        {
            Console.WriteLine("infer-gpu: this ONNX Runtime has no CUDA execution provider, so there is nothing to measure. Build the benchmarks with " +
                              "the GPU package: -p:OnnxRuntimePackage=Microsoft.ML.OnnxRuntime.Gpu -p:OnnxRuntimeVersion=1.31.0 (see docs/gpu.md)");
            return 0;
        }
        if (!ComputeDevice.CudaPresent)
        {
            Console.WriteLine("infer-gpu: ONNX Runtime has the CUDA execution provider, but no CUDA GPU answers here (no NVIDIA driver or device); nothing measured");
            return 0;
        }
        using var model = new InferenceModel(BenchModels.Detector, PreprocessSpec.PaddleTextDetection(BenchModels.Width, BenchModels.Height), new DbTextDetector(),
            new InferenceOptions { Provider = ExecutionProviderChoice.Cuda });
        model.Load();
        var tensorBytes = (long)model.Preprocess.ImageLength * sizeof(float);
        Console.WriteLine(string.Create(ci, $"PP-OCRv4 det at {model.Preprocess.Width}x{model.Preprocess.Height} on {model.ExecutionProvider}, {frames} frames of {clip}, batches {string.Join(",", batches)}"));
        var fps = new Dictionary<(int, TensorizePlace), double>();
        foreach (var place in new[] { TensorizePlace.Auto, TensorizePlace.Host })
            foreach (var batch in batches)
            {
                var (rate, metrics) = await RunOnceAsync(clip, model, batch, place, frames);
                fps[(batch, place)] = rate;
                var infer = metrics.Nodes.Single(n => n.Kind == "infer");
                var stage = infer.Stages.First(s => s.Name.StartsWith("inference", StringComparison.Ordinal));
                var hostToDevice = place == TensorizePlace.Host ? stage.Items * tensorBytes : 0;
                Console.WriteLine(string.Create(ci,
                    $"tensorize {place.ToString().ToLowerInvariant(),-4} batch {batch,2}: {rate,8:0.0} fps, {stage.Count} runs avg {stage.Average.TotalMilliseconds:0.00} ms; " +
                    $"input tensors device->host {infer.BytesDownloaded} B (counted), host->device by ONNX Runtime {hostToDevice} B (computed); " +
                    $"frames uploaded {metrics.Nodes.Where(n => n.Kind == "upload").Sum(n => n.BytesUploaded)} B, downloaded {metrics.Nodes.Where(n => n.Kind == "download").Sum(n => n.BytesDownloaded)} B"));
            }
        var first = batches[0];
        foreach (var place in new[] { TensorizePlace.Auto, TensorizePlace.Host })
            foreach (var batch in batches.Skip(1))
                Console.WriteLine(string.Create(ci, $"tensorize {place.ToString().ToLowerInvariant()}: batch {batch} / batch {first} throughput {fps[(batch, place)] / fps[(first, place)]:0.00}x"));
        return 0;
    }

    private static async Task<(double Fps, GraphMetrics Metrics)> RunOnceAsync(string clip, InferenceModel model, int batch, TensorizePlace place, int frames)
    {
        var graph = new Graph(new GraphOptions { Device = Device.Cuda(0) });
        var sink = graph.Sink(graph.Decode(clip, new DecodeOptions { HwAccel = HwAccel.Auto }).Video
            .Infer(model, new InferOptions { BatchSize = batch, Tensorize = place }));
        var run = graph.RunAsync();
        var fps = await BenchModels.ResultsPerSecondAsync(sink, frames); // leaving the sink stops the graph
        return (fps, await run);
    }
}
