using MediaGraph.Tests.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

using Graph = global::MediaGraph.Graph;

/// <summary>DrawDetections on device frames (cuda-sim): the same picture as the CPU path bit for bit (box edges,
/// polygon strokes and fills, label backgrounds and glyphs), on NV12 and YUV420P; the frames stay on the device
/// (the node moves no frame bytes, only the glyph atlas, once); formats without a kernel fail naming the node.</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class DrawKernelTests(ITestOutputHelper log)
{
    private const int W = 96, H = 64;
    // Pure red in BT.601 limited range: Y 81, Cb 90, Cr 240.
    private const byte RedY = 81, RedCb = 90, RedCr = 240;

    /// <summary>A frame with a gradient (so every untouched pixel has its own value) and the given results.</summary>
    private static VideoFrame Frame(string format, long pts, FrameMetadata? results)
    {
        var frame = VideoFrame.Allocate(W, H, PixelFormat.FromName(format), new Rational(1, 25));
        frame.Pts = pts;
        frame.Duration = 1;
        frame.FrameRate = new Rational(25, 1);
        for (var i = 0; i < 4 && frame.GetPlane(i).Data != 0; i++)
        {
            var p = frame.GetPlane(i);
            var span = frame.GetPlaneSpan(i);
            for (var y = 0; y < p.Rows; y++)
                for (var x = 0; x < p.RowBytes; x++)
                    span[y * p.Pitch + x] = (byte)(i == 0 ? 40 + x + y : 100 + (x + 3 * y + 17 * i) % 50);
        }
        return frame;
    }

    private static void Results(VideoFrame frame, int shift)
    {
        frame.Metadata.Set(new Detections([
            new Detection(new BoxF32(20.3f + shift, 30.6f, 40.2f, 22.5f), 0.91f, 3, "car"),
            new Detection(new BoxF32(70, 2, 20, 30), 0.5f, 1, "person"),
        ]));
        frame.Metadata.Set(new TextLines([new TextLine([new(8, 44), new(40, 40), new(42, 58), new(10, 61)], 0.9f, "Hi!", 0.95f, false)]));
        frame.Metadata.Set(new Tracks(TrackSource.Detections, [new TrackedObject(7, 0, new BoxF32(20, 30, 40, 22), 3), new TrackedObject(2, 1, new BoxF32(70, 2, 20, 30), 3)]));
    }

    /// <summary>Runs frames with results through DrawDetections on <paramref name="device"/>; the outputs' planes and
    /// the run's metrics.</summary>
    private static async Task<(List<byte[]> Frames, GraphMetrics Metrics)> DrawAsync(Device device, DrawOptions options, string format, int frames)
    {
        var graph = new Graph(new GraphOptions { Device = device });
        var source = graph.AddVideoSource();
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections(options));
        var run = graph.RunAsync();
        var read = Task.Run(async () =>
        {
            var outputs = new List<byte[]>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                    outputs.Add(KernelTestKit.Packed(frame));
            return outputs;
        });
        for (var i = 0; i < frames; i++)
        {
            var frame = Frame(format, i, null);
            Results(frame, i % 2);
            await source.WriteAsync(frame);
        }
        source.Complete();
        var metrics = await run;
        return (await read, metrics);
    }

    public static TheoryData<string, bool, double> Cases() => new()
    {
        { "nv12", true, 0 },
        { "yuv420p", true, 0 },
        { "yuv420p", false, 0.4 },
        { "nv12", true, 0.5 },
        { "yuv444p", true, 0 },
    };

    [Theory(Timeout = 180000)]
    [MemberData(nameof(Cases))]
    public async Task DrawDetections_OnCudaSim_IsBitExactWithTheCpuPath(string format, bool polygons, double fill)
    {
        var options = new DrawOptions { Label = LabelFields.All, LineWidth = 3, FontSize = 11, Polygons = polygons, FillOpacity = fill };
        var (cpu, _) = await DrawAsync(Device.Cpu, options, format, 2);
        var (sim, _) = await DrawAsync(Device.CudaSim, options, format, 2);
        Assert.Equal(2, sim.Count);
        for (var i = 0; i < cpu.Count; i++)
        {
            var untouched = KernelTestKit.Packed(Frame(format, 0, null));
            var changed = cpu[i].Zip(untouched).Count(p => p.First != p.Second);
            var differ = cpu[i].Zip(sim[i]).Count(p => p.First != p.Second);
            log.WriteLine($"{format} frame {i}: {changed} bytes drawn on, {differ} differ between cpu and cuda-sim");
            Assert.True(changed > 500, "the drawing changed the frame");
            var first = Enumerable.Range(0, cpu[i].Length).Where(j => cpu[i][j] != sim[i][j]).Take(8).Select(j => $"byte {j}: cpu {cpu[i][j]}, sim {sim[i][j]}");
            Assert.True(differ == 0, $"{differ} bytes differ: {string.Join("; ", first)}");
        }
    }

    [Fact(Timeout = 180000)]
    public async Task DrawDetections_OnCudaSim_BoxEdgesLabelAndUntouchedPixels()
    {
        var options = new DrawOptions { ColorBy = ColorBy.Single, Color = "#FF0000", LineWidth = 4, Label = LabelFields.Label, FontSize = 12 };
        var graph = new Graph(new GraphOptions { Device = Device.CudaSim });
        var source = graph.AddVideoSource();
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections(options));
        var run = graph.RunAsync();
        var read = Task.Run(async () =>
        {
            byte[][]? planes = null;
            await foreach (var f in sink.ReadAllAsync())
                using (f) planes = [KernelTestKit.PlaneBytes(f, 0), KernelTestKit.PlaneBytes(f, 1)];
            return planes!;
        });
        var frame = Frame("nv12", 0, null);
        var input = KernelTestKit.Packed(frame);
        frame.Metadata.Set(new Detections([new Detection(new BoxF32(30, 30, 40, 20), 0.9f, 0, "AB")]));
        await source.WriteAsync(frame);
        source.Complete();
        await run;
        var planes = await read;
        byte[] y = planes[0], uv = planes[1];
        // A 4-pixel line centred on x 30 covers x 28..31; on y 50 rows 48..51.
        foreach (var (x, row) in new[] { (28, 40), (31, 40), (69, 40), (50, 28), (50, 31), (50, 51) })
            Assert.Equal(RedY, y[row * W + x]);
        // Chroma sample (14, 20) covers luma x 28..29, rows 40..41: on the left edge.
        Assert.Equal(RedCb, uv[20 * W + 28]);
        Assert.Equal(RedCr, uv[20 * W + 29]);
        // The label sits above the box: red background with white text.
        int red = 0, white = 0;
        for (var row = 12; row < 27; row++)
            for (var x = 29; x < 45; x++)
            {
                if (y[row * W + x] == RedY) red++;
                else if (y[row * W + x] > 200) white++;
            }
        log.WriteLine($"label: {red} red, {white} white");
        Assert.True(red > 60 && white > 15, $"label: {red} red, {white} white");
        // Inside the box and far from it: the input's exact values.
        foreach (var (x, row) in new[] { (40, 40), (60, 44), (5, 5), (90, 60), (10, 55) })
            Assert.Equal(input[row * W + x], y[row * W + x]);
        Assert.Equal(input.AsSpan(W * H + 20 * W + 40, 8).ToArray(), uv.AsSpan(20 * W + 40, 8).ToArray()); // chroma inside the box
    }

    [Fact(Timeout = 180000)]
    public async Task DrawDetections_OnCudaSim_MovesNoFrameBytesAndUploadsTheGlyphAtlasOnce()
    {
        var options = new DrawOptions { Label = LabelFields.Track | LabelFields.Label, FontSize = 11 };
        var (_, one) = await DrawAsync(Device.CudaSim, options, "nv12", 1);
        var (frames, four) = await DrawAsync(Device.CudaSim, options, "nv12", 4);
        Assert.Equal(4, frames.Count);
        var draw = four.Nodes.Single(n => n.Kind == "draw-detections");
        var atlas = one.Nodes.Single(n => n.Kind == "draw-detections").BytesUploaded;
        log.WriteLine($"draw-detections: {draw.BytesUploaded} bytes uploaded (the glyph atlas), {draw.BytesDownloaded} downloaded over 4 frames; one frame: {atlas}");
        Assert.True(atlas > 0, "the glyph atlas is uploaded");
        Assert.Equal(atlas, draw.BytesUploaded); // the same labels on later frames: nothing more
        Assert.Equal(0, draw.BytesDownloaded);
    }

    [Fact(Timeout = 120000)]
    public async Task DrawDetections_OnCudaSimRgbFrames_FailsNamingTheNodeAndTheFix()
    {
        var graph = new Graph(new GraphOptions { Device = Device.CudaSim });
        var source = graph.AddVideoSource();
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections());
        var run = graph.RunAsync();
        var read = Task.Run(async () => { await foreach (var f in sink.ReadAllAsync()) f.Dispose(); });
        var frame = VideoFrame.Allocate(W, H, PixelFormat.Rgba, new Rational(1, 25));
        frame.Pts = 0;
        frame.Metadata.Set(new Detections([new Detection(new BoxF32(1, 1, 5, 5), 0.9f, 0, null)]));
        await source.WriteAsync(frame);
        source.Complete();
        var e = await Assert.ThrowsAsync<MediaGraphException>(async () => { await run; await read; });
        Assert.Equal("draw-detections0", e.Node);
        Assert.Contains("rgba has no device kernel", e.Message);
        Assert.Contains("\"device\" option to cpu", e.Message);
    }
}
