using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>An app's own per-item work is timed into the run's summary, next to the nodes.</summary>
public sealed class AppStageTests(ITestOutputHelper log)
{
    private static string Row(GraphMetrics metrics, string name) =>
        metrics.Summary().Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));

    [Fact(Timeout = 60000)]
    public async Task ReadingASink_TimesTheLoopsWork_AsARowOfTheSummary()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(await TestMedia.TinyAsync(10)).Video);

        await foreach (var frame in sink.ReadAllAsync())
            using (frame) Thread.Sleep(5); // the app's work on each frame

        var metrics = graph.Metrics!;
        var app = metrics[$"{sink.Name}:app"];
        log.WriteLine(metrics.Summary());
        Assert.Equal("app", app.Kind);
        Assert.Equal(10, app.FramesIn);
        Assert.Equal(10, app.FramesOut);
        Assert.Equal(0, app.Errors);
        Assert.InRange(app.LatencyMin.TotalMilliseconds, 4.5, 1000);
        Assert.InRange(app.LatencyAverage.TotalMilliseconds, 4.5, 1000);
        Assert.True(app.LatencyMax >= app.LatencyRecent && app.LatencyRecent >= app.LatencyMin);
        Assert.Contains($"{sink.Name}:app", Row(metrics, $"{sink.Name}:app"));
        Assert.Equal(10, metrics.Frames); // the app's row is no node: frames are still the decoder's
    }

    [Fact(Timeout = 60000)]
    public async Task ForEachAsync_CountsAnExceptionFromTheBodyAsAnError_AndRethrowsIt()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(await TestMedia.TinyAsync(10)).Video);
        var seen = 0;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => sink.ForEachAsync((frame, _) =>
            ++seen == 3 ? throw new InvalidOperationException("ocr failed") : ValueTask.CompletedTask));

        Assert.Equal("ocr failed", e.Message);
        var app = graph.Metrics![$"{sink.Name}:app"];
        log.WriteLine(graph.Metrics.Summary());
        Assert.Equal(3, app.FramesIn);
        Assert.Equal(2, app.FramesOut);
        Assert.Equal(1, app.Errors);
    }

    [Fact(Timeout = 60000)]
    public async Task Stage_TimesExplicitWork_AndAScopeLeftWithoutCompleteIsAnError()
    {
        var graph = new Graph();
        var sink = graph.Sink(graph.Decode(await TestMedia.TinyAsync(10)).Video);
        var n = 0;

        await foreach (var frame in sink.ReadAllAsync())
        {
            using (frame)
            {
                var ocr = graph.Metrics!.Stage("ocr");
                try
                {
                    using var work = ocr.Begin();
                    if (++n % 4 == 3) throw new IOException("unreadable");
                    Thread.Sleep(2);
                    work.Complete();
                }
                catch (IOException) { }
            }
        }

        var metrics = graph.Metrics!;
        log.WriteLine(metrics.Summary());
        var ocrRow = metrics["ocr"];
        Assert.Equal(10, ocrRow.FramesIn);
        Assert.Equal(ocrRow.FramesIn - ocrRow.Errors, ocrRow.FramesOut);
        Assert.Equal(2, ocrRow.Errors); // items 3 and 7
        Assert.Same(metrics.Stage("ocr").Metrics, ocrRow); // one row per name
        Assert.Matches(@"^ocr\s+10\s+\d+\s", Row(metrics, "ocr"));
    }

    [Fact]
    public void LatencyRecent_IsTheAverageOfTheLast100Items()
    {
        var stage = new AppStage(new NodeMetrics("work", "app"));
        var ms = Stopwatch.Frequency / 1000;
        for (var i = 0; i < 50; i++) stage.Record(10 * ms, failed: false);
        for (var i = 0; i < 100; i++) stage.Record(1 * ms, failed: false);

        Assert.Equal(1.0, stage.Metrics.LatencyRecent.TotalMilliseconds, 2);
        Assert.Equal(4.0, stage.Metrics.LatencyAverage.TotalMilliseconds, 2);
        Assert.Equal(10.0, stage.Metrics.LatencyMax.TotalMilliseconds, 2);
        Assert.Equal(150, stage.Metrics.FramesOut);
    }
}
