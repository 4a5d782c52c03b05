using System.Diagnostics;
using System.Text.Json;

namespace MediaGraph;

/// <summary>What a node was doing in one traced piece of work.</summary>
internal enum TraceWork : byte
{
    /// <summary>One input item (<see cref="NodeInstance.ProcessAsync"/>).</summary>
    Item,
    /// <summary>A source producing one item: from its previous emit's return to this one's.</summary>
    Produce,
    WakeUp,
    EndOfInput,
    Flush,
}

/// <summary>One piece of work of one node, as recorded on its loop (Stopwatch ticks).</summary>
internal struct TraceEvent
{
    public long Start, End, Blocked;
    /// <summary>When the item entered the node's input edge (0: no edge).</summary>
    public long Enqueued;
    /// <summary>The item's number on its edge (1, 2 ...; 0: none): with <see cref="Edge"/>, the flow that joins the
    /// producer's work to this.</summary>
    public long Sequence;
    public long Pts;
    public Rational TimeBase;
    /// <summary>The input edge's trace id, or -1.</summary>
    public int Edge;
    /// <summary>The output a source emitted on, or the input an end of input is for.</summary>
    public short Port;
    public TraceWork Work;
    /// <summary>What the item was: 'v' video frame, 'a' audio frame, 'p' packet, 0 none.</summary>
    public byte Item;
    public bool OnDevice;
    public bool Failed;

    public static byte KindOf(MediaItem item) => item switch
    {
        VideoFrame => (byte)'v',
        AudioFrame => (byte)'a',
        Packet => (byte)'p',
        _ => (byte)'?',
    };
}

/// <summary>One node's events: a ring allocated when the node joins the run, written only by the node's own loop
/// (never re-entered), so recording takes no lock and allocates nothing; read when the run has ended.</summary>
internal sealed class NodeTrace(Node node, int tid, int capacity)
{
    private readonly TraceEvent[] _events = GC.AllocateUninitializedArray<TraceEvent>(capacity);
    private long _written;

    public Node Node { get; } = node;
    public int Tid { get; } = tid;

    public void Record(in TraceEvent e)
    {
        var n = _written;
        _events[(int)(n % _events.Length)] = e;
        Volatile.Write(ref _written, n + 1);
    }

    /// <summary>Events written, and how many of them the ring no longer holds.</summary>
    public long Written => Volatile.Read(ref _written);
    public long Dropped => Math.Max(0, Written - _events.Length);

    /// <summary>The events still held, oldest first.</summary>
    public IEnumerable<TraceEvent> Held()
    {
        var written = Written;
        for (var i = Math.Max(0, written - _events.Length); i < written; i++) yield return _events[(int)(i % _events.Length)];
    }
}

/// <summary>
/// The run's frame timeline (<see cref="FrameTrace"/>): a ring per node and the edges' names, written as Chrome
/// trace-event JSON when the run ends. Each node is a thread (tid = its order in the run, named by an "M" event),
/// each piece of work a complete event, and each item that crossed an edge a flow ("s" inside the producer's work
/// that emitted it, "f" inside the consumer's work on it).
/// </summary>
internal sealed class TraceRecorder(FrameTrace trace, Stream output, string device)
{
    private const int Pid = 1;
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly List<NodeTrace> _nodes = new();
    private readonly Dictionary<Node, NodeTrace> _byNode = new();
    private readonly List<(OutputPort From, InputPort To)> _edges = new();
    private string[]? _edgeNames; // "decode0.video" by edge id, while writing

    public FrameTrace Trace { get; } = trace;

    /// <summary>The ring of <paramref name="node"/> (called under the runner's lock as nodes join).</summary>
    public NodeTrace AddNode(Node node)
    {
        var nodeTrace = new NodeTrace(node, _nodes.Count + 1, Trace.MaxEventsPerNode);
        _nodes.Add(nodeTrace);
        _byNode[node] = nodeTrace;
        return nodeTrace;
    }

    /// <summary>An id for the edge from <paramref name="from"/> to <paramref name="to"/>, which then stamps the
    /// items written to it (called under the runner's lock as nodes join).</summary>
    public int AddEdge(OutputPort from, InputPort to)
    {
        _edges.Add((from, to));
        return _edges.Count - 1;
    }

    /// <summary>Writes the timeline and closes the output; sets the trace's counts.</summary>
    public void Write()
    {
        long events = 0, dropped = 0;
        using (output)
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("displayTimeUnit", "ms");
            json.WriteStartArray("traceEvents");
            json.WriteStartObject();
            json.WriteString("name", "process_name");
            json.WriteString("ph", "M");
            json.WriteNumber("pid", Pid);
            json.WriteNumber("tid", 0);
            json.WriteStartObject("args");
            json.WriteString("name", "mediagraph");
            json.WriteEndObject();
            json.WriteEndObject();
            events++;

            // Each node's events, oldest first, then per thread what goes on it (its work, the flows in and out of
            // it) as small entries sorted by time; ties keep the order added.
            _edgeNames = _edges.Select(e => e.From.ToString()).ToArray();
            var held = _nodes.Select(n => n.Held().Where(e => e.End >= e.Start && e.Start != 0).ToArray()).ToArray(); // a torn event (an abort's straggler) is left out
            var entries = _nodes.Select(_ => new List<Entry>()).ToArray();
            var index = _nodes.Select((n, i) => (n, i)).ToDictionary(x => x.n.Node, x => x.i);
            for (var n = 0; n < _nodes.Count; n++)
            {
                Metadata(json, _nodes[n], "thread_name", _nodes[n].Node.Kind == _nodes[n].Node.Name ? _nodes[n].Node.Name : $"{_nodes[n].Node.Name} ({_nodes[n].Node.Kind})");
                Metadata(json, _nodes[n], "thread_sort_index", null);
                events += 2;
                for (var i = 0; i < held[n].Length; i++)
                {
                    ref readonly var e = ref held[n][i];
                    entries[n].Add(new Entry(Micros(e.Start), entries[n].Count, EntryKind.Work, n, i));
                    if (e.Edge < 0 || e.Sequence == 0 || e.Edge >= _edges.Count) continue;
                    // The flow: out of the producer's work that emitted the item, into the middle of this work.
                    if (!index.TryGetValue(_edges[e.Edge].From.Node, out var producer)) continue;
                    entries[producer].Add(new Entry(Micros(e.Enqueued), entries[producer].Count, EntryKind.FlowOut, n, i));
                    entries[n].Add(new Entry((Micros(e.Start) + Micros(e.End)) / 2, entries[n].Count, EntryKind.FlowIn, n, i));
                }
            }
            for (var n = 0; n < _nodes.Count; n++)
            {
                var node = _nodes[n];
                var list = entries[n];
                list.Sort(static (a, b) => a.Ts != b.Ts ? a.Ts.CompareTo(b.Ts) : a.Order.CompareTo(b.Order));
                foreach (var entry in list)
                {
                    WriteEntry(json, node, entry, in held[entry.Node][entry.Event]);
                    events++;
                    if (json.BytesPending > 1 << 16) json.Flush();
                }
                if (node.Dropped > 0)
                {
                    json.WriteStartObject();
                    json.WriteString("name", "trace events dropped");
                    json.WriteString("cat", "trace");
                    json.WriteString("ph", "i");
                    json.WriteString("s", "t");
                    json.WriteNumber("ts", Round(list.Count > 0 ? list[^1].Ts : 0));
                    json.WriteNumber("pid", Pid);
                    json.WriteNumber("tid", node.Tid);
                    json.WriteStartObject("args");
                    json.WriteNumber("dropped", node.Dropped);
                    json.WriteNumber("kept", node.Written - node.Dropped);
                    json.WriteEndObject();
                    json.WriteEndObject();
                    events++;
                    dropped += node.Dropped;
                }
            }
            json.WriteEndArray();
            json.WriteStartObject("otherData");
            json.WriteString("device", device);
            json.WriteNumber("maxEventsPerNode", Trace.MaxEventsPerNode);
            json.WriteNumber("dropped", dropped);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        Trace.Events = events;
        Trace.Dropped = dropped;
    }

    private enum EntryKind : byte { Work, FlowOut, FlowIn }

    /// <summary>One line of a thread: at <paramref name="Ts"/> (µs), the <paramref name="Kind"/> of event
    /// <paramref name="Event"/> of node <paramref name="Node"/> (a flow out is written on the producer's thread from
    /// the consumer's event); <paramref name="Order"/> keeps ties in the order added.</summary>
    private readonly record struct Entry(double Ts, int Order, EntryKind Kind, int Node, int Event);

    private static void Metadata(Utf8JsonWriter json, NodeTrace node, string name, string? value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", Pid);
        json.WriteNumber("tid", node.Tid);
        json.WriteStartObject("args");
        if (value is not null) json.WriteString("name", value);
        else json.WriteNumber("sort_index", node.Tid);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private void WriteEntry(Utf8JsonWriter json, NodeTrace node, in Entry line, in TraceEvent e)
    {
        json.WriteStartObject();
        if (line.Kind != EntryKind.Work)
        {
            // A flow: same name, category and id at both ends; the end binds to the work it is inside ("bp": "e").
            json.WriteString("name", "item");
            json.WriteString("cat", "flow");
            json.WriteString("ph", line.Kind == EntryKind.FlowOut ? "s" : "f");
            if (line.Kind == EntryKind.FlowIn) json.WriteString("bp", "e");
            json.WriteNumber("id", FlowId(e));
            json.WriteNumber("ts", Round(line.Ts));
            json.WriteNumber("pid", Pid);
            json.WriteNumber("tid", node.Tid);
            json.WriteEndObject();
            return;
        }
        json.WriteString("name", e.Work switch
        {
            TraceWork.Item or TraceWork.Produce => e.Item switch { (byte)'v' => "video frame", (byte)'a' => "audio frame", (byte)'p' => "packet", _ => "item" },
            TraceWork.WakeUp => "wake-up",
            TraceWork.EndOfInput => "end of input",
            _ => "flush",
        });
        json.WriteString("cat", e.Work switch { TraceWork.Item => "process", TraceWork.Produce => "produce", _ => "control" });
        json.WriteString("ph", "X");
        json.WriteNumber("ts", Round(line.Ts));
        json.WriteNumber("dur", Math.Max(0, Round(Micros(e.End) - line.Ts)));
        json.WriteNumber("pid", Pid);
        json.WriteNumber("tid", node.Tid);
        json.WriteStartObject("args");
        if (e.Work is TraceWork.Item or TraceWork.Produce)
        {
            if (e.Pts != Timestamp.None && e.TimeBase.IsValid)
            {
                json.WriteNumber("pts", e.Pts);
                json.WriteNumber("pts_seconds", Math.Round(e.Pts * e.TimeBase.ToDouble(), 6));
            }
            if (e.Work == TraceWork.Produce && e.Port >= 0 && e.Port < node.Node.Outputs.Count)
                json.WriteString("stream", node.Node.Outputs[e.Port].ToString());
        }
        if (e.Edge >= 0 && e.Edge < _edges.Count)
        {
            json.WriteString("stream", _edgeNames![e.Edge]);
            json.WriteString("input", _edges[e.Edge].To.Name);
            if (e.Enqueued != 0) json.WriteNumber("queue_us", Math.Max(0, Round(Micros(e.Start) - Micros(e.Enqueued))));
            if (e.Sequence != 0) json.WriteNumber("flow", FlowId(e));
        }
        else if (e.Work == TraceWork.EndOfInput && e.Port >= 0 && e.Port < node.Node.Inputs.Count)
            json.WriteString("input", node.Node.Inputs[e.Port].Name);
        if (e.Blocked > 0) json.WriteNumber("blocked_us", Round(Stopwatch.GetElapsedTime(0, e.Blocked).TotalMicroseconds));
        json.WriteString("device", e.OnDevice ? device : "cpu");
        if (e.Failed) json.WriteBoolean("failed", true);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Edge id and the item's number on it, as one JSON-safe integer.</summary>
    private static long FlowId(in TraceEvent e) => ((long)(e.Edge + 1) << 32) | (uint)e.Sequence;

    private double Micros(long ticks) => (ticks - _origin) * 1e6 / Stopwatch.Frequency;

    private static double Round(double micros) => Math.Round(micros, 3);
}
