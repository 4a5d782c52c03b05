using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Live counters of one node in one run: items in and out, busy time (time spent working, not waiting on a full
/// edge), per-item latency (avg, recent, min, max), queue depth, dropped items, warnings and errors, bytes moved
/// between host and device, and the stream position it reached. Updated by the runtime; read at any time.
/// </summary>
public sealed class NodeMetrics
{
    private long _in, _out, _videoIn, _packetsIn, _dropped, _warnings, _errors, _busyTicks, _blockedTicks, _upload, _download;
    private LatencyWindow _latency; // written by the node's own loop only (never re-entered), read racily by observers
    private double _positionSeconds = double.NaN;
    private Func<int>? _queueDepth;

    internal NodeMetrics(string node, string kind, NodeRoles roles = NodeRoles.None)
    {
        Node = node;
        Kind = kind;
        Roles = roles;
    }

    /// <summary>What the node is to the run (output, video decoder, video encoder), as it declared.</summary>
    public NodeRoles Roles { get; }

    /// <summary>The node's name in the graph.</summary>
    public string Node { get; }
    /// <summary>The subgraph the node belongs to ("logo", "outer/inner"), or null.</summary>
    public string? SubgraphPath { get; init; }
    /// <summary>The node's kind ("decode", "scale", "encode" ...): a label for people and metric tags.</summary>
    public string Kind { get; }
    public long FramesIn => Interlocked.Read(ref _in);
    public long FramesOut => Interlocked.Read(ref _out);
    /// <summary>Items a node discarded on purpose (a live edge dropping the oldest frame, say).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);
    /// <summary>Recoverable problems (damaged packets skipped by a decoder, say).</summary>
    public long Warnings => Interlocked.Read(ref _warnings);
    /// <summary>Failures that stopped the node (0 or 1).</summary>
    public long Errors => Interlocked.Read(ref _errors);
    public long BytesUploaded => Interlocked.Read(ref _upload);
    public long BytesDownloaded => Interlocked.Read(ref _download);
    /// <summary>Time the node spent working (excluding waits on full output edges).</summary>
    public TimeSpan BusyTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _busyTicks));
    /// <summary>Time the node spent waiting for a full output edge to drain (backpressure).</summary>
    public TimeSpan BlockedTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _blockedTicks));
    /// <summary>Items waiting on the node's inputs now.</summary>
    public int QueueDepth => _queueDepth?.Invoke() ?? 0;
    /// <summary>Position (seconds) of the last item the node handled.</summary>
    public double PositionSeconds => Volatile.Read(ref _positionSeconds);

    public TimeSpan LatencyAverage => _latency.Average;
    /// <summary>Average latency of the last 100 items (fewer at the start).</summary>
    public TimeSpan LatencyRecent => _latency.Recent;
    public TimeSpan LatencyMin => _latency.Min;
    public TimeSpan LatencyMax => _latency.Max;

    /// <summary>Counts one item in, and apart from the rest the video frames and the packets it is (a stream copy's
    /// muxer gets packets of every stream; only its video packets are frames).</summary>
    internal void CountIn(MediaItem item)
    {
        Interlocked.Increment(ref _in);
        switch (item)
        {
            case VideoFrame:
                Interlocked.Increment(ref _videoIn);
                break;
            case Packet packet:
                Interlocked.Increment(ref _packetsIn);
                if (packet.ParametersOrNull?.Description.Kind == MediaKind.Video) Interlocked.Increment(ref _videoIn);
                break;
        }
    }

    /// <summary>Video frames (or video packets, one a frame) among <see cref="FramesIn"/>.</summary>
    public long VideoFramesIn => Interlocked.Read(ref _videoIn);

    /// <summary>Compressed packets among <see cref="FramesIn"/> (any stream).</summary>
    public long PacketsIn => Interlocked.Read(ref _packetsIn);
    internal void CountOut() => Interlocked.Increment(ref _out);
    public void CountDropped(long n = 1) => Interlocked.Add(ref _dropped, n);
    public void CountWarning() => Interlocked.Increment(ref _warnings);
    internal void CountError() => Interlocked.Increment(ref _errors);
    /// <summary>Counts bytes copied from host to device.</summary>
    public void CountUpload(long bytes) => Interlocked.Add(ref _upload, bytes);
    /// <summary>Counts bytes copied from device to host.</summary>
    public void CountDownload(long bytes) => Interlocked.Add(ref _download, bytes);
    internal void AddBlocked(long ticks) => Interlocked.Add(ref _blockedTicks, ticks);
    internal void SetQueueDepth(Func<int> depth) => _queueDepth = depth;

    internal void SetPosition(MediaItem item)
    {
        // The furthest end of an item so far: packets come in decode order, so the last one is not always the latest,
        // and the end (pts + duration) of the latest one reaches the input's duration.
        if (item.Pts == Timestamp.None || !item.TimeBase.IsValid) return;
        var end = (item.Pts + Math.Max(0, item.Duration)) * item.TimeBase.ToDouble();
        var current = Volatile.Read(ref _positionSeconds);
        if (double.IsNaN(current) || end > current) Volatile.Write(ref _positionSeconds, end);
    }

    /// <summary>Records one item's processing time (ticks), excluding backpressure waits.</summary>
    internal void AddWork(long ticks)
    {
        if (ticks < 0) ticks = 0;
        Interlocked.Add(ref _busyTicks, ticks);
        _latency.Record(ticks);
    }

    /// <summary>Counts one item in that is not a media item (an app stage's unit of work).</summary>
    internal void CountIn() => Interlocked.Increment(ref _in);

    private volatile StageMetrics[] _stages = [];

    /// <summary>Steps inside the node timed apart from its items (an inference node's model runs).</summary>
    public IReadOnlyList<StageMetrics> Stages => _stages;

    /// <summary>Adds a step timed apart from items (<see cref="StageMetrics"/>), shown under the node in the summary.</summary>
    public StageMetrics AddStage(string name, string unit = "frames")
    {
        var stage = new StageMetrics(name, unit);
        lock (this) _stages = [.. _stages, stage];
        return stage;
    }

    private SourceHealth? _health;

    /// <summary>The connection health of a source that can lose its input (a live camera), or null for nodes that
    /// do not report one.</summary>
    public SourceHealth? Health => _health;

    /// <summary>Starts reporting connection health for this node (a source that can lose its input) and returns it.</summary>
    public SourceHealth TrackHealth()
    {
        Interlocked.CompareExchange(ref _health, new SourceHealth(), null);
        return _health!;
    }

    /// <summary>Adds busy time that belongs to no single item (flushing at the end).</summary>
    internal void AddBusy(long ticks) => Interlocked.Add(ref _busyTicks, Math.Max(0, ticks));
}
