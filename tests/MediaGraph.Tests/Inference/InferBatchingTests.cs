using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>The inference node's batching: across streams, by size and by deadline, in order, one session per model.
/// The model is PP-OCR's small orientation classifier; a frame's result is its raw scores, and the oracle is the same
/// frame run alone.</summary>
public sealed class InferBatchingTests(ITestOutputHelper log)
{
    /// <summary>The model's raw output for one frame.</summary>
    private sealed record Scores(float[] Values);

    private static InferenceModel NewModel() => new(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(),
        PostProcessor.From((outputs, _) => new Scores(outputs.Image(0).ToArray())), new InferenceOptions { IntraOpThreads = 1 });

    private static VideoFrame MakeFrame(int stream, int index) => StreamFrames.Make(stream, index);

    /// <summary>The frame's scores when it runs alone (batch 1).</summary>
    private static async Task<float[]> AloneAsync(InferenceModel model, int stream, int index)
    {
        await using var session = NodeSession.Create(new InferNode(model));
        var outputs = await session.ProcessAsync(MakeFrame(stream, index));
        using var frame = (VideoFrame)Assert.Single(outputs);
        Assert.True(frame.Metadata.TryGet<Scores>(out var scores));
        return scores.Values;
    }

    [Fact]
    public async Task Infer_ThreeStreamsBatchFour_EveryResultOnItsOwnFrameInPtsOrder()
    {
        using var model = NewModel();
        int[] counts = [7, 5, 3];
        var graph = new Graph();
        var sources = counts.Select(_ => graph.AddVideoSource()).ToArray();
        var outputs = graph.Infer(model, new InferOptions { BatchSize = 4, MaxDelay = TimeSpan.FromMilliseconds(20) },
            sources.Select(s => (VideoStream)s.Stream(graph)).ToArray());
        var sinks = outputs.Select(o => graph.Sink(o, capacity: 16)).ToArray();
        var run = graph.RunAsync();
        var reads = sinks.Select(async (sink, s) =>
        {
            var got = new List<(long Pts, float[] Scores)>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                {
                    Assert.True(frame.Metadata.TryGet<Scores>(out var scores), $"stream {s} pts {frame.Pts} has no result");
                    got.Add((frame.Pts, scores.Values));
                }
            return got;
        }).ToArray();
        for (var i = 0; i < counts.Max(); i++)
            for (var s = 0; s < 3; s++)
                if (i < counts[s]) await sources[s].WriteAsync(MakeFrame(s, i));
        foreach (var source in sources) source.Complete();
        var metrics = await run;
        for (var s = 0; s < 3; s++)
        {
            var got = await reads[s];
            Assert.Equal(Enumerable.Range(0, counts[s]).Select(i => (long)i), got.Select(g => g.Pts));
            for (var i = 0; i < counts[s]; i++)
            {
                var alone = await AloneAsync(model, s, i);
                Assert.Equal(alone.Length, got[i].Scores.Length);
                for (var k = 0; k < alone.Length; k++) Assert.Equal(alone[k], got[i].Scores[k], 3);
            }
        }
        var stage = metrics.Nodes.Single(n => n.Kind == "infer").Stages.First(s => s.Name.StartsWith("inference"));
        log.WriteLine(metrics.Summary());
        Assert.Equal(15, stage.Items);
        Assert.True(stage.Count < 15, $"frames were batched: {stage.Count} runs for 15 frames");
        Assert.Equal(1, model.SessionsCreated);
    }

    [Fact]
    public async Task Infer_StalledStream_OthersComeOutAfterTheDeadlineWithoutIt()
    {
        using var model = NewModel();
        var graph = new Graph();
        var sources = Enumerable.Range(0, 3).Select(_ => graph.AddVideoSource()).ToArray();
        var outputs = graph.Infer(model, new InferOptions { BatchSize = 4, MaxDelay = TimeSpan.FromMilliseconds(20) },
            sources.Select(s => (VideoStream)s.Stream(graph)).ToArray());
        var sinks = outputs.Select(o => graph.Sink(o)).ToArray();
        var run = graph.RunAsync();
        await using var first = sinks[0].ReadAllAsync().GetAsyncEnumerator();
        await using var second = sinks[1].ReadAllAsync().GetAsyncEnumerator();
        await using var third = sinks[2].ReadAllAsync().GetAsyncEnumerator();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // A first round from every stream, so the run has started and made its buffers.
        for (var s = 0; s < 3; s++) await sources[s].WriteAsync(MakeFrame(s, 0));
        foreach (var reader in new[] { first, second, third })
        {
            Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(timeout.Token));
            reader.Current.Dispose();
        }
        var written = Stopwatch.StartNew();
        await sources[0].WriteAsync(MakeFrame(0, 1));
        await sources[1].WriteAsync(MakeFrame(1, 1));
        // Stream 2 sends nothing and stays open; the batch of 2 never fills, so only the deadline lets it go.
        Assert.True(await first.MoveNextAsync().AsTask().WaitAsync(timeout.Token));
        Assert.True(await second.MoveNextAsync().AsTask().WaitAsync(timeout.Token));
        log.WriteLine($"both results {written.Elapsed.TotalMilliseconds:0} ms after the frames were written (deadline 20 ms)");
        Assert.True(first.Current.Metadata.TryGet<Scores>(out _));
        Assert.True(second.Current.Metadata.TryGet<Scores>(out _));
        first.Current.Dispose();
        second.Current.Dispose();
        foreach (var source in sources) source.Complete();
        Assert.False(await first.MoveNextAsync());
        Assert.False(await second.MoveNextAsync());
        Assert.False(await third.MoveNextAsync());
        var metrics = await run;
        var stage = metrics.Nodes.Single(n => n.Kind == "infer").Stages.First(s => s.Name.StartsWith("inference"));
        Assert.Equal(2, stage.Count); // the first round (3 frames), then the 2 frames the deadline let go
        Assert.Equal(5, stage.Items);
    }

    [Fact]
    public async Task Infer_PartialBatch_WaitsForItsDeadlineThenRuns()
    {
        using var model = NewModel();
        await using var session = NodeSession.Create(new InferNode(model, new InferOptions { BatchSize = 4, MaxDelay = TimeSpan.FromMilliseconds(50) }));
        Assert.Empty(await session.ProcessAsync(MakeFrame(0, 0)));
        Assert.Empty(await session.ProcessAsync(MakeFrame(0, 1)));
        Assert.False(session.WakeUpDue);
        await Task.Delay(80);
        Assert.True(session.WakeUpDue);
        var outputs = await session.WakeUpAsync();
        Assert.Equal([0L, 1L], outputs.Select(o => o.Item.Pts));
        foreach (var o in outputs)
        {
            Assert.True(o.Item.Metadata.TryGet<Scores>(out _));
            o.Item.Dispose();
        }
    }

    [Fact]
    public async Task Infer_OverlappingRuns_ResultsStillInOrder()
    {
        using var model = NewModel();
        await using var session = NodeSession.Create(new InferNode(model, new InferOptions { BatchSize = 2, ParallelRuns = 3 }));
        var got = new List<MediaItem>();
        for (var i = 0; i < 12; i++) got.AddRange(await session.ProcessAsync(MakeFrame(0, i)));
        got.AddRange(await session.FlushAsync());
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), got.Select(f => f.Pts));
        for (var i = 0; i < 12; i++)
        {
            Assert.True(got[i].Metadata.TryGet<Scores>(out var scores));
            Assert.Equal(await AloneAsync(model, 0, i), scores.Values);
            got[i].Dispose();
        }
    }

    [Fact]
    public async Task InferenceModel_TwoGraphsAtOnce_OneSessionBothCorrect()
    {
        using var model = NewModel();
        var clip = await TestMedia.TinyAsync(20);
        async Task<List<string>> RunOneAsync()
        {
            var graph = new Graph();
            var sink = graph.Sink(graph.Decode(clip).Video.Infer(model, new InferOptions { BatchSize = 3 }));
            var results = new List<string>();
            await foreach (var frame in sink.ReadAllAsync())
                using (frame)
                {
                    Assert.True(frame.Metadata.TryGet<Scores>(out var scores));
                    results.Add($"{frame.Pts}:{string.Join(",", scores.Values.Select(v => v.ToString("0.000")))}");
                }
            return results;
        }
        var both = await Task.WhenAll(RunOneAsync(), RunOneAsync());
        Assert.Equal(20, both[0].Count);
        Assert.Equal(both[0], both[1]);
        Assert.Equal(1, model.SessionsCreated);
    }
}
