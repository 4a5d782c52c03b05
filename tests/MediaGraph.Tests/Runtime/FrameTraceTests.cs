using System.Text;
using System.Text.Json;
using MediaGraph.Tests.Cli;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph;

/// <summary>The frame timeline (<see cref="FrameTrace"/>): Chrome trace-event JSON of every item's passage through
/// every node, off by default and allocation-free per frame.</summary>
public sealed class FrameTraceTests(ITestOutputHelper log)
{
    /// <summary>source → pass-through → sink: three nodes, <paramref name="frames"/> frames.</summary>
    internal static (Graph Graph, PassThroughNode Pass) ThreeNodes(int frames, GraphOptions options, TimeSpan sinkDelay = default)
    {
        var graph = new Graph(options);
        var source = graph.Add(new GrayFramesSource(frames) { Name = "source" });
        var pass = graph.Add(new PassThroughNode { Name = "pass" });
        var sink = graph.Add(new ReleasingSink { Name = "sink", Delay = sinkDelay });
        graph.Connect(source.Outputs[0], pass.Inputs[0]);
        graph.Connect(pass.Outputs[0], sink.Inputs[0]);
        return (graph, pass);
    }

    private static async Task<string> TraceOfAsync(int frames, int maxEvents = 32_768, TimeSpan sinkDelay = default)
    {
        var stream = new MemoryStream();
        var trace = new FrameTrace(stream) { MaxEventsPerNode = maxEvents };
        await ThreeNodes(frames, new GraphOptions { Trace = trace, ChannelCapacity = 4 }, sinkDelay).Graph.RunAsync();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<JsonElement> Events(string json, string ph, long? tid = null)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == ph && (tid is null || e.GetProperty("tid").GetInt64() == tid))
            .Select(e => e.Clone()).ToList();
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_OfAThreeNodeRun_IsValidTraceEventJsonNamingEveryNode()
    {
        var json = await TraceOfAsync(20);

        var threads = TraceEventSchema.Validate(json);
        log.WriteLine(string.Join(", ", threads.Select(t => $"{t.Key}={t.Value}")));
        Assert.Equal(3, threads.Count);
        Assert.Contains(threads.Values, n => n.StartsWith("source", StringComparison.Ordinal));
        Assert.Contains(threads.Values, n => n.StartsWith("pass", StringComparison.Ordinal));
        Assert.Contains(threads.Values, n => n.StartsWith("sink", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_RecordsEveryItemAtEveryNode_WithItsPtsStreamQueueWaitAndDevice()
    {
        var json = await TraceOfAsync(20);

        var threads = TraceEventSchema.Validate(json);
        foreach (var (tid, name) in threads)
        {
            var work = Events(json, "X", tid).Where(e => e.GetProperty("name").GetString() == "video frame").ToList();
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), work.Select(e => e.GetProperty("args").GetProperty("pts").GetInt64()));
            Assert.All(work, e => Assert.Equal("cpu", e.GetProperty("args").GetProperty("device").GetString()));
            if (name.StartsWith("source", StringComparison.Ordinal))
            {
                Assert.All(work, e => Assert.Equal("produce", e.GetProperty("cat").GetString()));
                Assert.All(work, e => Assert.Equal("source.video", e.GetProperty("args").GetProperty("stream").GetString()));
                continue;
            }
            var from = name.StartsWith("pass", StringComparison.Ordinal) ? "source.video" : "pass.out";
            Assert.All(work, e => Assert.Equal(from, e.GetProperty("args").GetProperty("stream").GetString()));
            Assert.All(work, e => Assert.True(e.GetProperty("args").GetProperty("queue_us").GetDouble() >= 0));
        }
        // Each item that crossed an edge is one flow: 20 into pass, 20 into sink.
        Assert.Equal(40, Events(json, "s").Count);
        Assert.Equal(40, Events(json, "f").Count);
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_ItemsWaitingBehindASlowNode_ShowTheirQueueWait()
    {
        var json = await TraceOfAsync(12, sinkDelay: TimeSpan.FromMilliseconds(20));

        var threads = TraceEventSchema.Validate(json);
        var sink = threads.Single(t => t.Value.StartsWith("sink", StringComparison.Ordinal)).Key;
        var waits = Events(json, "X", sink).Where(e => e.GetProperty("cat").GetString() == "process")
            .Select(e => e.GetProperty("args").GetProperty("queue_us").GetDouble()).ToList();
        log.WriteLine("sink queue waits (µs): " + string.Join(", ", waits.Select(w => w.ToString("0"))));
        // The sink takes 20 ms an item while the source is instant: the last items queued for several items' time.
        Assert.True(waits.Max() > 40_000, $"longest queue wait {waits.Max():0} µs");
        Assert.True(Events(json, "X", sink).All(e => e.GetProperty("dur").GetDouble() >= 15_000 || e.GetProperty("cat").GetString() != "process"));
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_OverItsBound_KeepsTheLatestEventsAndSaysHowManyItDropped()
    {
        var stream = new MemoryStream();
        var trace = new FrameTrace(stream) { MaxEventsPerNode = 8 };
        await ThreeNodes(30, new GraphOptions { Trace = trace }).Graph.RunAsync();
        var json = Encoding.UTF8.GetString(stream.ToArray());

        TraceEventSchema.Validate(json);
        var dropped = Events(json, "i");
        Assert.Equal(3, dropped.Count);
        Assert.All(dropped, e => Assert.Equal("trace events dropped", e.GetProperty("name").GetString()));
        Assert.True(trace.Dropped >= 3 * 22, $"{trace.Dropped} dropped");
        // The latest are kept: the pass-through node's last frame is there, its first is not.
        var pts = Events(json, "X").Where(e => e.GetProperty("args").TryGetProperty("pts", out _)).Select(e => e.GetProperty("args").GetProperty("pts").GetInt64()).ToList();
        Assert.Contains(29L, pts);
        Assert.DoesNotContain(0L, pts);
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_NodeAndStreamNamesThatNeedEscaping_StayValidJsonAndReadBackAsGiven()
    {
        var stream = new MemoryStream();
        var graph = new Graph(new GraphOptions { Trace = new FrameTrace(stream) });
        var source = graph.Add(new GrayFramesSource(3) { Name = "cam \"north\" \\ é" });
        var sink = graph.Add(new ReleasingSink { Name = "sink\t<1>" });
        graph.Connect(source.Outputs[0], sink.Inputs[0]);

        await graph.RunAsync();

        var json = Encoding.UTF8.GetString(stream.ToArray());
        var threads = TraceEventSchema.Validate(json);
        Assert.Contains("cam \"north\" \\ é (gray-source)", threads.Values);
        Assert.Contains("sink\t<1> (releasing-sink)", threads.Values);
        Assert.All(Events(json, "X", threads.Single(t => t.Value.StartsWith("sink", StringComparison.Ordinal)).Key)
            .Where(e => e.GetProperty("cat").GetString() == "process"),
            e => Assert.Equal("cam \"north\" \\ é.video", e.GetProperty("args").GetProperty("stream").GetString()));
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_Off_IsTheDefaultAndWritesNothing()
    {
        var options = new GraphOptions();
        Assert.Null(options.Trace);
        var metrics = await ThreeNodes(5, options).Graph.RunAsync();
        Assert.Equal(5, metrics.Nodes.Single(n => n.Node == "sink").FramesIn);
    }

    [Fact(Timeout = 30000)]
    public async Task Trace_ToAPathThatCannotBeWritten_FailsTheRunBeforeAnyFrameNamingThePath()
    {
        var file = Path.Combine(TestMedia.OutputFolder(), "a-file");
        await File.WriteAllTextAsync(file, "");
        var path = Path.Combine(file, "trace.json"); // under a file: not a folder
        var (graph, _) = ThreeNodes(5, new GraphOptions { Trace = new FrameTrace(path) });

        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Contains(path, e.Message);
        Assert.Contains("trace", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Trace_OfATranscode_FollowsEachFrameFromDecoderToEncoder()
    {
        var input = await TestMedia.TinyAsync(10);
        var folder = TestMedia.OutputFolder();
        var tracePath = Path.Combine(folder, "trace.json");
        var graph = new Graph(new GraphOptions { Trace = new FrameTrace(tracePath), FuseFilters = false });
        graph.Encode(Path.Combine(folder, "out.mkv"), graph.Decode(input).Video.Scale(32, 24), null, new EncodeOptions { VideoCodec = "ffv1" });

        await graph.RunAsync();

        var json = await File.ReadAllTextAsync(tracePath);
        var threads = TraceEventSchema.Validate(json);
        log.WriteLine(string.Join(", ", threads.Values));
        Assert.Equal(graph.Nodes.Count, threads.Count); // demux, decode, scale, encode, mux
        var scale = threads.Single(t => t.Value.Contains("(scale)", StringComparison.Ordinal)).Key;
        var encode = threads.Single(t => t.Value.Contains("(encode-video)", StringComparison.Ordinal)).Key;
        Assert.Equal(10, Events(json, "X", scale).Count(e => e.GetProperty("name").GetString() == "video frame"));
        Assert.Equal(10, Events(json, "X", encode).Count(e => e.GetProperty("name").GetString() == "video frame"));
        Assert.Contains(Events(json, "X", encode), e => e.GetProperty("name").GetString() == "flush");
        // Every frame the encoder took came on a flow out of the scaler's work.
        var scaleFlows = Events(json, "s", scale).Select(e => e.GetProperty("id").GetInt64()).ToHashSet();
        Assert.All(Events(json, "f", encode), f => Assert.Contains(f.GetProperty("id").GetInt64(), scaleFlows));
    }

    [Fact(Timeout = 60000)]
    public async Task Cli_TranscodeWithTrace_WritesAValidTimeline()
    {
        var input = await CliTestMedia.ClipAsync();
        var folder = CliTestMedia.NewFolder();
        var trace = Path.Combine(folder, "trace.json");

        var result = await CliTestMedia.RunAsync("transcode", input, Path.Combine(folder, "out.mp4"), "--scale", "80x60", "--preset", "ultrafast", "--trace", trace);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("trace:", result.Error);
        var threads = TraceEventSchema.Validate(await File.ReadAllTextAsync(trace));
        Assert.Contains(threads.Values, n => n.Contains("(encode-video)", StringComparison.Ordinal));
    }

}

[Collection(SerialCollection.Name)]
public sealed class FrameTraceAllocationTests(ITestOutputHelper log)
{
    /// <summary>Recording writes into the rings made when the run starts: a long traced run allocates no more per
    /// frame than a short one (the rings are kept small here, so writing the file costs the same for both).</summary>
    [OptimizedBuildFact(Timeout = 120000)]
    public async Task Trace_OnOrOff_AllocatesNothingPerFrame()
    {
        async Task<long> AllocatedAsync(int frames, bool traced)
        {
            var least = long.MaxValue;
            for (var run = 0; run < 4; run++)
            {
                var options = new GraphOptions { Trace = traced ? new FrameTrace(Stream.Null) { MaxEventsPerNode = 64 } : null };
                var (graph, _) = FrameTraceTests.ThreeNodes(frames, options);
                var before = GC.GetTotalAllocatedBytes(precise: true);
                await graph.RunAsync();
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - before;
                if (run > 0) least = Math.Min(least, bytes);
            }
            return least;
        }

        foreach (var traced in new[] { false, true })
        {
            var few = await AllocatedAsync(100, traced);
            var many = await AllocatedAsync(3100, traced);
            var perFrame = (many - few) / 3000.0;
            log.WriteLine($"trace {(traced ? "on" : "off")}: 100 frames {few} B, 3100 frames {many} B, {perFrame:0.0} B per extra frame");
            Assert.True(perFrame < 32, $"trace {(traced ? "on" : "off")}: {perFrame:0.0} B allocated per frame");
        }
    }
}

/// <summary>Emits <c>frames</c> small gray frames, pts 0, 1, 2 ... (time base 1/25), as fast as the graph takes them.</summary>
internal sealed class GrayFramesSource : Node
{
    public GrayFramesSource(int frames)
    {
        Frames = frames;
        AddOutput(MediaKind.Video, "video");
    }

    public int Frames { get; }
    public override string Kind => "gray-source";

    protected internal override NodeInstance CreateInstance() => new Instance(Frames);

    private sealed class Instance(int frames) : NodeInstance
    {
        protected internal override async Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        {
            for (var i = 0; i < frames && !context.StopRequested.IsCancellationRequested; i++)
            {
                var frame = context.RentVideoFrame();
                frame.Pts = i;
                frame.Duration = 1;
                frame.TimeBase = new Rational(1, 25);
                await context.EmitAsync(0, frame, cancellationToken);
            }
        }
    }
}

/// <summary>Releases every frame it receives, after <see cref="Delay"/>.</summary>
internal sealed class ReleasingSink : Node
{
    public ReleasingSink() => AddInput(MediaKind.Video, "in");

    public TimeSpan Delay { get; init; }
    public override string Kind => "releasing-sink";

    protected internal override NodeInstance CreateInstance() => new Instance(Delay);

    private sealed class Instance(TimeSpan delay) : NodeInstance
    {
        protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            if (delay > TimeSpan.Zero) Thread.Sleep(delay);
            item.Dispose();
            return default;
        }
    }
}
