using System.Diagnostics;
using MediaGraph.Interop;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Contracts;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>
/// What every node kind promises, checked the same way for each (STYLE.md section 6: one abstract test class run
/// for every kind; a <see cref="NodeCase"/> says how to build one kind). Every node: completes on a real clip with
/// every frame; runs again on the same graph with the same result; when a neighbour fails, the run throws that
/// neighbour's fault, not one blamed on this node; stops promptly when the run is cancelled. Kinds with a failure of
/// their own also derive <see cref="NodeFaultContractTests{TCase}"/>; one-input video kinds
/// <see cref="NodeSessionContractTests{TCase}"/> and <see cref="NodeSessionHandleContractTests{TCase}"/>; every kind
/// <see cref="NodeHandleContractTests{TCase}"/> (the handle counts are process-wide, so those run alone).
/// The cases keep to the stable builder surface (Decode, Scale, Deinterlace, Filter, Encode, Sink, AddVideoSource,
/// NodeSession.ForVideo, RunAsync) so the node-model work underneath can change freely.
/// </summary>
public abstract class NodeContractTests<TCase>(ITestOutputHelper log) where TCase : NodeCase, new()
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(3);

    protected TCase Case { get; } = new();
    protected ITestOutputHelper Log { get; } = log;

    [Fact(Timeout = 60000)]
    public async Task Run_OnARealClip_CompletesWithEveryFrame()
    {
        var graph = new Graph();
        var setup = Case.Build(graph, new Feed(TestMedia.CityCC0, 190), TestMedia.OutputFolder());
        Assert.Equal(Case.Kind, setup.Node.Kind);

        var run = graph.RunAsync();
        var outcome = setup.Outcome(run);
        var metrics = await run;
        var frames = await outcome;

        var node = metrics[setup.Node.Name];
        Log.WriteLine($"{setup.Node}: {node.FramesIn} in, {node.FramesOut} out, {node.Errors} errors; {frames} frames at the end");
        Assert.Equal(Case.ExpectedFrames(190), frames);
        Assert.Equal(0, node.Errors);
        Assert.Equal(0, metrics.Errors);
        Assert.True(node.FramesIn > 0 || node.FramesOut > 0, $"{setup.Node} moved nothing");
    }

    /// <summary>A graph is a blueprint: each run gets fresh node state, so a second run gives what the first gave.</summary>
    [Fact(Timeout = 60000)]
    public async Task Run_TwiceOnTheSameGraph_GivesEveryFrameBothTimes()
    {
        var graph = new Graph();
        var setup = Case.Build(graph, new Feed(await TestMedia.TinyAsync(), 10), TestMedia.OutputFolder());

        var counts = new List<(long Frames, long NodeIn, long NodeOut)>();
        for (var i = 0; i < 2; i++)
        {
            var run = graph.RunAsync();
            var outcome = setup.Outcome(run);
            var metrics = await run;
            var node = metrics[setup.Node.Name];
            counts.Add((await outcome, node.FramesIn, node.FramesOut));
        }

        Log.WriteLine($"{setup.Node}: (frames at the end, in, out) first run {counts[0]}, second run {counts[1]}");
        Assert.Equal(Case.ExpectedFrames(10), counts[0].Frames);
        Assert.Equal(counts[0], counts[1]);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_WhenANeighbourFails_ThrowsTheNeighboursFaultNotOneNamingThisNode()
    {
        var neighbour = new PassThroughNode { FailAt = 3 };
        var graph = new Graph();
        var setup = Case.Build(graph, new Feed(await TestMedia.TinyAsync(), 10, neighbour), TestMedia.OutputFolder());

        var run = graph.RunAsync();
        var outcome = setup.Outcome(run);
        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => run);
        await Contract.EndsWithin(outcome, TimeSpan.FromSeconds(10), "the app's side of the run");

        Log.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.Equal(neighbour.Name, e.Node);
        Assert.IsType<InvalidOperationException>(e.InnerException);
        Assert.Equal(0, graph.Metrics![setup.Node.Name].Errors);
    }

    [Fact(Timeout = 60000)]
    public async Task Run_CancelledWhileItRuns_ThrowsOperationCanceledPromptly()
    {
        var neighbour = new PassThroughNode { Delay = TimeSpan.FromMilliseconds(30) }; // 190 frames: ~6 s
        var graph = new Graph();
        var setup = Case.Build(graph, new Feed(TestMedia.CityCC0, 190, neighbour), TestMedia.OutputFolder());
        using var cancel = new CancellationTokenSource();

        var run = graph.RunAsync(cancel.Token);
        var outcome = setup.Outcome(run);
        await Task.Delay(400);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var latency = clock.Elapsed;
        await Contract.EndsWithin(outcome, TimeSpan.FromSeconds(10), "the app's side of the run");

        var node = graph.Metrics![setup.Node.Name];
        Log.WriteLine($"threw {e.GetType().Name} {latency.TotalMilliseconds:0} ms after the cancel; {setup.Node} had {node.FramesIn} in, {node.FramesOut} out");
        Assert.Equal(cancel.Token, e.CancellationToken);
        Assert.True(latency < Prompt, $"RunAsync took {latency.TotalMilliseconds:0} ms to throw after the cancel");
        Assert.True(Math.Max(node.FramesIn, node.FramesOut) < 190, "the run was over before the cancel: the test cancelled nothing");
    }
}

internal static class Contract
{
    /// <summary>Asserts that <paramref name="task"/> (the app's side of a run that has ended) ends too, however.</summary>
    public static async Task EndsWithin(Task task, TimeSpan limit, string what)
    {
        var ended = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(ended == task, $"{what} did not end within {limit.TotalSeconds:0} s of the run");
        try { await task; } catch { /* how it ended is the test's business, not that it ended */ }
    }
}

/// <summary>Kinds with a failure of their own (a bad option, an input they cannot take): the run throws one
/// <see cref="MediaGraphException"/> that names the node and carries the reason.</summary>
public abstract class NodeFaultContractTests<TCase>(ITestOutputHelper log) where TCase : NodeCase, IFaultingCase, new()
{
    [Fact(Timeout = 60000)]
    public async Task Run_WithItsOwnFailure_ThrowsOneExceptionNamingThisNodeAndTheReason()
    {
        var @case = new TCase();
        var graph = new Graph();
        var setup = await @case.BuildFaultyAsync(graph, TestMedia.OutputFolder());
        Assert.Equal(@case.Kind, setup.Node.Kind);

        var run = graph.RunAsync();
        var outcome = setup.Outcome(run);
        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => run);
        await Contract.EndsWithin(outcome, TimeSpan.FromSeconds(10), "the app's side of the run");

        log.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.IsNotType<GraphValidationException>(e); // a failure while running, not a problem found before
        Assert.Equal(setup.Node.Name, e.Node);
        Assert.StartsWith($"{setup.Node.Name}: ", e.Message);
        Assert.Contains(@case.Reason, e.Message);
    }
}

/// <summary>One-input video kinds called frame by frame through <see cref="NodeSession"/> give what a graph run
/// gives: the same frames (MD5 of the planes) with the same timestamps, the last ones at the flush.</summary>
public abstract class NodeSessionContractTests<TCase>(ITestOutputHelper log) where TCase : OneInputCase, new()
{
    [Fact(Timeout = 60000)]
    public async Task Session_FrameByFrame_GivesTheFramesOfAGraphRun()
    {
        var @case = new TCase();
        var clip = await Nodes.DeinterlaceOracleTests.InterlacedAsync(); // 12 frames; a deinterlacer holds one back until the flush
        var expected = await FrameOracle.MediaGraphAsync(g => @case.Apply(g.Decode(clip).Video));

        var actual = new List<OracleFrame>();
        await using (var session = NodeSession.ForVideo(v => @case.Apply(v)))
        {
            Assert.Equal(@case.Kind, session.Node.Kind);
            var reader = new Graph();
            var frames = reader.Sink(reader.Decode(clip).Video);
            var run = reader.RunAsync();
            await foreach (var frame in frames.ReadAllAsync())
                foreach (var output in await session.ProcessAsync(frame)) // the session owns the frame from here
                    using (output) actual.Add(FrameOracle.Describe((VideoFrame)output));
            await run;
            foreach (var output in await session.FlushAsync())
                using (output) actual.Add(FrameOracle.Describe((VideoFrame)output));
            Assert.Equal(12, session.Metrics.FramesIn);
            Assert.Equal(expected.Count, session.Metrics.FramesOut);
        }

        log.WriteLine($"{@case.Kind}: graph {expected.Count} frames, session {actual.Count}");
        Assert.Equal(12, expected.Count);
        Assert.Equal(expected, actual);
    }
}

/// <summary>After a run that completed, failed next to the node or was cancelled, every item is back in its pool and
/// freed with it, and the node left no native handle (FFmpeg context, frame, packet) open: the shim's live-handle
/// count is what it was before, read before any garbage collection so that nothing is left to finalizers. Runs in
/// the serial collection: the count is process-wide.</summary>
[Collection(SerialCollection.Name)]
public abstract class NodeHandleContractTests<TCase>(ITestOutputHelper log) where TCase : NodeCase, new()
{
    [Theory(Timeout = 60000)]
    [InlineData("completes")]
    [InlineData("fails next to the node")]
    [InlineData("is cancelled")]
    public async Task Run_ThatEndsAnyWay_ReturnsEveryItemAndLeavesNoNativeHandle(string ending)
    {
        var @case = new TCase();
        var input = await TestMedia.TinyAsync();
        var neighbour = ending switch
        {
            "fails next to the node" => new PassThroughNode { FailAt = 3 },
            "is cancelled" => new PassThroughNode { Delay = TimeSpan.FromMilliseconds(100) },
            _ => null,
        };
        var graph = new Graph();
        var setup = @case.Build(graph, new Feed(input, 10, neighbour), TestMedia.OutputFolder());
        using var cancel = new CancellationTokenSource();
        if (ending == "is cancelled") cancel.CancelAfter(TimeSpan.FromMilliseconds(350));
        Settle();
        var before = NativeMethods.mg_live_handles();

        var run = graph.RunAsync(cancel.Token);
        var outcome = setup.Outcome(run);
        try { await run; }
        catch (Exception e) when (ending != "completes" && e is MediaGraphException or OperationCanceledException) { }
        await Contract.EndsWithin(outcome, TimeSpan.FromSeconds(10), "the app's side of the run");
        var after = NativeMethods.mg_live_handles();

        var node = graph.Metrics![setup.Node.Name];
        log.WriteLine($"{setup.Node} {ending}: {node.FramesIn} in, {node.FramesOut} out; native handles before {before}, after {after}");
        if (ending == "is cancelled") Assert.True(run.IsCanceled, $"the run was not cancelled but {run.Status}");
        if (ending == "fails next to the node") Assert.True(run.IsFaulted, $"the run did not fail but {run.Status}");
        Assert.Equal(before, after);
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}

/// <summary>A <see cref="NodeSession"/> disposed with frames still inside its node (a deinterlacer's look-ahead, a
/// filter graph's queue), without a flush, frees them and its FFmpeg state: the live-handle count is back where it
/// was. Serial, like <see cref="NodeHandleContractTests{TCase}"/>.</summary>
[Collection(SerialCollection.Name)]
public abstract class NodeSessionHandleContractTests<TCase>(ITestOutputHelper log) where TCase : OneInputCase, new()
{
    [Theory(Timeout = 60000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Session_DisposedWithOrWithoutAFlush_LeavesNoNativeHandle(bool flush)
    {
        var @case = new TCase();
        var clip = await Nodes.DeinterlaceOracleTests.InterlacedAsync();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = NativeMethods.mg_live_handles();
        long inside;

        var reader = new Graph();
        var frames = reader.Sink(reader.Decode(clip).Video);
        var run = reader.RunAsync();
        var input = new List<VideoFrame>();
        await foreach (var frame in frames.ReadAllAsync())
            if (input.Count < 5) input.Add(frame);
            else frame.Dispose();
        await run; // the reader graph is gone; the five frames it gave are ours
        await using (var session = NodeSession.ForVideo(v => @case.Apply(v)))
        {
            foreach (var frame in input)
                foreach (var output in await session.ProcessAsync(frame)) output.Dispose(); // the session owns the frame
            if (flush)
                foreach (var output in await session.FlushAsync()) output.Dispose();
            inside = NativeMethods.mg_live_handles() - before; // the session's own: its FFmpeg state, frames it holds
        }
        var after = NativeMethods.mg_live_handles();

        log.WriteLine($"{@case.Kind} session, {(flush ? "flushed" : "not flushed")}: {inside} native handles while open; before {before}, after {after}");
        Assert.True(inside > 0, "the session held no native handle: the count cannot tell anything");
        Assert.Equal(before, after);
    }
}

// ---- the kinds ----

public sealed class ScaleNodeContract(ITestOutputHelper log) : NodeContractTests<ScaleCase>(log);
public sealed class ScaleNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<ScaleCase>(log);
public sealed class ScaleNodeSessionContract(ITestOutputHelper log) : NodeSessionContractTests<ScaleCase>(log);
[Collection(SerialCollection.Name)] public sealed class ScaleNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<ScaleCase>(log);
[Collection(SerialCollection.Name)] public sealed class ScaleNodeSessionHandleContract(ITestOutputHelper log) : NodeSessionHandleContractTests<ScaleCase>(log);

public sealed class DeinterlaceNodeContract(ITestOutputHelper log) : NodeContractTests<DeinterlaceCase>(log);
public sealed class DeinterlaceNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<DeinterlaceCase>(log);
public sealed class DeinterlaceNodeSessionContract(ITestOutputHelper log) : NodeSessionContractTests<DeinterlaceCase>(log);
[Collection(SerialCollection.Name)] public sealed class DeinterlaceNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<DeinterlaceCase>(log);
[Collection(SerialCollection.Name)] public sealed class DeinterlaceNodeSessionHandleContract(ITestOutputHelper log) : NodeSessionHandleContractTests<DeinterlaceCase>(log);

public sealed class FpsNodeContract(ITestOutputHelper log) : NodeContractTests<FpsCase>(log);
public sealed class FpsNodeSessionContract(ITestOutputHelper log) : NodeSessionContractTests<FpsCase>(log);
[Collection(SerialCollection.Name)] public sealed class FpsNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<FpsCase>(log);
[Collection(SerialCollection.Name)] public sealed class FpsNodeSessionHandleContract(ITestOutputHelper log) : NodeSessionHandleContractTests<FpsCase>(log);

public sealed class FilterNodeContract(ITestOutputHelper log) : NodeContractTests<FilterCase>(log);
public sealed class FilterNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<FilterCase>(log);
public sealed class FilterNodeSessionContract(ITestOutputHelper log) : NodeSessionContractTests<FilterCase>(log);
[Collection(SerialCollection.Name)] public sealed class FilterNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<FilterCase>(log);
[Collection(SerialCollection.Name)] public sealed class FilterNodeSessionHandleContract(ITestOutputHelper log) : NodeSessionHandleContractTests<FilterCase>(log);

public sealed class OverlayNodeContract(ITestOutputHelper log) : NodeContractTests<OverlayCase>(log);
public sealed class OverlayNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<OverlayCase>(log);
[Collection(SerialCollection.Name)] public sealed class OverlayNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<OverlayCase>(log);

public sealed class DecodeNodeContract(ITestOutputHelper log) : NodeContractTests<DecodeCase>(log);
public sealed class DecodeNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<DecodeCase>(log);
[Collection(SerialCollection.Name)] public sealed class DecodeNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<DecodeCase>(log);

public sealed class EncodeNodeContract(ITestOutputHelper log) : NodeContractTests<EncodeCase>(log);
public sealed class EncodeNodeFaultContract(ITestOutputHelper log) : NodeFaultContractTests<EncodeCase>(log);
[Collection(SerialCollection.Name)] public sealed class EncodeNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<EncodeCase>(log);

public sealed class AppSinkNodeContract(ITestOutputHelper log) : NodeContractTests<AppSinkCase>(log);
[Collection(SerialCollection.Name)] public sealed class AppSinkNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<AppSinkCase>(log);

public sealed class AppSourceNodeContract(ITestOutputHelper log) : NodeContractTests<AppSourceCase>(log);
[Collection(SerialCollection.Name)] public sealed class AppSourceNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<AppSourceCase>(log);

public sealed class InferNodeContract(ITestOutputHelper log) : NodeContractTests<InferCase>(log);
public sealed class InferNodeSessionContract(ITestOutputHelper log) : NodeSessionContractTests<InferCase>(log);
[Collection(SerialCollection.Name)] public sealed class InferNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<InferCase>(log);
[Collection(SerialCollection.Name)] public sealed class InferNodeSessionHandleContract(ITestOutputHelper log) : NodeSessionHandleContractTests<InferCase>(log);

public sealed class JsonLinesNodeContract(ITestOutputHelper log) : NodeContractTests<JsonLinesCase>(log);
[Collection(SerialCollection.Name)] public sealed class JsonLinesNodeHandleContract(ITestOutputHelper log) : NodeHandleContractTests<JsonLinesCase>(log);
