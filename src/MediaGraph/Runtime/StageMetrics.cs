using System.Diagnostics;

namespace MediaGraph;

/// <summary>
/// Latency of one repeated step inside a node that is not one item (an inference node's model runs, each on a batch
/// of frames): how many, how many items they covered, average, mean of the last 100, min–max, and errors with their
/// rate, as a video-analytics pipeline reports inference. Thread-safe: steps may overlap (parallel runs).
/// </summary>
public sealed class StageMetrics
{
    private const int Window = 100;
    private readonly long[] _recent = new long[Window];
    private long _count, _items, _errors, _total, _min = long.MaxValue, _max;

    internal StageMetrics(string name, string unit)
    {
        Name = name;
        Unit = unit;
    }

    /// <summary>What the step is ("inference").</summary>
    public string Name { get; }
    /// <summary>What <see cref="Items"/> counts ("frames", "crops").</summary>
    public string Unit { get; }

    public long Count { get { lock (_recent) return _count; } }
    /// <summary>Items (frames) the steps covered: Items / Count is the mean batch.</summary>
    public long Items { get { lock (_recent) return _items; } }
    public long Errors { get { lock (_recent) return _errors; } }
    /// <summary>Errors per step attempted (0..1).</summary>
    public double ErrorRate { get { lock (_recent) return _count + _errors == 0 ? 0 : (double)_errors / (_count + _errors); } }
    public TimeSpan Average { get { lock (_recent) return _count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, _total / _count); } }
    public TimeSpan Min { get { lock (_recent) return _count == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(0, _min); } }
    public TimeSpan Max { get { lock (_recent) return Stopwatch.GetElapsedTime(0, _max); } }

    /// <summary>The mean of the last 100 steps.</summary>
    public TimeSpan Recent
    {
        get
        {
            lock (_recent)
            {
                var n = (int)Math.Min(_count, Window);
                if (n == 0) return TimeSpan.Zero;
                long sum = 0;
                for (var i = 0; i < n; i++) sum += _recent[i];
                return Stopwatch.GetElapsedTime(0, sum / n);
            }
        }
    }

    /// <summary>Records one step of <paramref name="ticks"/> (<see cref="Stopwatch"/> ticks) over <paramref name="items"/> items.</summary>
    public void Record(long ticks, int items)
    {
        ticks = Math.Max(0, ticks);
        lock (_recent)
        {
            _recent[_count % Window] = ticks;
            _count++;
            _items += items;
            _total += ticks;
            _min = Math.Min(_min, ticks);
            _max = Math.Max(_max, ticks);
        }
    }

    /// <summary>Records a step that failed.</summary>
    public void RecordError()
    {
        lock (_recent) _errors++;
    }
}
