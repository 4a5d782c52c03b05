using System.Diagnostics;
using System.Globalization;
using MediaGraph.Brokers;

namespace MediaGraph.Samples.Distributed;

/// <summary>The consumer's report, as the field's pipelines print it: frames processed, overall fps (frames over
/// wall time since the first result), effective fps (frames over the time spent in the per-frame work), work time
/// (a chunk's decode + text detection in its worker, per frame) avg / recent (last 100 frames) / min–max, errors and
/// error rate, end-to-end latency (chunk cut → results here) p50/p99, and the text regions found.</summary>
public sealed class MetricsReport(BrokerCounters counters)
{
    private readonly Stopwatch _wall = new();
    private readonly Queue<double> _recent = new();
    private readonly List<double> _latencyMs = new();
    private double _workTotal, _workMin = double.MaxValue, _workMax;
    private readonly Dictionary<string, long> _previousPts = new();
    private long _chunks, _errors;

    public long Frames { get; private set; }
    /// <summary>Frames whose pts was not after the previous frame's of their stream (should stay 0).</summary>
    public long OutOfOrder { get; private set; }
    public double OverallFps => Frames / Math.Max(_wall.Elapsed.TotalSeconds, 1e-9);
    public double EffectiveFps => Frames / Math.Max(_workTotal / 1000, 1e-9);
    public long Errors => _errors + counters.Bad;
    /// <summary>Text regions the workers' detector found, over all frames.</summary>
    public long Regions { get; private set; }
    public double LatencyP50 => Percentile(0.50);
    public double LatencyP99 => Percentile(0.99);
    /// <summary>When the last results arrived, in microseconds since the Unix epoch (<see cref="MediaWire.NowMicros"/>).</summary>
    public long LastResultMicros { get; private set; }

    public void Add(ResultsMessage results)
    {
        if (!_wall.IsRunning) _wall.Start();
        _chunks++;
        if (results.Error is not null) _errors++;
        var now = MediaWire.NowMicros();
        LastResultMicros = now;
        foreach (var frame in results.Frames)
        {
            Frames++;
            if (_previousPts.TryGetValue(results.StreamId, out var previous) && frame.Pts <= previous) OutOfOrder++;
            _previousPts[results.StreamId] = frame.Pts;
            if (results.OriginMicros > 0) _latencyMs.Add((now - results.OriginMicros) / 1000.0);
            if (frame.Get<TextDetections>() is { } found) Regions += found.Regions.Count;
            var work = results.WorkMilliseconds / results.Frames.Count; // the chunk's decode + detection, per frame
            _workTotal += work;
            _workMin = Math.Min(_workMin, work);
            _workMax = Math.Max(_workMax, work);
            _recent.Enqueue(work);
            if (_recent.Count > 100) _recent.Dequeue();
        }
    }

    private double Percentile(double q)
    {
        if (_latencyMs.Count == 0) return 0;
        var sorted = _latencyMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    }

    public string Format(bool final = false)
    {
        var c = CultureInfo.InvariantCulture;
        var avg = Frames == 0 ? 0 : _workTotal / Frames;
        var recent = _recent.Count == 0 ? 0 : _recent.Average();
        var rate = _chunks == 0 ? 0 : (double)Errors / (_chunks + counters.Bad);
        return string.Create(c, $"{(final ? "final" : "report")}: frames processed {Frames}, overall fps {OverallFps:0.0}, effective fps {EffectiveFps:0.0}, " +
            $"work avg {avg:0.00} ms / recent {recent:0.00} ms / min-max {(Frames == 0 ? 0 : _workMin):0.00}-{_workMax:0.00} ms, errors {Errors}, error rate {rate:P1}, " +
            $"latency p50 {LatencyP50:0} ms p99 {LatencyP99:0} ms, text regions {Regions}, duplicates dropped {counters.Duplicates}, late {counters.Late}, out of order {OutOfOrder}");
    }
}
