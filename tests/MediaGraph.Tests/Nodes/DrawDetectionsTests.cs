using MediaGraph.Tests.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph;

/// <summary>DrawDetections on generated frames with known results: box edges take the colour, the label holds text
/// pixels, everything else keeps its exact value; shared frames are copied before drawing.</summary>
public sealed class DrawDetectionsTests(ITestOutputHelper log)
{
    private const int W = 160, H = 120;
    // Pure red in BT.601 limited range: Y 81, Cb 90, Cr 240.
    private const byte RedY = 81, RedCb = 90, RedCr = 240;

    private static VideoFrame Frame(long pts, params Detection[] detections)
    {
        var frame = Runtime.TestFrames.Gray(pts, luma: 100, width: W, height: H);
        if (detections.Length > 0) frame.Metadata.Set(new Detections(detections));
        return frame;
    }

    /// <summary>Runs <paramref name="frames"/> through DrawDetections and returns the planes (Y, U, V) of each output.</summary>
    private static async Task<List<byte[][]>> DrawAsync(DrawOptions options, params VideoFrame[] frames)
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections(options));
        var run = graph.RunAsync();
        var read = Task.Run(async () =>
        {
            var planes = new List<byte[][]>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                    planes.Add([KernelTestKit.PlaneBytes(frame, 0), KernelTestKit.PlaneBytes(frame, 1), KernelTestKit.PlaneBytes(frame, 2)]);
            return planes;
        });
        foreach (var f in frames) await source.WriteAsync(f);
        source.Complete();
        await run;
        return await read;
    }


    private static readonly DrawOptions RedBoxes = new() { ColorBy = ColorBy.Single, Color = "#FF0000", LineWidth = 4, Label = LabelFields.None };

    [Fact(Timeout = 60000)]
    public async Task DrawDetections_Box_EdgesTakeTheColour_InsideAndAwayKeepTheirExactValues()
    {
        // Box from (40, 40) to (100, 80); a 4-pixel line centred on its edges covers x 38..41 and 98..101.
        var planes = (await DrawAsync(RedBoxes, Frame(0, new Detection(new BoxF32(40, 40, 60, 40), 0.9f, 0, "car")))).Single();
        byte[] y = planes[0], u = planes[1], v = planes[2];
        int Y(int x, int row) => y[row * W + x];
        foreach (var (x, row) in new[] { (38, 60), (40, 60), (41, 60), (99, 60), (70, 38), (70, 41), (70, 79), (70, 81) })
            Assert.InRange(Y(x, row), RedY - 1, RedY + 1);
        // Chroma sample (19, 30) covers luma x 38..39, rows 60..61: fully on the left edge.
        Assert.InRange(u[30 * (W / 2) + 19], RedCb - 1, RedCb + 1);
        Assert.InRange(v[30 * (W / 2) + 19], RedCr - 1, RedCr + 1);
        // Inside the box (no fill) and everywhere away from the lines: the input's exact values.
        for (var row = 0; row < H; row++)
            for (var x = 0; x < W; x++)
            {
                var nearEdge = x >= 36 && x <= 103 && row >= 36 && row <= 83 && !(x >= 43 && x <= 96 && row >= 43 && row <= 76);
                if (!nearEdge) Assert.True(Y(x, row) == 100, $"luma at ({x}, {row}) is {Y(x, row)}, not untouched 100");
            }
        for (var i = 0; i < u.Length; i++)
        {
            int cx = i % (W / 2), cy = i / (W / 2);
            var nearEdge = cx >= 17 && cx <= 51 && cy >= 17 && cy <= 41 && !(cx >= 22 && cx <= 48 && cy >= 22 && cy <= 38);
            if (!nearEdge) Assert.True(u[i] == 128 && v[i] == 128, $"chroma at ({cx}, {cy}) changed");
        }
    }

    [Fact(Timeout = 60000)]
    public async Task DrawDetections_Label_DrawsTextOnTheLabelBoxAboveTheBox()
    {
        var options = new DrawOptions { ColorBy = ColorBy.Single, Color = "#FF0000", LineWidth = 2, Label = LabelFields.Label, FontSize = 16 };
        var planes = (await DrawAsync(options, Frame(0, new Detection(new BoxF32(40, 60, 80, 40), 0.9f, 0, "CAR")))).Single();
        var y = planes[0];
        // The label box sits above the box's top edge (y 59): rows ~35..58, from x 39.
        int red = 0, white = 0, untouched = 0;
        for (var row = 36; row < 58; row++)
            for (var x = 40; x < 70; x++)
            {
                var value = y[row * W + x];
                if (Math.Abs(value - RedY) <= 2) red++;
                else if (value > 180) white++; // the text: white on red
                else if (value == 100) untouched++;
            }
        log.WriteLine($"label area: {red} red, {white} white (text), {untouched} untouched");
        Assert.True(red > 200, "the label's background is the box colour");
        Assert.True(white > 30, "the label's text is drawn in white on it");
        Assert.Equal(0, untouched);
        // Above the label: untouched.
        for (var row = 0; row < 30; row++)
            for (var x = 0; x < W; x++)
                Assert.Equal(100, y[row * W + x]);
    }

    [Fact(Timeout = 60000)]
    public async Task DrawDetections_FrameWithoutResults_PassesBitExact()
    {
        var planes = (await DrawAsync(new DrawOptions(), Frame(0))).Single();
        Assert.All(planes[0], p => Assert.Equal(100, p));
        Assert.All(planes[1], p => Assert.Equal(128, p));
    }

    [Fact(Timeout = 60000)]
    public async Task DrawDetections_OnOneBranchOfAFanOut_LeavesTheOtherBranchsPixelsAlone()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var video = (VideoStream)source.Stream(graph);
        var drawn = graph.Sink(video.DrawDetections(RedBoxes));
        var plain = graph.Sink(video);
        var run = graph.RunAsync();
        async Task<byte[]> ReadOne(AppSink<VideoFrame> sink)
        {
            byte[]? luma = null;
            await foreach (var frame in sink.ReadAllAsync())
                using (frame) luma = KernelTestKit.PlaneBytes(frame, 0);
            return luma!;
        }
        var readDrawn = Task.Run(() => ReadOne(drawn));
        var readPlain = Task.Run(() => ReadOne(plain));
        await source.WriteAsync(Frame(0, new Detection(new BoxF32(40, 40, 60, 40), 0.9f, 0, null)));
        source.Complete();
        await run;
        Assert.Equal(RedY, (await readDrawn)[60 * W + 40], 1.0);
        Assert.All(await readPlain, p => Assert.Equal(100, p));
    }

    [Fact(Timeout = 60000)]
    public async Task DrawDetections_TextLinePolygonOnRgba_IsDrawnInTheTrackColour()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections(new DrawOptions { LineWidth = 3, Label = LabelFields.Track | LabelFields.Text }));
        var run = graph.RunAsync();
        var frame = VideoFrame.Allocate(W, H, PixelFormat.Rgba, new Rational(1, 25));
        frame.Pts = 0;
        frame.Duration = 1;
        frame.GetPlaneSpan(0).Fill(0);
        frame.Metadata.Set(new TextLines([new TextLine([new(30, 50), new(130, 50), new(130, 90), new(30, 90)], 0.9f, "HELLO", 0.95f, false)]));
        frame.Metadata.Set(new Tracks(TrackSource.TextLines, [new TrackedObject(2, 0, new BoxF32(30, 50, 100, 40), 5)]));
        var read = Task.Run(async () =>
        {
            byte[]? rgba = null;
            await foreach (var f in sink.ReadAllAsync())
                using (f) rgba = KernelTestKit.PlaneBytes(f, 0);
            return rgba!;
        });
        await source.WriteAsync(frame);
        source.Complete();
        await run;
        var pixels = await read;
        // Track 2's palette colour is #2CA02C: on the left edge (x 30, y 70).
        var at = (70 * W + 30) * 4;
        Assert.Equal([0x2C, 0xA0, 0x2C], pixels[at..(at + 3)]);
        Assert.Equal(0, pixels[(110 * W + 5) * 4]); // away: untouched
    }

    [Fact]
    public void DrawDetections_MissingFontFile_IsAValidationProblemNamingTheFile()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Sink(((VideoStream)source.Stream(graph)).DrawDetections(new DrawOptions { FontFile = "/nowhere/font.ttf" }));
        var e = Assert.Throws<GraphValidationException>(() => graph.Validate());
        Assert.Contains(e.Problems, p => p.Contains("draw-detections") && p.Contains("font file '/nowhere/font.ttf' does not exist"));
    }
}
