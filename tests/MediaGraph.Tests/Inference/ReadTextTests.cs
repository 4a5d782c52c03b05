using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>Decode → ReadText with the real PP-OCRv4 models on clips FFmpeg drew text on.</summary>
public sealed class ReadTextTests(ITestOutputHelper log)
{
    [Fact]
    public async Task ReadText_DrawnString_FoundAtItsRectangleAndReadExactlyOnNineFramesInTen()
    {
        const string text = "MEDIAGRAPH 2026";
        var clip = await TestModels.TextClipAsync("ocr-one.mpg", 12, (text, 40, 110));
        var drawn = await TestModels.DrawnTextBoxAsync(text, 40, 110);
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(clip).Video.ReadText(TestModels.Ocr));
        int frames = 0, exact = 0, placed = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                frames++;
                Assert.True(frame.Metadata.TryGet<TextLines>(out var lines));
                var best = lines.Lines.OrderByDescending(l => l.Bounds.IoU(drawn)).FirstOrDefault();
                log.WriteLine($"{frame.PtsSeconds:0.00}s: {string.Join(" | ", lines.Lines.Select(l => $"'{l.Text}' {l.Confidence:0.00} {l.Bounds}"))} IoU {best?.Bounds.IoU(drawn):0.00}");
                if (best is not null && best.Bounds.IoU(drawn) >= 0.5) placed++;
                if (best?.Text == text) exact++;
            }
        log.WriteLine($"drawn {drawn}; {frames} frames, {placed} placed, {exact} exact");
        Assert.Equal(12, frames);
        Assert.Equal(frames, placed);
        Assert.True(exact >= 0.9 * frames, $"read exactly on {exact} of {frames} frames");
    }

    [Fact]
    public async Task ReadText_TwoStringsAtTwoPlaces_BothFoundInReadingOrder()
    {
        // The lower string is further left: reading order is top to bottom first.
        var clip = await TestModels.TextClipAsync("ocr-two.mpg", 3, ("OPEN 24 HOURS", 150, 40), ("EXIT 12", 30, 180));
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(clip).Video.ReadText(TestModels.Ocr));
        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                frames++;
                Assert.True(frame.Metadata.TryGet<TextLines>(out var lines));
                var texts = lines.Lines.Select(l => l.Text).ToList();
                log.WriteLine(string.Join(" | ", texts));
                var open = texts.IndexOf("OPEN 24 HOURS");
                var exit = texts.IndexOf("EXIT 12");
                Assert.True(open >= 0 && exit >= 0, $"both strings read: {string.Join(" | ", texts)}");
                Assert.True(open < exit, "the upper string comes first");
            }
        Assert.Equal(3, frames);
    }

    [Fact]
    public async Task ReadText_UpsideDownText_TurnedByTheOrientationClassifierAndRead()
    {
        var clip = await TestMedia.ClipAsync("ocr-upside-down.mpg", "-f lavfi -i testsrc2=size=480x270:rate=25 -frames:v 2 " +
            $"-vf \"drawtext=fontfile={TestModels.Font}:text='UPSIDE DOWN 7':x=60:y=100:fontsize=36:fontcolor=black:box=1:boxcolor=white:boxborderw=6,hflip,vflip\" -c:v mpeg2video -q:v 3");
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(clip).Video.ReadText(TestModels.Ocr));
        var frames = 0;
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                frames++;
                Assert.True(frame.Metadata.TryGet<TextLines>(out var lines));
                log.WriteLine(string.Join(" | ", lines.Lines.Select(l => $"{l.Text} rotated={l.Rotated}")));
                // What this checks is the turn: the words in their order, whether the recogniser kept the spaces
                // (it drops narrow ones now and then) or the detector split the words.
                var read = lines.Lines.Where(l => l.Text.Contains("UPSIDE") || l.Text.Contains("DOWN")).OrderByDescending(l => l.Bounds.X).ToList();
                Assert.Equal("UPSIDEDOWN7", string.Concat(read.Select(l => l.Text)).Replace(" ", ""));
                Assert.All(read, l => Assert.True(l.Rotated, $"'{l.Text}' was read without being turned"));
            }
        Assert.Equal(2, frames);
    }
}
