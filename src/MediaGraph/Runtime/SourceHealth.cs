using System.Globalization;

namespace MediaGraph;

/// <summary>
/// The connection health of a source that reads from something that can go away (a camera, a stream, a broker):
/// whether it is connected now, how often it lost and regained its input, how many frames the outages are estimated
/// to have cost, and when the last item arrived. Kept by the source (<see cref="NodeMetrics.TrackHealth"/>), read at any
/// time; shown in <see cref="GraphMetrics.Summary"/> under the node.
/// </summary>
public sealed class SourceHealth
{
    private int _connected;
    private long _disconnects, _reconnects, _lost, _lastItemTicks;

    /// <summary>True while the source has its input open and reading.</summary>
    public bool Connected => Volatile.Read(ref _connected) != 0;
    /// <summary>Times the input was lost (a read failed, timed out or ended while live).</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);
    /// <summary>Times the input was opened again after being lost.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);
    /// <summary>Frames estimated lost to outages: each outage's length times the stream's frame rate, plus the packets
    /// skipped after a reconnect until the first key frame.</summary>
    public long FramesLostEstimate => Interlocked.Read(ref _lost);
    /// <summary>When the source last emitted an item (UTC), or null before the first.</summary>
    public DateTimeOffset? LastItemTime
    {
        get
        {
            var t = Interlocked.Read(ref _lastItemTicks);
            return t == 0 ? null : new DateTimeOffset(t, TimeSpan.Zero);
        }
    }

    /// <summary>The source has its input (again).</summary>
    public void SetConnected(bool reconnect)
    {
        if (reconnect) Interlocked.Increment(ref _reconnects);
        Volatile.Write(ref _connected, 1);
    }

    /// <summary>The source lost its input.</summary>
    public void SetDisconnected()
    {
        if (Interlocked.Exchange(ref _connected, 0) != 0) Interlocked.Increment(ref _disconnects);
    }

    /// <summary>Adds <paramref name="frames"/> to <see cref="FramesLostEstimate"/>.</summary>
    public void CountLost(long frames) => Interlocked.Add(ref _lost, Math.Max(0, frames));

    /// <summary>An item went out now.</summary>
    public void ItemEmitted() => Interlocked.Exchange(ref _lastItemTicks, DateTime.UtcNow.Ticks);

    /// <summary>"connected, 1 reconnect (1 disconnect), ~75 frames lost, last item 0.04 s ago".</summary>
    public override string ToString()
    {
        var last = LastItemTime is { } t ? string.Create(CultureInfo.InvariantCulture, $"last item {(DateTimeOffset.UtcNow - t).TotalSeconds:0.00} s ago") : "no item yet";
        return string.Create(CultureInfo.InvariantCulture,
            $"{(Connected ? "connected" : "disconnected")}, {Reconnects} reconnects ({Disconnects} disconnects), ~{FramesLostEstimate} frames lost, {last}");
    }
}
