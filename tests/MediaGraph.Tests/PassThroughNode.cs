namespace MediaGraph.Tests;

/// <summary>A custom node for tests: emits every item it receives unchanged; optionally fails on item
/// <see cref="FailAt"/> (1-based) or waits <see cref="Delay"/> per item.</summary>
public sealed class PassThroughNode : Node
{
    public PassThroughNode(MediaKind kind = MediaKind.Video)
    {
        AddInput(kind, "in");
        AddOutput(kind, "out");
    }

    public override string Kind => "passthrough";

    /// <summary>Throw an <see cref="InvalidOperationException"/> on this item (1-based); 0 never.</summary>
    public int FailAt { get; init; }

    public TimeSpan Delay { get; init; }

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(PassThroughNode node) : NodeInstance
    {
        private int _count;

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            if (++_count == node.FailAt)
            {
                item.Dispose();
                throw new InvalidOperationException($"the test node refuses item {_count}");
            }
            if (node.Delay > TimeSpan.Zero)
            {
                try { await Task.Delay(node.Delay, cancellationToken); }
                catch { item.Dispose(); throw; } // the instance owns the item until it emits it
            }
            await context.EmitAsync(0, item, cancellationToken);
        }
    }
}
