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

/// <summary>One node's events: a ring of <c>capacity</c> events, written only by the node's own loop (never
/// re-entered), so recording takes no lock; read when the run has ended. The ring is made of chunks of
/// <see cref="ChunkEvents"/> events allocated as the node first reaches them, so a short run pays for the events it
/// recorded, not for the whole bound; once every chunk exists, recording allocates nothing.</summary>
internal sealed class NodeTrace
{
    /// <summary>Events a chunk holds: 80 KB, under the large-object threshold.</summary>
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

    public void Record(in TraceEvent e)
    {
        var i = _next;
        var chunk = _chunks[i >> ChunkShift] ?? Grow(i >> ChunkShift);
        chunk[i & (ChunkEvents - 1)] = e;
        _next = i + 1 == _capacity ? 0 : i + 1;
        Volatile.Write(ref _written, _written + 1);
    }

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
        _edges.Add((from, to));
        return _edges.Count - 1;
    }

    // Property names and fixed values, encoded once.
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name"), Cat = JsonEncodedText.Encode("cat"),
        Ph = JsonEncodedText.Encode("ph"), Ts = JsonEncodedText.Encode("ts"), Dur = JsonEncodedText.Encode("dur"),
        PidName = JsonEncodedText.Encode("pid"), TidName = JsonEncodedText.Encode("tid"), Args = JsonEncodedText.Encode("args"),
        Id = JsonEncodedText.Encode("id"), Bp = JsonEncodedText.Encode("bp"), Pts = JsonEncodedText.Encode("pts"),
        PtsSeconds = JsonEncodedText.Encode("pts_seconds"), StreamName = JsonEncodedText.Encode("stream"),
        Input = JsonEncodedText.Encode("input"), QueueUs = JsonEncodedText.Encode("queue_us"), Flow = JsonEncodedText.Encode("flow"),
        BlockedUs = JsonEncodedText.Encode("blocked_us"), DeviceName = JsonEncodedText.Encode("device"), FailedName = JsonEncodedText.Encode("failed"),
        X = JsonEncodedText.Encode("X"), S = JsonEncodedText.Encode("s"), F = JsonEncodedText.Encode("f"), E = JsonEncodedText.Encode("e"),
        Item = JsonEncodedText.Encode("item"), FlowCat = JsonEncodedText.Encode("flow"), Cpu = JsonEncodedText.Encode("cpu"),
        VideoFrame = JsonEncodedText.Encode("video frame"), AudioFrame = JsonEncodedText.Encode("audio frame"), PacketName = JsonEncodedText.Encode("packet"),
        WakeUp = JsonEncodedText.Encode("wake-up"), EndOfInput = JsonEncodedText.Encode("end of input"), FlushName = JsonEncodedText.Encode("flush"),
        Process = JsonEncodedText.Encode("process"), Produce = JsonEncodedText.Encode("produce"), Control = JsonEncodedText.Encode("control");

    /// <summary>Writes the timeline and closes the output; sets the trace's counts.</summary>
    /// <remarks>Streams straight from the rings, thread by thread, nothing gathered or sorted first. The trace-event
    /// format itself does not ask for time order (Perfetto and chrome://tracing sort on import), but some readers
    /// mis-nest unordered slices, so each thread is still written in time order: a node's own work is recorded in
    /// order, and the starts of the flows out of it (read from each consumer's ring, in order per edge) are merged in
    /// as they come (a k-way merge over the node's output edges).</remarks>
    public void Write()
    {
        long events = 0, dropped = 0;
        using (output)
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
        {
            json.WriteStartObject();
            json.WriteString("displayTimeUnit", "ms");
            json.WriteStartArray("traceEvents");
            json.WriteStartObject();
            json.WriteString(Name, "process_name");
            json.WriteString(Ph, "M");
            json.WriteNumber(PidName, Pid);
            json.WriteNumber(TidName, 0);
            json.WriteStartObject(Args);
            json.WriteString(Name, "mediagraph");
            json.WriteEndObject();
            json.WriteEndObject();
            events++;

            var run = new Run(
                _edges.Select(e => JsonEncodedText.Encode(e.From.ToString())).ToArray(),
                _edges.Select(e => JsonEncodedText.Encode(e.To.Name)).ToArray(),
                _edges.Select(e => _byNode.TryGetValue(e.From.Node, out var producer) ? producer.Tid : -1).ToArray(),
                JsonEncodedText.Encode(device));
            foreach (var node in _nodes)
            {
                Metadata(json, node, "thread_name", node.Node.Kind == node.Node.Name ? node.Node.Name : $"{node.Node.Name} ({node.Node.Kind})");
                Metadata(json, node, "thread_sort_index", null);
                events += 2;
                var outputs = node.Node.Outputs.Select(o => JsonEncodedText.Encode(o.ToString())).ToArray();
                var inputs = node.Node.Inputs.Select(i => JsonEncodedText.Encode(i.Name)).ToArray();
                var flowsOut = new List<FlowStarts>();
                for (var edge = 0; edge < _edges.Count; edge++)
                    if (run.ProducerTid[edge] == node.Tid && _byNode.TryGetValue(_edges[edge].To.Node, out var consumer))
                        flowsOut.Add(new FlowStarts(consumer, edge));
                var own = new FlowStarts(node, -1);
                var (flowEndPending, flowEndTs, flowEndId) = (false, 0L, 0L);
                long lastTs = 0; // the thread's latest event, where the "dropped" mark goes
                while (true)
                {
                    var ownKey = flowEndPending ? flowEndTs : own.Has ? Ticks(own.Current.Start) : long.MaxValue;
                    FlowStarts? next = null;
                    var nextKey = long.MaxValue;
                    foreach (var c in flowsOut)
                        if (c.Has && Ticks(c.Current.Enqueued) < nextKey) (next, nextKey) = (c, Ticks(c.Current.Enqueued));
                    if (next is null && ownKey == long.MaxValue) break;
                    if (next is null || ownKey <= nextKey)
                    {
                        lastTs = ownKey;
                        if (flowEndPending)
                        {
                            FlowEnd(json, end: true, flowEndId, flowEndTs, node.Tid);
                            flowEndPending = false;
                        }
                        else
                        {
                            ref readonly var e = ref own.Current;
                            if (WriteWork(json, node, in e, run, outputs, inputs) && run.ProducerTid[e.Edge] >= 0)
                                (flowEndPending, flowEndTs, flowEndId) = (true, Ticks(e.Start) + (Ticks(e.End) - Ticks(e.Start)) / 2, FlowId(e));
                            own.Advance();
                        }
                    }
                    else
                    {
                        lastTs = nextKey;
                        FlowEnd(json, end: false, FlowId(next.Current), nextKey, node.Tid);
                        next.Advance();
                    }
                    events++;
                    if (json.BytesPending > 1 << 16) json.Flush();
                }
                if (node.Dropped > 0)
                {
                    json.WriteStartObject();
                    json.WriteString(Name, "trace events dropped");
                    json.WriteString(Cat, "trace");
                    json.WriteString(Ph, "i");
                    json.WriteString("s", "t");
                    WriteMicros(json, Ts, lastTs);
                    json.WriteNumber(PidName, Pid);
                    json.WriteNumber(TidName, node.Tid);
                    json.WriteStartObject(Args);
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

    /// <summary>What writing needs per edge, encoded once: the stream's name, the input's name, the producer's thread.</summary>
    private sealed record Run(JsonEncodedText[] EdgeNames, JsonEncodedText[] EdgeInputs, int[] ProducerTid, JsonEncodedText Device);

    private static void Metadata(Utf8JsonWriter json, NodeTrace node, string name, string? value)
    {
        json.WriteStartObject();
        json.WriteString(Name, name);
        json.WriteString(Ph, "M");
        json.WriteNumber(PidName, Pid);
        json.WriteNumber(TidName, node.Tid);
        json.WriteStartObject(Args);
        if (value is not null) json.WriteString(Name, value);
        else json.WriteNumber("sort_index", node.Tid);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>One piece of work ("X"); true when its item crossed an edge with a number (a flow ends in it).</summary>
    private bool WriteWork(Utf8JsonWriter json, NodeTrace node, in TraceEvent e, Run run, JsonEncodedText[] outputs, JsonEncodedText[] inputs)
    {
        var start = Ticks(e.Start);
        var end = Ticks(e.End);
        var onEdge = e.Edge >= 0 && e.Edge < run.EdgeNames.Length;
        json.WriteStartObject();
        json.WriteString(Name, e.Work switch
        {
            TraceWork.Item or TraceWork.Produce => e.Item switch { (byte)'v' => VideoFrame, (byte)'a' => AudioFrame, (byte)'p' => PacketName, _ => Item },
            TraceWork.WakeUp => WakeUp,
            TraceWork.EndOfInput => EndOfInput,
            _ => FlushName,
        });
        json.WriteString(Cat, e.Work switch { TraceWork.Item => Process, TraceWork.Produce => Produce, _ => Control });
        json.WriteString(Ph, X);
        WriteMicros(json, Ts, start);
        WriteMicros(json, Dur, Math.Max(0, end - start));
        json.WriteNumber(PidName, Pid);
        json.WriteNumber(TidName, node.Tid);
        json.WriteStartObject(Args);
        if (e.Work is TraceWork.Item or TraceWork.Produce)
        {
            if (e.Pts != Timestamp.None && e.TimeBase.IsValid)
            {
                json.WriteNumber(Pts, e.Pts);
                json.WriteNumber(PtsSeconds, Math.Round(e.Pts * e.TimeBase.ToDouble(), 6));
            }
            if (e.Work == TraceWork.Produce && e.Port >= 0 && e.Port < outputs.Length)
                json.WriteString(StreamName, outputs[e.Port]);
        }
        var flow = onEdge && e.Sequence != 0;
        if (onEdge)
        {
            json.WriteString(StreamName, run.EdgeNames[e.Edge]);
            json.WriteString(Input, run.EdgeInputs[e.Edge]);
            if (e.Enqueued != 0) WriteMicros(json, QueueUs, Math.Max(0, start - Ticks(e.Enqueued)));
            if (flow) json.WriteNumber(Flow, FlowId(e));
        }
        else if (e.Work == TraceWork.EndOfInput && e.Port >= 0 && e.Port < inputs.Length)
            json.WriteString(Input, inputs[e.Port]);
        if (e.Blocked > 0) WriteMicros(json, BlockedUs, (long)(e.Blocked * (1e9 / Stopwatch.Frequency)));
        json.WriteString(DeviceName, e.OnDevice ? run.Device : Cpu);
        if (e.Failed) json.WriteBoolean(FailedName, true);
        json.WriteEndObject();
        json.WriteEndObject();
        return flow;
    }

    /// <summary>A flow's start ("s", on the producer's thread when the item entered the edge) or end ("f", in the
    /// middle of the consumer's work on it): same name, category and id at both ends; the end binds to the work it is
    /// inside ("bp": "e").</summary>
    private static void FlowEnd(Utf8JsonWriter json, bool end, long id, long nanos, int tid)
    {
        json.WriteStartObject();
        json.WriteString(Name, Item);
        json.WriteString(Cat, FlowCat);
        json.WriteString(Ph, end ? F : S);
        if (end) json.WriteString(Bp, E);
        json.WriteNumber(Id, id);
        WriteMicros(json, Ts, nanos);
        json.WriteNumber(PidName, Pid);
        json.WriteNumber(TidName, tid);
        json.WriteEndObject();
    }

    /// <summary>Nanoseconds since the run's origin.</summary>
    private long Ticks(long timestamp) => (long)((timestamp - _origin) * (1e9 / Stopwatch.Frequency));

    /// <summary>Writes <paramref name="nanos"/> as microseconds with three decimals ("1234.567"), formatted without
    /// floating point.</summary>
    private static void WriteMicros(Utf8JsonWriter json, JsonEncodedText name, long nanos)
    {
        Span<byte> text = stackalloc byte[24];
        var negative = nanos < 0;
        var magnitude = negative ? -nanos : nanos;
        var n = 0;
        if (negative) text[n++] = (byte)'-';
        System.Buffers.Text.Utf8Formatter.TryFormat(magnitude / 1000, text[n..], out var written);
        n += written;
        var fraction = (int)(magnitude % 1000);
        if (fraction != 0)
        {
            text[n++] = (byte)'.';
            text[n++] = (byte)('0' + fraction / 100);
            text[n++] = (byte)('0' + fraction / 10 % 10);
            text[n++] = (byte)('0' + fraction % 10);
        }
        json.WritePropertyName(name);
        json.WriteRawValue(text[..n], skipInputValidation: true);
    }

    /// <summary>Edge id and the item's number on it, as one JSON-safe integer.</summary>
    private static long FlowId(in TraceEvent e) => ((long)(e.Edge + 1) << 32) | (uint)e.Sequence;
}
