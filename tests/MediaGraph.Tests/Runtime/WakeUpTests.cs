using Xunit;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>A node woken at a deadline with no input: a batch that goes out after its timeout.</summary>
public sealed class WakeUpTests
{
    [Theory(Timeout = 30000)]
    [InlineData(NodeThreading.Dedicated)]
    [InlineData(NodeThreading.Shared)]
    public async Task RequestWakeUp_NoMoreInput_TheNodeIsWokenAndEmitsItsPartialBatch(NodeThreading threading)
    {
        var graph = new Graph();
        var source = graph.AddVideoSource();
        // 1 s: long enough that a loaded machine writing the first four frames slowly cannot time a batch out early.
        var batch = graph.Add(new BatchNode(size: 4, timeout: TimeSpan.FromSeconds(1), threading));
        graph.Connect(source.Outputs[0], batch.Inputs[0]);
        var sink = graph.Sink(graph.Streams(batch).VideoOutput(0));
        var run = graph.RunAsync();
        var reading = sink.ReadAllAsync().GetAsyncEnumerator();

        for (var i = 0; i < 6; i++) await source.WriteAsync(TestFrames.Gray(i));
        var got = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(await reading.MoveNextAsync()); // the last 2 come only because the node was woken
            using (reading.Current) got.Add(reading.Current.Pts);
        }

        Assert.Equal([0, 1, 2, 3, 4, 5], got);
        Assert.Equal(1, batch.TimedOut);
        source.Complete();
        await reading.DisposeAsync();
        await run;
    }

    [Fact(Timeout = 30000)]
    public async Task RequestWakeUp_InASession_IsDueAfterItsTimeAndDeliveredOnRequest()
    {
        await using var session = NodeSession.Create(new BatchNode(size: 4, timeout: TimeSpan.FromMilliseconds(50), NodeThreading.Dedicated));
        Assert.Empty(await session.ProcessAsync(TestFrames.Gray(0)));
        Assert.False(session.WakeUpDue);

        await Task.Delay(120);

        Assert.True(session.WakeUpDue);
        var outputs = await session.WakeUpAsync();
        Assert.Single(outputs);
        outputs[0].Item.Dispose();
    }

    /// <summary>Holds items until it has <c>size</c> or the oldest waited <c>timeout</c>, then emits them all.</summary>
    private sealed class BatchNode : Node
    {
        private readonly int _size;
        private readonly TimeSpan _timeout;

        public BatchNode(int size, TimeSpan timeout, NodeThreading threading)
        {
            _size = size;
            _timeout = timeout;
            Threading = threading;
            AddInput(MediaKind.Video, "in");
            AddOutput(MediaKind.Video, "out");
        }

        public override string Kind => "test-batch";
        public override NodeThreading Threading { get; }
        public int TimedOut;

        protected internal override NodeInstance CreateInstance() => new Instance(this);

        private sealed class Instance(BatchNode node) : NodeInstance
        {
            private readonly List<MediaItem> _held = new();

            protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
            {
                if (_held.Count == 0) context.RequestWakeUp(node._timeout);
                _held.Add(item);
                if (_held.Count == node._size) await EmitAllAsync(context, cancellationToken);
            }

            protected internal override ValueTask OnWakeUpAsync(NodeContext context, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref node.TimedOut);
                return EmitAllAsync(context, cancellationToken);
            }

            protected internal override ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken) => EmitAllAsync(context, cancellationToken);

            private async ValueTask EmitAllAsync(NodeContext context, CancellationToken cancellationToken)
            {
                context.CancelWakeUp();
                foreach (var item in _held) await context.EmitAsync(0, item, cancellationToken);
                _held.Clear();
            }

            public override ValueTask DisposeAsync()
            {
                foreach (var item in _held) item.Dispose();
                _held.Clear();
                return default;
            }
        }
    }
}
