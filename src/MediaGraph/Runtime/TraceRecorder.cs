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

/// <summary>One piece of work of one node, as recorded on its loop (Stopwatch ticks): 64 bytes, one cache line.
/// The start and end are the clock reads the node's metrics take anyway; only <see cref="Enqueued"/> (read by the edge
/// when the item was written) is a clock read added by tracing.</summary>
internal struct TraceEvent
{
    public long Start, End;
    /// <summary>Time spent waiting for room downstream during the work (ticks; 0 almost always).</summary>
    public long Blocked;
    /// <summary>When the item entered the node's input edge (0: no edge).</summary>
    public long Enqueued;
    public long Pts;
    public Rational TimeBase;
    /// <summary>The item's number on its edge (1, 2 ...; 0: none): with <see cref="Edge"/>, the flow that joins the
    /// producer's work to this.</summary>
    public uint Sequence;
    /// <summary>The input edge's trace id, or -1.</summary>
    public short Edge;
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

/// <summary>One node's events: a ring of <c>capacity</c> events, written only by the node's own loop (never
/// re-entered), so recording takes no lock; read when the run has ended. The ring is made of chunks of
/// <see cref="ChunkEvents"/> events allocated as the node first reaches them, so a short run pays for the events it
/// recorded, not for the whole bound; once every chunk exists, recording allocates nothing.</summary>
internal sealed class NodeTrace
{
    /// <summary>Events a chunk holds: 64 KB, under the large-object threshold.</summary>
    internal const int ChunkEvents = 1024;
    private const int ChunkShift = 10;

    private readonly TraceEvent[]?[] _chunks;
    private readonly int _capacity;
    private int _next;        // where the next event goes
    private long _written;

    public NodeTrace(Node node, int tid, int capacity)
    {
        Node = node;
        Tid = tid;
        _capacity = capacity;
        _chunks = new TraceEvent[]?[(capacity + ChunkEvents - 1) >> ChunkShift];
    }

    public Node Node { get; }
    public int Tid { get; }

    /// <summary>Stores <paramref name="e"/> (the only copy recording makes). A chunk not made yet is made here,
    /// out of line: once per 1,024 events until the ring is whole, never after.</summary>
    public void Record(in TraceEvent e)
    {
        var i = _next;
        var chunk = _chunks[i >> ChunkShift] ?? Grow(i >> ChunkShift);
        chunk[i & (ChunkEvents - 1)] = e;
        _next = i + 1 == _capacity ? 0 : i + 1;
        Volatile.Write(ref _written, _written + 1);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private TraceEvent[] Grow(int chunk)
        => _chunks[chunk] = GC.AllocateUninitializedArray<TraceEvent>(Math.Min(ChunkEvents, _capacity - (chunk << ChunkShift)));

    /// <summary>Events written, and how many of them the ring no longer holds.</summary>
    public long Written => Volatile.Read(ref _written);
    public long Dropped => Math.Max(0, Written - _capacity);

    /// <summary>Events still held.</summary>
    public int Held => (int)Math.Min(Written, _capacity);

    /// <summary>The <paramref name="k"/>-th event still held, oldest first (0 ≤ k &lt; <see cref="Held"/>); false for a
    /// chunk an abort's straggler has not finished making.</summary>
    public bool TryGet(int k, out TraceEvent e)
    {
        var first = Written > _capacity ? _next : 0;
        var i = first + k;
        if (i >= _capacity) i -= _capacity;
        var chunk = _chunks[i >> ChunkShift];
        if (chunk is null) { e = default; return false; }
        e = chunk[i & (ChunkEvents - 1)];
        return true;
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
        if (_edges.Count > short.MaxValue) return -1; // an event holds the id in 16 bits; past that an edge is not stamped
        _edges.Add((from, to));
        return _edges.Count - 1;
    }

    /// <summary>Writes the timeline and closes the output; sets the trace's counts.</summary>
    /// <remarks>Streams straight from the rings, thread by thread, nothing gathered or sorted first, through
    /// <see cref="TraceJsonWriter"/> (fixed text pre-encoded, numbers formatted in place, one large buffer). The
    /// trace-event format itself does not ask for time order (Perfetto and chrome://tracing sort on import), but some
    /// readers mis-nest unordered slices, so each thread is still written in time order: a node's own work is
    /// recorded in order, and the starts of the flows out of it (read from each consumer's ring, in order per edge)
    /// are merged in as they come (a k-way merge over the node's output edges).</remarks>
    public void Write()
    {
        long events = 0, dropped = 0;
        using (output)
        using (var json = new TraceJsonWriter(output))
        {
            json.Raw("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n"u8);
            json.Raw("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":0,\"args\":{\"name\":\"mediagraph\"}}"u8);
            events++;

            var edgeArgs = _edges.Select(e => Utf8($"\"stream\":{Quoted(e.From.ToString())},\"input\":{Quoted(e.To.Name)},")).ToArray();
            var producerTid = _edges.Select(e => _byNode.TryGetValue(e.From.Node, out var producer) ? producer.Tid : -1).ToArray();
            var deviceArg = Utf8($"\"device\":{Quoted(device)}");
            var cpuArg = "\"device\":\"cpu\""u8.ToArray();
            var prefixes = new Dictionary<(TraceWork, byte), byte[]>();
            foreach (var node in _nodes)
            {
                var threadName = node.Node.Kind == node.Node.Name ? node.Node.Name : $"{node.Node.Name} ({node.Node.Kind})";
                json.Raw(Utf8($",\n{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{Pid},\"tid\":{node.Tid},\"args\":{{\"name\":{Quoted(threadName)}}}}}"));
                json.Raw(Utf8($",\n{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":{Pid},\"tid\":{node.Tid},\"args\":{{\"sort_index\":{node.Tid}}}}}"));
                events += 2;
                var thread = new Thread(
                    Utf8($",\"pid\":{Pid},\"tid\":{node.Tid},\"args\":{{"),
                    Utf8($",\"pid\":{Pid},\"tid\":{node.Tid}}}"),
                    node.Node.Outputs.Select(o => Utf8($"\"stream\":{Quoted(o.ToString())},")).ToArray(),
                    node.Node.Inputs.Select(i => Utf8($"\"input\":{Quoted(i.Name)},")).ToArray());
                var flowsOut = new List<FlowStarts>();
                for (var edge = 0; edge < _edges.Count; edge++)
                    if (producerTid[edge] == node.Tid && _byNode.TryGetValue(_edges[edge].To.Node, out var consumer))
                        flowsOut.Add(new FlowStarts(consumer, edge));
                var own = new FlowStarts(node, -1);
                var (flowEndPending, flowEndTs, flowEndId) = (false, 0L, 0L);
                long lastTs = 0; // the thread's latest event, where the "dropped" mark goes
                while (true)
                {
                    var ownKey = flowEndPending ? flowEndTs : own.Has ? Nanos(own.Current.Start) : long.MaxValue;
                    FlowStarts? next = null;
                    var nextKey = long.MaxValue;
                    foreach (var c in flowsOut)
                        if (c.Has && Nanos(c.Current.Enqueued) < nextKey) (next, nextKey) = (c, Nanos(c.Current.Enqueued));
                    if (next is null && ownKey == long.MaxValue) break;
                    if (next is null || ownKey <= nextKey)
                    {
                        lastTs = ownKey;
                        if (flowEndPending)
                        {
                            Flow(json, thread, end: true, flowEndId, flowEndTs);
                            flowEndPending = false;
                        }
                        else
                        {
                            ref readonly var e = ref own.Current;
                            var onEdge = e.Edge >= 0 && e.Edge < edgeArgs.Length;
                            var prefix = Prefix(prefixes, e.Work, e.Item);
                            WriteWork(json, thread, in e, prefix, onEdge ? edgeArgs[e.Edge] : null, e.OnDevice ? deviceArg : cpuArg);
                            if (onEdge && e.Sequence != 0 && producerTid[e.Edge] >= 0)
                            {
                                var start = Nanos(e.Start);
                                (flowEndPending, flowEndTs, flowEndId) = (true, start + (Nanos(e.End) - start) / 2, FlowId(e));
                            }
                            own.Advance();
                        }
                    }
                    else
                    {
                        lastTs = nextKey;
                        Flow(json, thread, end: false, FlowId(next.Current), nextKey);
                        next.Advance();
                    }
                    events++;
                }
                if (node.Dropped > 0)
                {
                    json.Raw(",\n{\"name\":\"trace events dropped\",\"cat\":\"trace\",\"ph\":\"i\",\"s\":\"t\",\"ts\":"u8);
                    json.Micros(lastTs);
                    json.Raw(thread.Args);
                    json.Raw("\"dropped\":"u8);
                    json.Number(node.Dropped);
                    json.Raw(",\"kept\":"u8);
                    json.Number(node.Written - node.Dropped);
                    json.Raw("}}"u8);
                    events++;
                    dropped += node.Dropped;
                }
            }
            json.Raw(Utf8($"\n],\"otherData\":{{\"device\":{Quoted(device)},\"maxEventsPerNode\":{Trace.MaxEventsPerNode},\"dropped\":{dropped}}}}}\n"));
        }
        Trace.Events = events;
        Trace.Dropped = dropped;
    }

    /// <summary>What a thread's events share, encoded once: <c>,"pid":1,"tid":N,"args":{</c>, the same closed
    /// without args (a flow), and the "stream"/"input" args of its outputs and inputs.</summary>
    private sealed record Thread(byte[] Args, byte[] NoArgs, byte[][] Outputs, byte[][] Inputs);

    /// <summary>Reads a node's ring in order: every event (<paramref name="edge"/> -1), or the events of items that
    /// came over <paramref name="edge"/> with a number (the ends of its flows, whose starts go on the producer's thread).
    /// A torn event (an abort's straggler) is left out.</summary>
    private sealed class FlowStarts
    {
        private readonly NodeTrace _ring;
        private readonly int _edge, _held;
        private int _k;
        public TraceEvent Current;
        public bool Has;

        public FlowStarts(NodeTrace ring, int edge)
        {
            (_ring, _edge, _held) = (ring, edge, ring.Held);
            Advance();
        }

        public void Advance()
        {
            while (_k < _held)
                if (_ring.TryGet(_k++, out Current) && Current.End >= Current.Start && Current.Start != 0
                    && (_edge < 0 || Current.Edge == _edge && Current.Sequence != 0))
                {
                    Has = true;
                    return;
                }
            Has = false;
        }
    }

    /// <summary><c>,\n{"name":"…","cat":"…","ph":"X","ts":</c> for a kind of work on a kind of item, made once.</summary>
    private static byte[] Prefix(Dictionary<(TraceWork, byte), byte[]> prefixes, TraceWork work, byte item)
    {
        if (prefixes.TryGetValue((work, item), out var prefix)) return prefix;
        var name = work switch
        {
            TraceWork.Item or TraceWork.Produce => item switch { (byte)'v' => "video frame", (byte)'a' => "audio frame", (byte)'p' => "packet", _ => "item" },
            TraceWork.WakeUp => "wake-up",
            TraceWork.EndOfInput => "end of input",
            _ => "flush",
        };
        var cat = work switch { TraceWork.Item => "process", TraceWork.Produce => "produce", _ => "control" };
        return prefixes[(work, item)] = Utf8($",\n{{\"name\":\"{name}\",\"cat\":\"{cat}\",\"ph\":\"X\",\"ts\":");
    }

    /// <summary>One piece of work ("X"): ts, dur, then its args (the device last, "failed" after it when it failed).</summary>
    private void WriteWork(TraceJsonWriter json, Thread thread, in TraceEvent e, byte[] prefix, byte[]? edgeArgs, byte[] deviceArg)
    {
        var start = Nanos(e.Start);
        json.Raw(prefix);
        json.Micros(start);
        json.Raw(",\"dur\":"u8);
        json.Micros(Math.Max(0, Nanos(e.End) - start));
        json.Raw(thread.Args);
        if (e.Work is TraceWork.Item or TraceWork.Produce)
        {
            if (e.Pts != Timestamp.None && e.TimeBase.IsValid)
            {
                json.Raw("\"pts\":"u8);
                json.Number(e.Pts);
                json.Raw(",\"pts_seconds\":"u8);
                json.Seconds(e.Pts, e.TimeBase);
                json.Raw(","u8);
            }
            if (e.Work == TraceWork.Produce && e.Port >= 0 && e.Port < thread.Outputs.Length)
                json.Raw(thread.Outputs[e.Port]);
        }
        if (edgeArgs is not null)
        {
            json.Raw(edgeArgs);
            if (e.Enqueued != 0)
            {
                json.Raw("\"queue_us\":"u8);
                json.Micros(Math.Max(0, start - Nanos(e.Enqueued)));
                json.Raw(","u8);
            }
            if (e.Sequence != 0)
            {
                json.Raw("\"flow\":"u8);
                json.Number(FlowId(e));
                json.Raw(","u8);
            }
        }
        else if (e.Work == TraceWork.EndOfInput && e.Port >= 0 && e.Port < thread.Inputs.Length)
            json.Raw(thread.Inputs[e.Port]);
        if (e.Blocked > 0)
        {
            json.Raw("\"blocked_us\":"u8);
            json.Micros((long)(e.Blocked * NanosPerTick));
            json.Raw(","u8);
        }
        json.Raw(deviceArg);
        json.Raw(e.Failed ? ",\"failed\":true}}"u8 : "}}"u8);
    }

    /// <summary>A flow's start ("s", on the producer's thread when the item entered the edge) or end ("f", in the
    /// middle of the consumer's work on it): same name, category and id at both ends; the end binds to the work it is
    /// inside ("bp": "e").</summary>
    private static void Flow(TraceJsonWriter json, Thread thread, bool end, long id, long nanos)
    {
        json.Raw(end ? ",\n{\"name\":\"item\",\"cat\":\"flow\",\"ph\":\"f\",\"bp\":\"e\",\"id\":"u8 : ",\n{\"name\":\"item\",\"cat\":\"flow\",\"ph\":\"s\",\"id\":"u8);
        json.Number(id);
        json.Raw(",\"ts\":"u8);
        json.Micros(nanos);
        json.Raw(thread.NoArgs);
    }

    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary>Nanoseconds since the run's origin.</summary>
    private long Nanos(long timestamp) => (long)((timestamp - _origin) * NanosPerTick);

    private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    /// <summary><paramref name="text"/> as a JSON string, quotes included.</summary>
    private static string Quoted(string text) => $"\"{JsonEncodedText.Encode(text, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)}\"";

    /// <summary>Edge id and the item's number on it, as one JSON-safe integer.</summary>
    private static long FlowId(in TraceEvent e) => ((long)(e.Edge + 1) << 32) | e.Sequence;
}
