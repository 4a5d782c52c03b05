using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Latency of one repeated step inside a node that is not one item (an inference node's model runs, each on a batch
/// of frames): how many, how many items they covered, average, mean of the last 100, min–max, and errors with their
/// rate, as a video-analytics pipeline reports inference. Thread-safe: steps may overlap (parallel runs).
/// </summary>
public sealed class StageMetrics
{
    private readonly Lock _lock = new();
    private LatencyWindow _latency;
    private long _items, _errors;

    internal StageMetrics(string name, string unit)
    {
        Name = name;
        Unit = unit;
    }

    /// <summary>What the step is ("inference").</summary>
    public string Name { get; }
    /// <summary>What <see cref="Items"/> counts ("frames", "crops").</summary>
    public string Unit { get; }

    public long Count { get { lock (_lock) return _latency.Count; } }
    /// <summary>Items (frames) the steps covered: Items / Count is the mean batch.</summary>
    public long Items { get { lock (_lock) return _items; } }
    public long Errors { get { lock (_lock) return _errors; } }
    /// <summary>Errors per step attempted (0..1).</summary>
    public double ErrorRate { get { lock (_lock) return _latency.Count + _errors == 0 ? 0 : (double)_errors / (_latency.Count + _errors); } }
    public TimeSpan Average { get { lock (_lock) return _latency.Average; } }
    public TimeSpan Min { get { lock (_lock) return _latency.Min; } }
    public TimeSpan Max { get { lock (_lock) return _latency.Max; } }
    /// <summary>The mean of the last 100 steps.</summary>
    public TimeSpan Recent { get { lock (_lock) return _latency.Recent; } }

    /// <summary>Records one step of <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) over <paramref name="items"/> items.</summary>
    public void Record(long ticks, int items)
    {
        lock (_lock)
        {
            _latency.Record(ticks);
            _items += items;
        }
    }

    /// <summary>Records a step that failed.</summary>
    public void RecordError()
    {
        lock (_lock) _errors++;
    }
}
