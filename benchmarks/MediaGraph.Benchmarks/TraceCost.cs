using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace MediaGraph.Benchmarks;

/// <summary>
/// The frame timeline's two costs taken apart (BenchmarkDotNet): what recording adds to one hop (the clock read the
/// edge takes for the item's enqueue time and the 64-byte store into the consumer's ring; the work's start and end
/// are clock reads the metrics take anyway), and what writing one event to the JSON file costs.
/// <c>dotnet run -c Release --project benchmarks/MediaGraph.Benchmarks -- --filter *TraceRecordBenchmark*</c>.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TraceRecordBenchmark
{
    private const int Events = 4096;
    private NodeTrace _ring = null!;
    private TraceEvent _event;

    [GlobalSetup]
    public void Setup()
    {
        _ring = new NodeTrace(new PassThroughNode(NodeThreading.Dedicated), 1, TraceCost.RingEvents);
        _event = new TraceEvent { Pts = 1, TimeBase = new Rational(1, 25), Item = (byte)'v', Edge = 0, Sequence = 1 };
        for (var i = 0; i < TraceCost.RingEvents; i++) _ring.Record(in _event); // every chunk made: the steady state
    }

    /// <summary>One clock read (Stopwatch.GetTimestamp): what the edge adds per hop for the enqueue time.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public long ClockRead()
    {
        long sum = 0;
        for (var i = 0; i < Events; i++) sum += Stopwatch.GetTimestamp();
        return sum;
    }

    /// <summary>Storing one event into a ring whose chunks all exist.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public void Record()
    {
        for (var i = 0; i < Events; i++)
        {
            _event.Start = i;
            _ring.Record(in _event);
        }
    }

    /// <summary>Both: what recording adds to a hop, all told.</summary>
    [Benchmark(OperationsPerInvoke = Events)]
    public void ClockReadAndRecord()
    {
        for (var i = 0; i < Events; i++)
        {
            _event.Enqueued = Stopwatch.GetTimestamp();
            _ring.Record(in _event);
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
    }
}

/// <summary>
/// <c>-- trace-cost [ROUNDS]</c>: the same micro costs without BenchmarkDotNet (a loop each, best of the rounds), and
/// the writer's speed: a chain of 12 nodes whose rings are full (32,768 events each, as the pass-through graph leaves
/// them) written to a null stream and to a file, in events/s, MB/s and ns an event.
/// </summary>
internal static class TraceCost
{
    public const int RingEvents = 32_768;

    public static void Run(int rounds)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores; best of {rounds} rounds; load average {LoadAverage()}");
        var ring = new NodeTrace(new PassThroughNode(NodeThreading.Dedicated), 1, RingEvents);
        var e = new TraceEvent { Pts = 1, TimeBase = new Rational(1, 25), Item = (byte)'v', Edge = 0, Sequence = 1 };
        const int n = 1 << 22;
        double clock = double.MaxValue, record = double.MaxValue, both = double.MaxValue;
        long sink = 0;
        for (var round = 0; round < rounds; round++)
        {
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++) sink += Stopwatch.GetTimestamp();
            clock = Math.Min(clock, Stopwatch.GetElapsedTime(t).TotalNanoseconds / n);
            t = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++) { e.Start = i; ring.Record(in e); }
            record = Math.Min(record, Stopwatch.GetElapsedTime(t).TotalNanoseconds / n);
            t = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++) { e.Enqueued = Stopwatch.GetTimestamp(); ring.Record(in e); }
            both = Math.Min(both, Stopwatch.GetElapsedTime(t).TotalNanoseconds / n);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"recording: clock read {clock:0.0} ns, store of a {System.Runtime.CompilerServices.Unsafe.SizeOf<TraceEvent>()}-byte event {record:0.0} ns, both {both:0.0} ns a hop ({sink % 2})"));

        // An item through an edge, one thread writing and reading: untraced, and traced (stamped with its enqueue time
        // and number).
        var (graph, _) = PassThroughGraph.Build(1, 1, threading: NodeThreading.Dedicated);
        var to = graph.Nodes[1].Inputs[0];
        var frame = new VideoFrame();
        double plain = double.MaxValue, stamped = double.MaxValue;
        for (var round = 0; round < rounds; round++)
            foreach (var traced in new[] { false, true })
            {
                var edge = new Edge(to.Source!, to, 4, new Wakeup(), new Wakeup()) { TraceId = traced ? 0 : -1 };
                var t = Stopwatch.GetTimestamp();
                for (var i = 0; i < n / 4; i++)
                {
                    edge.TryWrite(frame);
                    edge.TryRead(out _, out var stamp);
                    sink += stamp.Sequence;
                }
                var ns = Stopwatch.GetElapsedTime(t).TotalNanoseconds / (n / 4);
                if (traced) stamped = Math.Min(stamped, ns); else plain = Math.Min(plain, ns);
            }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"an edge's write and read: {plain:0.0} ns untraced, {stamped:0.0} ns traced (+{stamped - plain:0.0} ns)"));

        double best = double.MaxValue;
        long bytes = 0, events = 0;
        for (var round = 0; round < rounds; round++)
        {
            var output = new CountingStream();
            var recorder = FullChain(output, 12, RingEvents);
            var t = Stopwatch.GetTimestamp();
            recorder.Write();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
            (bytes, events) = (output.Bytes, recorder.Trace.Events);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"writing: {events:N0} events, {bytes / 1e6:0.0} MB in {best * 1000:0} ms: {bytes / 1e6 / best:0} MB/s, {events / best / 1e6:0.00} M events/s, {best * 1e9 / events:0} ns an event"));
        // The same to a file, as FrameTrace(path) opens it: what the page cache adds.
        var path = Path.Combine(Path.GetTempPath(), $"trace-cost-{Environment.ProcessId}.json");
        best = double.MaxValue;
        for (var round = 0; round < rounds; round++)
        {
            var trace = new FrameTrace(path);
            var recorder = FullChain(trace.Open("trace-cost"), 12, RingEvents);
            var t = Stopwatch.GetTimestamp();
            recorder.Write();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds);
            bytes = new FileInfo(path).Length;
        }
        File.Delete(path);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"writing to a file: {bytes / 1e6:0.0} MB in {best * 1000:0} ms: {bytes / 1e6 / best:0} MB/s, {best * 1e9 / events:0} ns an event"));
        Console.WriteLine($"load average at the end: {LoadAverage()}");
    }

    /// <summary>A recorder of a source → 10 pass-through → sink chain whose rings hold <paramref name="perNode"/>
    /// events each, timed like a pass-through run (each node's work 1 µs after its producer's).</summary>
    internal static TraceRecorder FullChain(Stream output, int nodes, int perNode)
    {
        var (graph, _) = PassThroughGraph.Build(perNode, nodes - 2, threading: NodeThreading.Dedicated);
        var recorder = new TraceRecorder(new FrameTrace(output) { MaxEventsPerNode = perNode }, output, "cpu");
        var rings = graph.Nodes.Select(recorder.AddNode).ToArray();
        var edges = graph.Nodes.Skip(1).Select(node => (short)recorder.AddEdge(node.Inputs[0].Source!, node.Inputs[0])).ToArray();
        var t0 = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 1000;
        var tick = Stopwatch.Frequency / 1_000_000.0;
        for (var k = 0; k < perNode; k++)
            for (var node = 0; node < nodes; node++)
            {
                var start = t0 + (long)((k * 2.0 + node) * tick);
                var e = new TraceEvent
                {
                    Start = start, End = start + (long)(0.5 * tick), Pts = k, TimeBase = new Rational(1, 25), Item = (byte)'v',
                    Work = node == 0 ? TraceWork.Produce : TraceWork.Item, Edge = node == 0 ? (short)-1 : edges[node - 1],
                    Enqueued = node == 0 ? 0 : start - (long)(0.3 * tick), Sequence = node == 0 ? 0u : (uint)(k + 1),
                };
                rings[node].Record(in e);
            }
        return recorder;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>A null stream that counts what it is given.</summary>
    private sealed class CountingStream : Stream
    {
        public long Bytes;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Bytes;
        public override long Position { get => Bytes; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Bytes += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Bytes += buffer.Length;
    }
}
