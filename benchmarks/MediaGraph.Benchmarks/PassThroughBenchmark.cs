using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MediaGraph.Benchmarks;

/// <summary>
/// The runtime alone: <see cref="Frames"/> frames go from a managed source through 10 pass-through nodes to a
/// sink (11 edges, so 11 hops a frame). One operation is one frame, so "Mean" is the time a frame takes through
/// the whole chain and "Allocated" is bytes a frame (should be ~0: pooled frames, no per-item allocation).
/// "Hops/s" = 11 / Mean.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class PassThroughBenchmark
{
    public const int Frames = 100_000;
    public const int PassThroughNodes = 10;
    public const int Hops = PassThroughNodes + 1;

    private Graph _graph = null!;
    private DiscardSinkNode _sink = null!;

    /// <summary>Shared: the loops run on the thread pool (nodes that never block). Dedicated: a thread per node, as
    /// nodes that work in native code run; each hop may then wake another thread.</summary>
    [Params(NodeThreading.Shared, NodeThreading.Dedicated)]
    public NodeThreading Threading { get; set; }

    [GlobalSetup]
    public void Setup() => (_graph, _sink) = PassThroughGraph.Build(Frames, PassThroughNodes, threading: Threading);

    [Benchmark(OperationsPerInvoke = Frames, Description = "100k frames x 11 hops")]
    public async Task RunGraph()
    {
        await _graph.RunAsync();
        if (_sink.Received != Frames) throw new InvalidOperationException($"sink received {_sink.Received} of {Frames} frames");
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithInvocationCount(1).WithUnrollFactor(1));
            AddColumn(new HopsPerSecondColumn());
        }
    }

    /// <summary>Frame-hops per second, from the mean time per frame.</summary>
    private sealed class HopsPerSecondColumn : IColumn
    {
        public string Id => "HopsPerSecond";
        public string ColumnName => "Hops/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Frame-hops (a frame crossing one edge) per second: 11 / Mean";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            return (Hops / (stats.Mean * 1e-9)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
