using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Frames;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>A pooled item released twice is caught, never silently taking another owner's reference.</summary>
public sealed class DoubleReleaseTests(ITestOutputHelper log)
{
    private const int Window = ItemPool<VideoFrame>.MinIdle;

    [Fact(Timeout = 10000)]
    public async Task Dispose_OfAPooledItemAlreadyReleased_ThrowsReleasedTwiceNamingTheTypeAndPts_AndChangesNothing()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var frame = pools.Video.Rent();
        frame.TimeBase = new Rational(1, 25);
        frame.Pts = 10;
        frame.Dispose();

        var e = Assert.Throws<ObjectDisposedException>(() => frame.Dispose());
        log.WriteLine(e.Message);
        Assert.Contains("released twice", e.Message);
        Assert.Contains("VideoFrame", e.Message);
        Assert.Contains("pts 0.400 s", e.Message);
        Assert.Equal(0, frame.ReferenceCount);
        Assert.Equal(1, pools.Video.IdleCount); // not returned a second time
    }

    [Fact(Timeout = 10000)]
    public async Task AddRef_OnAReleasedItem_ThrowsAndDoesNotReviveIt()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var packet = pools.Packets.Rent();
        packet.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => packet.AddRef());
        Assert.Contains("Packet", e.Message);
        Assert.Equal(0, packet.ReferenceCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => pools.Packets.Rent().AddRef(0));
    }

    [Fact(Timeout = 10000)]
    public async Task LateSecondRelease_WhileOtherItemsCirculate_IsCaughtForTheWholeIdleWindow()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var released = pools.Video.Rent();
        var generation = released.Generation;
        released.Dispose();

        // A pipeline goes on: Window more items are rented and released after it.
        for (var i = 0; i < Window; i++) pools.Video.Rent().Dispose();

        Assert.Equal(generation, released.Generation); // never handed out again in the meantime
        Assert.Throws<ObjectDisposedException>(() => released.Dispose());

        // Then reuse is first in, first out: the oldest idle item goes first.
        var next = pools.Video.Rent();
        Assert.Same(released, next);
        Assert.Equal(generation + 1, next.Generation);
        Assert.Equal(1, next.ReferenceCount);
        next.Dispose();
    }

    [Fact(Timeout = 10000)]
    public async Task SecondRelease_AfterTheItemWasHandedOutAgain_IsReportedWhenTheNewOwnerReleases()
    {
        // Past the idle window the stale release cannot be told from the new owner's: it takes the new owner's
        // reference. The new owner's own release then finds the item released and throws.
        await Task.Yield();
        using var pools = new RunPools();
        var stale = pools.Video.Rent();
        stale.Dispose();
        for (var i = 0; i < Window; i++) pools.Video.Rent().Dispose();
        var reused = pools.Video.Rent();
        Assert.Same(stale, reused);

        stale.Dispose(); // the bug: not caught here
        Assert.Throws<ObjectDisposedException>(() => reused.Dispose());
    }

    [Fact(Timeout = 10000)]
    public async Task Dispose_OfAnUnpooledItemAlreadyFreed_Throws()
    {
        await Task.Yield();
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Pts = 50;
        frame.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => frame.Dispose());
        Assert.Contains("pts 2.000 s", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task NodeThatDisposesWhatItEmitted_FailsTheRunNamingTheDoubleRelease()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var buggy = graph.Add(new EmitThenDisposeNode());
        graph.Connect(graph.Decode(input).Video.Port, buggy.Inputs[0]);
        var consumer = graph.Add(new ReleaseNode());
        graph.Connect(buggy.Outputs[0], consumer.Inputs[0]);

        // Whichever of the two releases of the third frame comes second fails: the buggy node's, or the consumer's.
        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());
        log.WriteLine(e.Message);
        Assert.Contains("VideoFrame", e.Message);
        Assert.Contains("released twice", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task NodeThatDisposesWhatItEmitted_WhileItWaitsInTheEdge_FailsNamingThatNode()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var buggy = graph.Add(new EmitThenDisposeNode());
        graph.Connect(graph.Decode(input).Video.Port, buggy.Inputs[0]);
        var slow = graph.Add(new ReleaseNode { Delay = TimeSpan.FromMilliseconds(100) }); // the third frame waits in the edge
        graph.Connect(buggy.Outputs[0], slow.Inputs[0]);

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Equal(buggy.Name, e.Node);
        Assert.Contains("released a VideoFrame after emitting it", e.Message);
    }

    /// <summary>A consumer that only releases what it gets (it touches no native frame, so the test cannot race
    /// FFmpeg on a frame the buggy node released).</summary>
    private sealed class ReleaseNode : Node
    {
        public ReleaseNode() => AddInput(MediaKind.Video, "in");
        public override string Kind => "release";
        public TimeSpan Delay { get; init; }
        protected internal override NodeInstance CreateInstance() => new Instance(Delay);

        private sealed class Instance(TimeSpan delay) : NodeInstance
        {
            protected internal override ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                item.Dispose();
                if (delay > TimeSpan.Zero) Thread.Sleep(delay);
                return default;
            }
        }
    }

    /// <summary>The realistic bug: disposing an item the node also emitted (here once, on the third frame, so the
    /// bad frame is the only one released early and the run's clean-up finds no other).</summary>
    private sealed class EmitThenDisposeNode : Node
    {
        public EmitThenDisposeNode()
        {
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "out");
        }

        public override string Kind => "emit-then-dispose";
        protected internal override NodeInstance CreateInstance() => new Instance();

        private sealed class Instance : NodeInstance
        {
            private int _count;

            protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                await context.EmitAsync(0, item, cancellationToken);
                if (++_count == 3) item.Dispose();
            }
        }
    }
}
