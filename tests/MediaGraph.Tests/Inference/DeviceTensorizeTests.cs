using ILGPU.Runtime;
using MediaGraph.Tests.Kernels;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>
/// Inference on device frames, on cuda-sim (ILGPU's CPU accelerator; tiny frames): the device tensorizer against
/// the CPU one, the tensor ONNX Runtime gets from a device batch, the inference node on device frames against the
/// same node on host frames (scores, text boxes, read text, order across streams), what the transfer counters say
/// moved, the placement ToDot draws, and the bad cases. The CUDA execution provider itself cannot run here (no GPU,
/// no GPU package): what decides for it is tested as a function.
/// </summary>
[Collection(SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class DeviceTensorizeTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    /// <summary>The model's raw output for one frame.</summary>
    private sealed record Scores(float[] Values);

    private static InferenceModel NewClassifier() => new(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(),
        PostProcessor.From((outputs, _) => new Scores(outputs.Image(0).ToArray())), new InferenceOptions { IntraOpThreads = 1 });

    /// <summary>Frame <paramref name="index"/> of testsrc2 at <paramref name="w"/>x<paramref name="h"/> in <paramref name="format"/>.</summary>
    private static async Task<VideoFrame> TestFrameAsync(int w, int h, string format, int index = 0)
    {
        var raw = await KernelTestKit.FfmpegRawAsync($"-f lavfi -i testsrc2=size={w}x{h}:rate=25 -frames:v {index + 1}", "", format);
        return KernelTestKit.HostFrame(raw, index, w, h, PixelFormat.FromName(format));
    }

    /// <summary>PSNR of two tensors of <paramref name="spec"/> compared as 0..255 pixels (the normalisation undone).</summary>
    private static double TensorPsnr(PreprocessSpec spec, ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        var plane = spec.Width * spec.Height;
        for (var i = 0; i < a.Length; i++)
        {
            var c = spec.Layout == TensorLayout.Nchw ? i / plane : i % 3;
            var pa = (a[i] * spec.Std[c] + spec.Mean[c]) / spec.Scale;
            var pb = (b[i] * spec.Std[c] + spec.Mean[c]) / spec.Scale;
            sum += (pa - pb) * (pa - pb);
        }
        var mse = sum / a.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>The device tensorizer's image <paramref name="slot"/> of a 2-image batch, read back through
    /// <see cref="TensorBatch.Input"/> (the download path).</summary>
    private float[] DeviceTensor(PreprocessSpec spec, VideoFrame host, int slot)
    {
        using var frame = KernelTestKit.Upload(sim.Device, host);
        using var stream = sim.Device.CreateStream("test");
        using var batch = new DeviceTensorBatch(spec, 2, new DeviceBatchOptions(stream, DeviceTensorInput.Download));
        batch.View.MemSetToZero(stream.Stream);
        using var tensorizer = FrameTensorizers.Create(spec, frame, "test");
        Assert.IsType<CudaTensorizer>(tensorizer);
        tensorizer.Write(frame, batch, slot);
        batch.Complete(2);
        Assert.Equal(2L * spec.ImageLength * sizeof(float), batch.BytesDownloaded);
        return batch.Input(2).GetTensorDataAsSpan<float>().Slice(slot * spec.ImageLength, spec.ImageLength).ToArray();
    }

    private static float[] HostTensor(PreprocessSpec spec, VideoFrame host)
    {
        using var cpu = new CpuTensorizer(spec, host, "test");
        var image = new float[spec.ImageLength];
        cpu.Write(host, image);
        return image;
    }

    [Theory]
    [InlineData("yuv420p", 96, 54, 96, 64)]  // the detector's case: the frame fits as it is, padded below
    [InlineData("nv12", 96, 54, 96, 64)]
    [InlineData("yuv420p", 96, 48, 192, 48)] // the orientation classifier's: padded right
    public async Task CudaTensorizer_FrameAtItsOwnSize_MatchesCpuTensorizerWithin45dBAndPadsAsTheSpec(string format, int w, int h, int tw, int th)
    {
        var spec = new PreprocessSpec(tw, th, keepAspect: true, ColorOrder.Bgr, mean: [0.485f, 0.456f, 0.406f], std: [0.229f, 0.224f, 0.225f], padValue: -0.5f);
        using var host = await TestFrameAsync(w, h, format);
        var expected = HostTensor(spec, host);
        var ours = DeviceTensor(spec, host, slot: 1);

        var psnr = TensorPsnr(spec, ours, expected);
        log.WriteLine($"{format} {w}x{h} -> {tw}x{th}: device tensor vs CPU tensorizer PSNR {psnr:0.0} dB");
        Assert.True(psnr >= 45, $"PSNR {psnr:0.0} dB, want >= 45");
        var box = spec.Fit(w, h);
        for (var c = 0; c < 3; c++)
            for (var y = 0; y < th; y++)
                for (var x = 0; x < tw; x++)
                    if (x >= box.ScaledWidth || y >= box.ScaledHeight)
                        Assert.Equal(-0.5f, ours[c * tw * th + y * tw + x]);
    }

    [Fact]
    public async Task CudaTensorizer_Upscaling_StaysCloseToCpuTensorizer()
    {
        // 64x36 into 128x96: scaled 2x to 128x72 (both paths two-tap bilinear when enlarging), padded below.
        var spec = new PreprocessSpec(128, 96, keepAspect: true, ColorOrder.Rgb, layout: TensorLayout.Nhwc);
        using var host = await TestFrameAsync(64, 36, "yuv420p");
        var psnr = TensorPsnr(spec, DeviceTensor(spec, host, slot: 0), HostTensor(spec, host));
        log.WriteLine($"yuv420p 64x36 -> 128x96 NHWC RGB: device tensor vs CPU tensorizer PSNR {psnr:0.0} dB");
        Assert.True(psnr >= 30, $"PSNR {psnr:0.0} dB, want >= 30 (swscale's chroma upsampling differs from the kernel's)");
    }

    [Fact]
    public void DeviceBatch_ReadOnTheDevice_IsAFloatTensorOfTheSpecsShapeInCudaMemoryOverTheBuffer()
    {
        var spec = PreprocessSpec.PaddleTextDetection(64, 32);
        using var stream = sim.Device.CreateStream("test");
        using var batch = new DeviceTensorBatch(spec, 4, new DeviceBatchOptions(stream, DeviceTensorInput.Device));
        batch.Complete(3);

        var value = batch.Input(3);

        var info = value.GetTensorTypeAndShape();
        Assert.Equal(TensorElementType.Float, info.ElementDataType);
        Assert.Equal([3L, 3, 32, 64], info.Shape);
        Assert.Equal(3L * spec.ImageLength, info.ElementCount);
        var memory = value.GetTensorMemoryInfo();
        Assert.Equal("Cuda", memory.Name);
        Assert.Equal(OrtAllocatorType.DeviceAllocator, memory.GetAllocatorType());
        Assert.Equal(sim.Device.Device.Index, memory.Id);
        unsafe
        {
            fixed (byte* data = value.GetTensorMutableRawData()) Assert.Equal(batch.DevicePointer, (nint)data); // over the buffer: no copy
        }
        Assert.Equal(3L * spec.ImageLength * sizeof(float), value.GetTensorSizeInBytes());
        Assert.Equal(0, batch.BytesDownloaded);
        Assert.Same(value, batch.Input(3)); // made once per used length
    }

    [Fact]
    public void DeviceBatch_InputBeforeComplete_Throws()
    {
        using var stream = sim.Device.CreateStream("test");
        using var batch = new DeviceTensorBatch(PreprocessSpec.PaddleTextOrientation(), 2, new DeviceBatchOptions(stream, DeviceTensorInput.Download));
        Assert.Throws<InvalidOperationException>(() => batch.Input(1));
    }

    [Theory]
    [InlineData("cuda:0", "CUDA", 0, DeviceTensorInput.Device)]
    [InlineData("cuda:1", "CUDA", 0, DeviceTensorInput.Download)]   // another GPU than the session's
    [InlineData("cuda-sim", "CUDA", 0, DeviceTensorInput.Download)] // memory ONNX Runtime cannot read
    [InlineData("cuda:0", "CPU", 0, DeviceTensorInput.Download)]
    [InlineData("cuda-sim", "CPU", 0, DeviceTensorInput.Download)]
    public void ChooseInput_DeviceMemoryOnlyForACudaSessionOnTheFramesGpu(string device, string provider, int modelGpu, DeviceTensorInput expected)
    {
        var got = DeviceTensorBatch.ChooseInput(Device.Parse(device), provider, modelGpu, out var why);
        log.WriteLine($"{device}, {provider} on GPU {modelGpu}: {got}: {why}");
        Assert.Equal(expected, got);
        Assert.False(string.IsNullOrWhiteSpace(why));
    }

    private static VideoFrame MakeFrame(int stream, int index) => StreamFrames.Make(stream, index);

    /// <summary>Three streams (7, 5, 3 frames) through one node, batch 4; each stream's (pts, scores) as it came out.</summary>
    private static async Task<(List<(long Pts, float[] Scores)>[] Streams, GraphMetrics Metrics)> ThreeStreamsAsync(InferenceModel model, Device device, TensorizePlace place)
    {
        int[] counts = [7, 5, 3];
        var graph = new Graph(new GraphOptions { Device = device });
        var sources = counts.Select(_ => graph.AddVideoSource()).ToArray();
        var outputs = graph.Infer(model, new InferOptions { BatchSize = 4, MaxDelay = TimeSpan.FromMilliseconds(20), Tensorize = place },
            sources.Select(s => (VideoStream)s.Stream(graph)).ToArray());
        var sinks = outputs.Select(o => graph.Sink(o, capacity: 16)).ToArray();
        var run = graph.RunAsync();
        var reads = sinks.Select(async sink =>
        {
            var got = new List<(long, float[])>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                    got.Add((frame.Pts, frame.Metadata.TryGet<Scores>(out var s) ? s.Values : []));
            return got;
        }).ToArray();
        for (var i = 0; i < counts.Max(); i++)
            for (var s = 0; s < 3; s++)
                if (i < counts[s]) await sources[s].WriteAsync(MakeFrame(s, i));
        foreach (var source in sources) source.Complete();
        var metrics = await run;
        return (await Task.WhenAll(reads), metrics);
    }

    [Fact(Timeout = 120000)]
    public async Task Infer_TensorizeDeviceThreeStreams_SameScoresInPtsOrderAndOnlyTensorBytesComeBack()
    {
        using var model = NewClassifier();
        var (host, _) = await ThreeStreamsAsync(model, Device.Cpu, TensorizePlace.Auto);
        var (device, metrics) = await ThreeStreamsAsync(model, Device.CudaSim, TensorizePlace.Device);
        log.WriteLine(metrics.Summary());

        int[] counts = [7, 5, 3];
        var worst = host.Zip(device).SelectMany(p => p.First.Zip(p.Second)).SelectMany(p => p.First.Scores.Zip(p.Second.Scores, (a, b) => Math.Abs(a - b))).DefaultIfEmpty().Max();
        log.WriteLine($"largest score difference host vs device: {worst:0.00000}");
        for (var s = 0; s < 3; s++)
        {
            Assert.Equal(Enumerable.Range(0, counts[s]).Select(i => (long)i), device[s].Select(g => g.Pts));
            for (var i = 0; i < counts[s]; i++)
            {
                Assert.Equal(host[s][i].Scores.Length, device[s][i].Scores.Length);
                Assert.NotEmpty(device[s][i].Scores);
                // Softmax probabilities of the two orientations. The tensors agree to 60 dB (frames at the model's
                // size: colour conversion alone, see above), but these synthetic frames sit near the classifier's
                // boundary, where that rounding moves a probability by up to 0.02 (measured): the class must be the
                // same and the probabilities within 0.05.
                var (h, d) = (host[s][i].Scores, device[s][i].Scores);
                Assert.Equal(Array.IndexOf(h, h.Max()), Array.IndexOf(d, d.Max()));
                for (var k = 0; k < h.Length; k++) Assert.Equal(h[k], d[k], 0.05f);
            }
        }
        var infer = metrics.Nodes.Single(n => n.Kind == "infer");
        var stage = infer.Stages.First(st => st.Name.StartsWith("inference"));
        Assert.True(stage.Count < 15, $"frames were batched: {stage.Count} runs for 15 frames");
        Assert.Equal(15L * PreprocessSpec.PaddleTextOrientation().ImageLength * sizeof(float), infer.BytesDownloaded); // the tensors, not the frames
        // The frames come back to the host only after the node (for the app's sinks), never before it: the same
        // (pitched) bytes as went up, once.
        var downloads = metrics.Nodes.Where(n => n.Kind == "download").ToList();
        Assert.Equal(3, downloads.Count);
        Assert.All(downloads, d => Assert.StartsWith($"download({infer.Node}", d.Node));
        Assert.Equal(metrics.Nodes.Where(n => n.Kind == "upload").Sum(n => n.BytesUploaded), downloads.Sum(d => d.BytesDownloaded));
    }

    [Fact(Timeout = 120000)]
    public async Task Infer_DetectorOnDeviceFrames_FindsTheSameTextBoxesAsOnHostFrames()
    {
        var clip = await TestModels.TextClipAsync("ocr-device.mpg", 3, ("MEDIAGRAPH 2026", 40, 110));
        async Task<List<TextDetections>> RunAsync(Device device, TensorizePlace place)
        {
            var graph = new Graph(new GraphOptions { Device = device });
            var sink = graph.Sink(graph.Decode(clip).Video.Infer(TestModels.Ocr.Detector, new InferOptions { Tensorize = place }));
            var run = graph.RunAsync();
            var found = new List<TextDetections>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                    found.Add(frame.Metadata.TryGet<TextDetections>(out var d) ? d : new TextDetections([]));
            log.WriteLine((await run).Summary());
            return found;
        }
        var host = await RunAsync(Device.Cpu, TensorizePlace.Auto);
        var device = await RunAsync(Device.CudaSim, TensorizePlace.Device);

        Assert.Equal(3, device.Count);
        for (var f = 0; f < 3; f++)
        {
            log.WriteLine($"frame {f}: host {string.Join(" ", host[f].Regions.Select(r => r.Bounds))}; device {string.Join(" ", device[f].Regions.Select(r => r.Bounds))}");
            Assert.NotEmpty(host[f].Regions);
            // DB boxes come from a thresholded probability map, and the inputs differ by rounding only: every box of
            // a real line (here the drawn string and testsrc2's own labels, 300 px² and more) is found again almost
            // exactly; a speck of the noisy background near the threshold may split or merge (seen: two specks of
            // about 260 and 130 px² on one frame became one), so those are not compared.
            foreach (var h in host[f].Regions.Where(r => r.Bounds.Width * r.Bounds.Height >= 300))
            {
                var best = device[f].Regions.Max(d => d.Bounds.IoU(h.Bounds));
                Assert.True(best >= 0.9, $"frame {f}: host box {h.Bounds} has no device box with IoU >= 0.9 (best {best:0.00})");
            }
            Assert.InRange(device[f].Regions.Count, host[f].Regions.Count - 1, host[f].Regions.Count + 1);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task ReadText_DetectorOnDeviceFrames_ReadsTheTextAndDownloadsTheFrameOnlyAfterTheDetector()
    {
        const string text = "MEDIAGRAPH 2026";
        var clip = await TestModels.TextClipAsync("ocr-device.mpg", 3, (text, 40, 110));
        var graph = new Graph(new GraphOptions { Device = Device.CudaSim });
        var sink = graph.Sink(graph.Decode(clip).Video.ReadText(TestModels.Ocr, new InferOptions { Tensorize = TensorizePlace.Device }));
        var dot = graph.ToDot();
        var run = graph.RunAsync();
        var drawn = await TestModels.DrawnTextBoxAsync(text, 40, 110);
        var read = new List<string?>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.True(frame.Metadata.TryGet<TextLines>(out var lines));
                var best = lines.Lines.OrderByDescending(l => l.Bounds.IoU(drawn)).FirstOrDefault();
                Assert.True(best is not null && best.Bounds.IoU(drawn) >= 0.5, $"no line at the drawn rectangle {drawn}");
                read.Add(best.Text);
            }
        var metrics = await run;
        log.WriteLine(dot);
        log.WriteLine(metrics.Summary());

        Assert.Equal(3, read.Count);
        Assert.All(read, r => Assert.Equal(text, r));
        // The detector reads the device frame; the recogniser's crops come from the frame downloaded after it.
        Assert.Contains("\"upload(decode-video0)\" -> \"infer0\"", dot);
        Assert.Contains("\"infer0\" -> \"download(infer0)\"", dot);
        Assert.Contains("\"download(infer0)\" -> \"recognize-text0\"", dot);
        Assert.Equal(3L * TestModels.Ocr.Detector.Preprocess.ImageLength * sizeof(float), metrics.Nodes.Single(n => n.Kind == "infer").BytesDownloaded);
    }

    [Theory]
    [InlineData(TensorizePlace.Auto, true, true, true)]    // CUDA provider: the tensor never leaves the GPU
    [InlineData(TensorizePlace.Auto, true, false, false)]  // CPU provider: download the (smaller) frame first
    [InlineData(TensorizePlace.Auto, false, true, false)]  // no CUDA tensorizer (Native AOT): host
    [InlineData(TensorizePlace.Host, true, true, false)]
    [InlineData(TensorizePlace.Device, true, false, true)] // asked for: the finished tensor is downloaded
    public void Placement_DeviceFramesOnlyWhereTheTensorIsBestMadeThere(TensorizePlace place, bool cudaTensorizer, bool modelOnCuda, bool expected)
        => Assert.Equal(expected, InferNode.TakesDeviceFrames(place, cudaTensorizer, modelOnCuda));

    [Fact]
    public void ToDot_AutoWithACpuProviderModel_DownloadsTheFrameBeforeTheNode()
    {
        using var model = NewClassifier();
        model.Load();
        Assert.Equal("CPU", model.ExecutionProvider);
        string Dot(TensorizePlace place)
        {
            var graph = new Graph(new GraphOptions { Device = Device.CudaSim });
            var source = graph.AddVideoSource();
            graph.Sink(((VideoStream)source.Stream(graph)).Scale(96, 48).Infer(model, new InferOptions { Tensorize = place }));
            return graph.ToDot();
        }

        var auto = Dot(TensorizePlace.Auto);
        log.WriteLine(auto);
        Assert.Contains("\"scale0\" -> \"download(scale0)\"", auto);
        Assert.Contains("\"download(scale0)\" -> \"infer0\"", auto);
        var host = Dot(TensorizePlace.Host);
        Assert.Contains("\"download(scale0)\" -> \"infer0\"", host);
        Assert.DoesNotContain("download(infer0)", host);

        var device = Dot(TensorizePlace.Device);
        log.WriteLine(device);
        Assert.Contains("\"scale0\" -> \"infer0\"", device);
        Assert.Contains("\"infer0\" -> \"download(infer0)\"", device);
        Assert.DoesNotContain("download(scale0)", device);
    }

    [Fact]
    public void Validate_TensorizeDeviceOnACpuRun_ProblemNamesTheNode()
    {
        using var model = NewClassifier();
        var graph = new Graph(new GraphOptions { Device = Device.Cpu });
        var source = graph.AddVideoSource();
        graph.Sink(((VideoStream)source.Stream(graph)).Infer(model, new InferOptions { Tensorize = TensorizePlace.Device }));

        var e = Assert.Throws<GraphValidationException>(graph.Validate);

        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("infer0:", problem);
        Assert.Contains("tensorize is Device", problem);
        Assert.Contains("no device", problem);
    }

    [Fact]
    public void Json_TensorizeParameter_ReachesTheNodesOptions()
    {
        var graph = Graph.FromJson("""
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mpg"},
              {"id": "det", "type": "infer", "input": "in.video", "model": "det.onnx", "post": "text-detect", "tensorize": "device"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "det"}
            ]}
            """);
        var infer = Assert.IsType<InferNode>(graph.Nodes.Single(n => n.Name == "det"));
        Assert.Equal(TensorizePlace.Device, infer.Options.Tensorize);
    }
}
