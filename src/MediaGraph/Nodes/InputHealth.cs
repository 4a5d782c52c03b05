namespace MediaGraph;

/// <summary>What happened to a live input's connection.</summary>
public enum InputHealthKind
{
    /// <summary>The input is open and delivering (at the start of the run).</summary>
    Connected,
    /// <summary>The input was lost: a read failed, timed out, or the live stream ended (<see cref="InputHealthEvent.Reason"/>).</summary>
    Disconnected,
    /// <summary>A reconnect attempt starts after <see cref="InputHealthEvent.Delay"/>.</summary>
    Reconnecting,
    /// <summary>The input is open again; timestamps continue where they stopped.</summary>
    Reconnected,
    /// <summary>Every allowed attempt failed (<see cref="DecodeOptions.ReconnectAttempts"/>): the run fails, naming the input.</summary>
    GaveUp,
}

/// <summary>One step in a live input's connection (<see cref="DemuxNode.HealthChanged"/>).</summary>
/// <param name="Node">The input's node name.</param>
/// <param name="Url">The input.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Time">When (UTC).</param>
/// <param name="Reason">Why the input was lost, or why the last attempt failed; null when nothing failed.</param>
/// <param name="Attempt">The reconnect attempt (1, 2, ...) for <see cref="InputHealthKind.Reconnecting"/>,
/// <see cref="InputHealthKind.Reconnected"/> and <see cref="InputHealthKind.GaveUp"/>; else 0.</param>
/// <param name="Delay">The wait before this attempt (<see cref="InputHealthKind.Reconnecting"/>), or how long the
/// input was gone (<see cref="InputHealthKind.Reconnected"/>, <see cref="InputHealthKind.GaveUp"/>).</param>
public sealed record InputHealthEvent(string Node, string Url, InputHealthKind Kind, DateTimeOffset Time, string? Reason = null, int Attempt = 0, TimeSpan Delay = default)
{
    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        InputHealthKind.Disconnected => $"{Node}: lost '{Url}': {Reason}",
        InputHealthKind.Reconnecting => $"{Node}: reconnecting to '{Url}' (attempt {Attempt}) in {Delay.TotalSeconds:0.###} s",
        InputHealthKind.Reconnected => $"{Node}: reconnected to '{Url}' (attempt {Attempt}) after {Delay.TotalSeconds:0.###} s",
        InputHealthKind.GaveUp => $"{Node}: gave up on '{Url}' after {Attempt} attempts ({Delay.TotalSeconds:0.###} s): {Reason}",
        _ => $"{Node}: connected to '{Url}'",
    };
}
