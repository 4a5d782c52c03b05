namespace MediaGraph;

/// <summary>
/// The running side of a node: made fresh for each run by <see cref="Node"/>, never re-entered. The runtime reads
/// the inputs, counts metrics and handles completion, faults and cancellation; an instance only reacts:
/// <list type="bullet">
/// <item><see cref="StartAsync"/> once before any item;</item>
/// <item><see cref="ProcessAsync"/> for each item (the instance owns it: emit it or dispose it);</item>
/// <item><see cref="OnWakeUpAsync"/> when a wake-up asked for with <see cref="NodeContext.RequestWakeUp"/> is due;</item>
/// <item><see cref="EndOfInputAsync"/> when one input ends, <see cref="FinishAsync"/> when all have (flush here);</item>
/// <item><see cref="RunSourceAsync"/> instead of all that for a node without inputs;</item>
/// <item><see cref="DisposeAsync"/> always, last, also after a fault or cancellation (finalise outputs here).</item>
/// </list>
/// </summary>
public abstract class NodeInstance : IAsyncDisposable
{
    protected internal virtual ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken) => default;

    protected internal virtual ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{GetType().Name} takes no input");

    protected internal virtual ValueTask EndOfInputAsync(NodeContext context, int input, CancellationToken cancellationToken) => default;

    /// <summary>A wake-up requested with <see cref="NodeContext.RequestWakeUp"/> is due (between items, never
    /// re-entering the node). Emit what was waiting for the deadline here.</summary>
    protected internal virtual ValueTask OnWakeUpAsync(NodeContext context, CancellationToken cancellationToken) => default;

    protected internal virtual ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken) => default;

    /// <summary>For sources: produce until the input ends, <see cref="NodeContext.StopRequested"/> fires or every
    /// output is closed.</summary>
    protected internal virtual Task RunSourceAsync(NodeContext context, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{GetType().Name} is not a source");

    /// <summary>For nodes with several inputs: whether the node needs input <paramref name="input"/> now. The runtime
    /// reads wanted inputs first and leaves the others' edges full (backpressure) until they are wanted, so a node
    /// that consumes its inputs one after another (concat) does not queue a whole second input. Default: all wanted.</summary>
    protected internal virtual bool IsInputWanted(int input) => true;

    public virtual ValueTask DisposeAsync() => default;
}
