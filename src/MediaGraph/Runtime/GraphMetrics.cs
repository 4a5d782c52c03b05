using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace MediaGraph;

/// <summary>
/// Metrics of one graph run: the per-node <see cref="NodeMetrics"/>, wall time, and the summary a user of a video
/// pipeline expects. Also published through <see cref="System.Diagnostics.Metrics"/> (meter "MediaGraph").
/// </summary>
public sealed class GraphMetrics
{
    /// <summary>The meter's name for OpenTelemetry or dotnet-counters.</summary>
    public const string MeterName = "MediaGraph";
    private static readonly Meter Meter = new(MeterName, Diagnostics.Version);
    private static readonly List<NodeMetrics> Live = new();

    static GraphMetrics()
    {
        Meter.CreateObservableCounter("mediagraph.node.frames_in", () => Observe(m => m.FramesIn), "{frame}", "Items received by a node");
        Meter.CreateObservableCounter("mediagraph.node.frames_out", () => Observe(m => m.FramesOut), "{frame}", "Items emitted by a node");
        Meter.CreateObservableCounter("mediagraph.node.dropped", () => Observe(m => m.Dropped), "{frame}", "Items dropped on purpose");
        Meter.CreateObservableCounter("mediagraph.node.warnings", () => Observe(m => m.Warnings), "{warning}", "Recoverable problems");
        Meter.CreateObservableCounter("mediagraph.node.errors", () => Observe(m => m.Errors), "{error}", "Failures");
        Meter.CreateObservableCounter("mediagraph.node.busy_time", () => ObserveD(m => m.BusyTime.TotalSeconds), "s", "Time spent working");
        Meter.CreateObservableGauge("mediagraph.node.queue_depth", () => Observe(m => m.QueueDepth), "{frame}", "Items waiting on a node's inputs");
        Meter.CreateObservableCounter("mediagraph.node.bytes_uploaded", () => Observe(m => m.BytesUploaded), "By", "Host to device bytes");
        Meter.CreateObservableCounter("mediagraph.node.bytes_downloaded", () => Observe(m => m.BytesDownloaded), "By", "Device to host bytes");
    }

    private static IEnumerable<Measurement<long>> Observe(Func<NodeMetrics, long> value)
    {
        lock (Live) return Live.Select(m => new Measurement<long>(value(m), new KeyValuePair<string, object?>("node", m.Node), new KeyValuePair<string, object?>("kind", m.Kind))).ToArray();
    }

    private static IEnumerable<Measurement<double>> ObserveD(Func<NodeMetrics, double> value)
    {
        lock (Live) return Live.Select(m => new Measurement<double>(value(m), new KeyValuePair<string, object?>("node", m.Node))).ToArray();
    }

    private volatile NodeMetrics[] _nodes = [];
    private bool _unpublished;

    internal GraphMetrics() { }

    /// <summary>Adds the metrics of nodes that start (the first graph, then branches added while it runs).</summary>
    internal void Add(IReadOnlyList<NodeMetrics> nodes)
    {
        lock (Live)
        {
            _nodes = [.. _nodes, .. nodes];
            if (!_unpublished) Live.AddRange(nodes);
        }
    }

    /// <summary>The metrics of a run that ended before any of <paramref name="nodes"/> started (cancelled while its
    /// inputs were opened): each node listed with nothing counted, no wall time. Not published to the meter.</summary>
    internal static GraphMetrics NotStarted(IEnumerable<Node> nodes)
    {
        var metrics = new GraphMetrics { Elapsed = TimeSpan.Zero };
        metrics._unpublished = true;
        metrics._nodes = nodes.Select(n => new NodeMetrics(n.Name, n.Kind, n.Roles) { SubgraphPath = n.SubgraphPath }).ToArray();
        return metrics;
    }

    internal void Unpublish()
    {
        lock (Live)
        {
            _unpublished = true;
            foreach (var n in _nodes) Live.Remove(n);
        }
    }

    private readonly Dictionary<string, AppStage> _stages = new();

    /// <summary>
    /// The app stage called <paramref name="name"/> of this run (made on first use): a row of the summary that times
    /// an app's own per-item work (<see cref="AppStage.Begin"/>). The loop reading an <see cref="AppSink{T}"/> is one
    /// already, named after the sink ("sink0:app").
    /// </summary>
    public AppStage Stage(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_stages)
        {
            if (_stages.TryGetValue(name, out var stage)) return stage;
            stage = new AppStage(new NodeMetrics(name, "app"));
            _stages.Add(name, stage);
            Add([stage.Metrics]);
            return stage;
        }
    }

    /// <summary>One entry per node, in the order they started (graph order, then added branches), and one per app
    /// stage (<see cref="Stage"/>) from when it was first used.</summary>
    public IReadOnlyList<NodeMetrics> Nodes => _nodes;
    /// <summary>Duration of the longest input in seconds, NaN when unknown (set by the graph from its inputs).</summary>
    public double DurationSeconds { get; internal set; } = double.NaN;

    /// <summary>True when the run was stopped early with a drain (<c>Graph.StopAsync</c>): its outputs hold every frame
    /// decoded until then.</summary>
    public bool Stopped { get; internal set; }

    internal FlightBudget? Budget { get; init; }

    /// <summary>Bytes of frames and packets waiting on the run's edges now.</summary>
    public long BytesInFlight => Budget?.Bytes ?? 0;

    /// <summary>The most bytes of frames and packets that waited on the run's edges at once (bounded by
    /// <see cref="GraphOptions.MemoryBudget"/> plus one item per edge).</summary>
    public long PeakBytesInFlight => Budget?.Peak ?? 0;

    /// <summary>Wall time of the run so far (or in all, once it ended).</summary>
    public TimeSpan Elapsed { get; internal set; }

    /// <summary>The node called <paramref name="name"/>.</summary>
    /// <remarks>A node fused into a chain for the run is found under the chain's entry ("deinterlace0+scale0").</remarks>
    public NodeMetrics this[string name] => Nodes.FirstOrDefault(n => n.Node == name) ?? Nodes.FirstOrDefault(n => n.Node.Split('+').Contains(name)) ?? throw new KeyNotFoundException($"no node '{name}' in this run; nodes: {string.Join(", ", Nodes.Select(n => n.Node))}");

    /// <summary>The run's video frames, as the ffmpeg CLI counts them: frames encoded by the busiest video encoder,
    /// else frames out of the busiest video decoder, else the video frames or video packets (a stream copy) that the
    /// busiest output received. Packets are counted apart (<see cref="Packets"/>).</summary>
    public long Frames
    {
        get
        {
            // One source of truth per graph shape, so the count never jumps between sources during a run.
            var nodes = _nodes;
            long Max(NodeRoles role, Func<NodeMetrics, long> value) => nodes.Where(n => n.Roles.HasFlag(role)).Select(value).DefaultIfEmpty(0).Max();
            if (nodes.Any(n => n.Roles.HasFlag(NodeRoles.EncodesVideo))) return Max(NodeRoles.EncodesVideo, n => n.FramesIn);
            if (nodes.Any(n => n.Roles.HasFlag(NodeRoles.DecodesVideo))) return Max(NodeRoles.DecodesVideo, n => n.FramesOut);
            return Max(NodeRoles.Output, n => n.VideoFramesIn);
        }
    }

    /// <summary>Packets the outputs received (every stream; muxed, or handed to a packet sink).</summary>
    public long Packets => _nodes.Where(n => n.Roles.HasFlag(NodeRoles.Output)).Sum(n => n.PacketsIn);
    public long Warnings => Nodes.Sum(n => n.Warnings);
    public long Errors => Nodes.Sum(n => n.Errors);
    /// <summary>Frames per second of wall time.</summary>
    public double Fps => Elapsed.TotalSeconds > 0 ? Frames / Elapsed.TotalSeconds : 0;

    /// <summary>A table: per node (and app stage) items in/out, fps (out per second of the run; an output's: in), busy %,
    /// latency avg / of the last 100 / min-max, queue, dropped, warnings, errors.</summary>
    public string Summary()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var packets = Packets;
        sb.AppendLine(string.Create(ci, $"{Frames} frames in {Elapsed.TotalSeconds:0.00} s ({Fps:0.0} fps), {(packets > 0 ? $"{packets} packets written, " : "")}{Warnings} warnings, {Errors} errors"));
        sb.AppendLine(string.Create(ci, $"{"node",-16} {"in",8} {"out",8} {"fps",8} {"busy%",6} {"lat avg",9} {"last100",9} {"min-max ms",17} {"queue",5} {"drop",5} {"warn",5} {"err",4}"));
        foreach (var n in Nodes)
        {
            // An output emits nothing: its rate is what it takes in.
            var fps = Elapsed.TotalSeconds > 0 ? (n.Roles.HasFlag(NodeRoles.Output) ? n.FramesIn : n.FramesOut) / Elapsed.TotalSeconds : 0;
            var busy = Elapsed.TotalSeconds > 0 ? 100 * n.BusyTime.TotalSeconds / Elapsed.TotalSeconds : 0;
            sb.AppendLine(string.Create(ci,
                $"{n.Node,-16} {n.FramesIn,8} {n.FramesOut,8} {fps,8:0.0} {busy,6:0} {n.LatencyAverage.TotalMilliseconds,9:0.000} {n.LatencyRecent.TotalMilliseconds,9:0.000} {$"{n.LatencyMin.TotalMilliseconds:0.00}-{n.LatencyMax.TotalMilliseconds:0.00}",17} {n.QueueDepth,5} {n.Dropped,5} {n.Warnings,5} {n.Errors,4}"));
        }
        foreach (var n in Nodes)
            foreach (var s in n.Stages)
                sb.AppendLine(string.Create(ci,
                    $"{n.Node} {s.Name}: {s.Count} runs, {s.Items} {s.Unit} ({(s.Count > 0 ? (double)s.Items / s.Count : 0):0.0} a run), avg {s.Average.TotalMilliseconds:0.00} ms, recent-100 {s.Recent.TotalMilliseconds:0.00} ms, min-max {s.Min.TotalMilliseconds:0.00}-{s.Max.TotalMilliseconds:0.00} ms, {s.Errors} errors ({s.ErrorRate:0.0%})"));
        // A subgraph's share of the work: its nodes and their busy time together.
        foreach (var group in Nodes.Where(n => n.SubgraphPath is not null).GroupBy(n => n.SubgraphPath!.Split('/')[0]))
            sb.AppendLine(string.Create(ci, $"subgraph {group.Key}: {group.Count()} nodes ({string.Join(", ", group.Select(n => n.Node))}), busy {group.Sum(n => n.BusyTime.TotalSeconds):0.00} s"));
        foreach (var n in Nodes)
            if (n.Health is { } health)
                sb.AppendLine($"{n.Node}: {health}");
        // Every host<->device transfer is a number (DESIGN decision 4): one line per node that moved bytes.
        foreach (var n in Nodes)
            if (n.BytesUploaded > 0 || n.BytesDownloaded > 0)
                sb.AppendLine(string.Create(ci, $"{n.Node}: host->device {n.BytesUploaded} bytes, device->host {n.BytesDownloaded} bytes"));
        return sb.ToString();
    }
}
