namespace MediaGraph;

/// <summary>
/// What an edge does when its consumer falls behind and the edge is full. Chosen by the producing output
/// (<see cref="OutputPort.Policy"/>; a live input sets it on its decoded streams from
/// <see cref="DecodeOptions.EdgePolicy"/>), so the runtime applies it without knowing what the producer is.
/// </summary>
public enum EdgePolicy
{
    /// <summary>The producer waits for room (backpressure): nothing is ever lost. Files, and the default.</summary>
    Block,
    /// <summary>The edge holds one item: a new item replaces the one waiting, which goes back to its pool and is
    /// counted in the producer's <see cref="NodeMetrics.Dropped"/>. The consumer always gets the newest frame and
    /// never falls behind a live camera.</summary>
    KeepLatest,
    /// <summary>The edge keeps its capacity and, when full, drops its oldest item for the new one (counted in the
    /// producer's <see cref="NodeMetrics.Dropped"/>): a short queue smooths bursts, and a slow consumer costs the
    /// oldest frames instead of pausing the producer.</summary>
    DropOldest,
}
