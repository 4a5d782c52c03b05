using Xunit;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>How many model runs the Infer node keeps in flight: by default one at a time while nothing queues
/// (latency), overlapping up to one per core once frames queue behind it (throughput); an explicit
/// <see cref="InferOptions.ParallelRuns"/> is kept. The model is PP-OCR's small orientation classifier; the
/// post-processor (which runs with its run, on the run's thread) counts how many runs are under way at once and takes
/// 30 ms, so that overlapping runs do overlap.</summary>
public sealed class InferParallelRunsTests
{
    private sealed record Seen(long Order);

    /// <summary>Counts runs under way at once (<see cref="Peak"/>) and stamps each result with the order it finished.</summary>
    private sealed class Overlap
    {
        private int _now, _finished;
        public int Peak;

        public object Process()
        {
            var now = Interlocked.Increment(ref _now);
            int peak;
            while ((peak = Volatile.Read(ref Peak)) < now && Interlocked.CompareExchange(ref Peak, now, peak) != peak) { }
            Thread.Sleep(30);
            Interlocked.Decrement(ref _now);
            return new Seen(Interlocked.Increment(ref _finished));
        }
    }

    private static InferenceModel NewModel(Overlap overlap) => new(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(),
        PostProcessor.From((_, _) => overlap.Process()), new InferenceOptions { IntraOpThreads = 1, Provider = ExecutionProviderChoice.Cpu });

    private static VideoFrame MakeFrame(int index)
    {
        var frame = VideoFrame.Allocate(96, 48, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Pts = index;
        frame.Duration = 1;
        frame.FrameRate = new Rational(25, 1);
        frame.GetPlaneSpan(0).Fill((byte)(16 + index));
        frame.GetPlaneSpan(1).Fill(128);
        frame.GetPlaneSpan(2).Fill(128);
        return frame;
    }

    /// <summary>Writes <paramref name="count"/> frames as fast as the graph takes them (they queue behind the Infer
    /// node) and returns the pts in the order they came out, each checked to carry its result.</summary>
    private static async Task<List<long>> RunQueuedAsync(InferenceModel model, InferOptions? options, int count)
    {
        var graph = new Graph();
        var source = graph.AddVideoSource(capacity: count);
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).Infer(model, options), capacity: count);
        var run = graph.RunAsync();
        for (var i = 0; i < count; i++) await source.WriteAsync(MakeFrame(i));
        source.Complete();
        var pts = new List<long>();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.True(frame.Metadata.TryGet<Seen>(out _), $"pts {frame.Pts} has no result");
                pts.Add(frame.Pts);
            }
        await run;
        return pts;
    }

    [Fact]
    public async Task Infer_Default_FramesQueued_OverlapsRunsUpToOnePerCoreResultsInOrder()
    {
        var overlap = new Overlap();
        using var model = NewModel(overlap);
        var pts = await RunQueuedAsync(model, options: null, count: 12);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), pts);
        Assert.Equal(Environment.ProcessorCount, model.AutomaticParallelRuns);
        if (Environment.ProcessorCount >= 2) Assert.True(overlap.Peak >= 2, $"at most {overlap.Peak} run(s) at once with frames queued on {Environment.ProcessorCount} cores");
        Assert.True(overlap.Peak <= Environment.ProcessorCount, $"{overlap.Peak} runs at once on {Environment.ProcessorCount} cores");
    }

    [Fact]
    public async Task Infer_DefaultThreads_FramesQueued_OverlappingRunsShareTheOneSessionWithTheSameResults()
    {
        var overlap = new Overlap();
        var scores = new System.Collections.Concurrent.ConcurrentDictionary<long, float[]>();
        using var model = new InferenceModel(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(),
            PostProcessor.From((outputs, _) => { overlap.Process(); return outputs.Image(0).ToArray(); }),
            new InferenceOptions { Provider = ExecutionProviderChoice.Cpu }); // IntraOpThreads 0: one thread a run on the CPU
        var graph = new Graph();
        var source = graph.AddVideoSource(capacity: 10);
        var sink = graph.Sink(((VideoStream)source.Stream(graph)).Infer(model), capacity: 10);
        var run = graph.RunAsync();
        for (var i = 0; i < 10; i++) await source.WriteAsync(MakeFrame(i));
        source.Complete();
        await foreach (var frame in sink.ReadAllAsync())
            using (frame)
            {
                Assert.True(frame.Metadata.TryGet<float[]>(out var values), $"pts {frame.Pts} has no result");
                scores[frame.Pts] = values;
            }
        await run;
        Assert.Equal(10, scores.Count);
        var cores = Environment.ProcessorCount;
        Assert.Equal(1, model.SessionsCreated); // overlapping runs share the one session
        // The oracle: each frame alone through the same session (nothing overlapping).
        await using var alone = NodeSession.Create(new InferNode(model));
        for (var i = 0; i < 10; i++)
        {
            using var frame = (VideoFrame)Assert.Single(await alone.ProcessAsync(MakeFrame(i)));
            Assert.True(frame.Metadata.TryGet<float[]>(out var expected));
            Assert.Equal(expected.Length, scores[i].Length);
            for (var k = 0; k < expected.Length; k++) Assert.Equal(expected[k], scores[i][k], 4);
        }
    }

    [Fact]
    public async Task Infer_ParallelRunsOne_FramesQueued_RunsOneAtATime()
    {
        var overlap = new Overlap();
        using var model = NewModel(overlap);
        var pts = await RunQueuedAsync(model, new InferOptions { ParallelRuns = 1 }, count: 8);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), pts);
        Assert.Equal(1, overlap.Peak);
    }

    [Fact]
    public async Task Infer_Default_NothingQueued_RunsTheFrameAtOnce()
    {
        var overlap = new Overlap();
        using var model = NewModel(overlap);
        await using var session = NodeSession.Create(new InferNode(model));
        for (var i = 0; i < 3; i++)
        {
            // Nothing waits behind the frame: it runs on the node's own thread and leaves with its result at once.
            using var frame = (VideoFrame)Assert.Single(await session.ProcessAsync(MakeFrame(i)));
            Assert.Equal(i, frame.Pts);
            Assert.True(frame.Metadata.TryGet<Seen>(out _));
        }
        Assert.Equal(1, overlap.Peak);
    }

    [Fact]
    public void InferOptions_ParallelRuns_DefaultsToAutomaticAndRefusesNegative()
    {
        Assert.Equal(0, new InferOptions().ParallelRuns);
        Assert.Throws<ArgumentOutOfRangeException>(() => new InferOptions { ParallelRuns = -1 });
    }
}
