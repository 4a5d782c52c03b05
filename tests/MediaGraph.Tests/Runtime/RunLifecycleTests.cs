using Xunit;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>How <see cref="Graph.RunAsync"/> starts: at once, once at a time, and where node loops run.</summary>
public sealed class RunLifecycleTests
{
    [Fact(Timeout = 30000)]
    public async Task RunAsync_InvalidGraph_ReturnsATaskThatFailsInsteadOfThrowingOnTheCallersThread()
    {
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "x.mkv"), graph.Decode("/nonexistent/in.mp4").Video);

        var run = graph.RunAsync(); // validation happens off this thread: no throw here

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => run);
        Assert.Contains("in.mp4", e.Message);
    }

    [Fact(Timeout = 30000)]
    public async Task RunAsync_WhileTheGraphRuns_IsRefusedWithAClearMessage()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        graph.Sink((VideoStream)source.Stream(graph));
        var run = graph.RunAsync();

        var e = Assert.Throws<InvalidOperationException>(() => { _ = graph.RunAsync(); }); // on the caller's thread, at once

        Assert.Contains("already running", e.Message);
        source.Complete();
        await run;
    }

    [Fact(Timeout = 30000)]
    public async Task NodeLoop_DedicatedNode_RunsEveryItemOnOneThreadOfItsOwnOutsideThePool()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var probe = graph.Add(new ThreadProbeNode(NodeThreading.Dedicated));
        graph.Connect(source.Outputs[0], probe.Inputs[0]);
        graph.Sink(graph.Streams(probe).VideoOutput(0), capacity: 64);
        var run = graph.RunAsync();
        for (var i = 0; i < 20; i++) await source.WriteAsync(TestFrames.Gray(i));
        source.Complete();
        await run;

        Assert.Equal(20, probe.Threads.Count);
        Assert.Single(probe.Threads.Distinct());
        Assert.All(probe.Pooled, Assert.False);
    }

    [Fact(Timeout = 30000)]
    public async Task NodeLoop_SharedNode_RunsOnThePool()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        var probe = graph.Add(new ThreadProbeNode(NodeThreading.Shared));
        graph.Connect(source.Outputs[0], probe.Inputs[0]);
        graph.Sink(graph.Streams(probe).VideoOutput(0), capacity: 64);
        var run = graph.RunAsync();
        for (var i = 0; i < 5; i++) await source.WriteAsync(TestFrames.Gray(i));
        source.Complete();
        await run;

        Assert.Equal(5, probe.Pooled.Count);
        Assert.All(probe.Pooled, Assert.True);
    }

    [Fact(Timeout = 30000)]
    public async Task DropOldestInput_SlowConsumer_KeepsTheLatestFramesAndCountsTheDropped()
    {
        var graph = new Graph();
        var source = graph.AddVideoSource(capacity: 64);
        var slow = graph.Add(new PassThroughNode { Delay = TimeSpan.FromMilliseconds(20) });
        graph.Connect(source.Outputs[0], slow.Inputs[0]);
        slow.Inputs[0].Capacity = 2;
        slow.Inputs[0].DropOldest = true;
        var sink = graph.Sink(graph.Streams(slow).VideoOutput(0), capacity: 64);
        var run = graph.RunAsync();
        for (var i = 0; i < 40; i++) await source.WriteAsync(TestFrames.Gray(i));
        source.Complete();
        var received = new List<long>();
        await foreach (var frame in sink.ReadAllAsync()) using (frame) received.Add(frame.Pts);
        var metrics = await run;

        var dropped = metrics[slow.Name].Dropped;
        Assert.True(dropped > 0, "a consumer that cannot keep up should have lost the oldest frames");
        Assert.Equal(40, received.Count + dropped);
        Assert.Equal(39, received[^1]); // the latest frame always arrives
        Assert.Equal(received.Order().ToList(), received);
    }

    /// <summary>Records, per item, the thread its instance ran on.</summary>
    private sealed class ThreadProbeNode : Node
    {
        public ThreadProbeNode(NodeThreading threading)
        {
            Threading = threading;
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "out");
        }

        public override string Kind => "thread-probe";
        public override NodeThreading Threading { get; }
        public List<int> Threads { get; } = new();
        public List<bool> Pooled { get; } = new();

        protected internal override NodeInstance CreateInstance() => new Instance(this);

        private sealed class Instance(ThreadProbeNode node) : NodeInstance
        {
            protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                node.Threads.Add(Environment.CurrentManagedThreadId);
                node.Pooled.Add(Thread.CurrentThread.IsThreadPoolThread);
                return context.EmitAsync(0, item, cancellationToken);
            }
        }
    }
}

/// <summary>What a run leaves behind: nothing that ticks.</summary>
[Collection(SerialCollection.Name)]
public sealed class RunLeftoverTests
{
    [Fact(Timeout = 60000)]
    public async Task RunAsync_CancelledWithProgressReporting_LeavesNoTimerBehind()
    {
        var input = await TestMedia.TinyAsync(frames: 50);
        // Timer.ActiveCount is process-wide: earlier tests' timers may expire meanwhile, never start (this class runs
        // alone). Twenty runs that each left a 30 s hard-stop timer would outnumber what expires in these seconds.
        var before = Timer.ActiveCount;
        for (var i = 0; i < 20; i++)
        {
            var graph = new Graph(new GraphOptions
            {
                Progress = new Progress<GraphProgress>(_ => { }),
                ProgressInterval = TimeSpan.FromMilliseconds(10),
                CancelGracePeriod = TimeSpan.FromSeconds(30), // a pending hard-stop timer when the run ends
            });
            var slow = graph.Add(new PassThroughNode { Delay = TimeSpan.FromMilliseconds(5) });
            graph.Connect(graph.Decode(input).Video.Port, slow.Inputs[0]);
            graph.Sink(graph.Streams(slow).VideoOutput(0), capacity: 64);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => graph.RunAsync(cancel.Token));
        }

        var after = Timer.ActiveCount;
        Assert.True(after <= before, $"{after - before} more timers after 20 runs than before");
    }
}
