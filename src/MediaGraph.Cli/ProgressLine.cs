using System.Globalization;

namespace MediaGraph.Cli;

/// <summary>
/// Progress on stderr, like ffmpeg's: <c> frame=  123 fps= 85 time=00:00:04.92 / 00:00:07.60 (65%)</c>. On a
/// terminal one line is rewritten in place at every report; otherwise (a log file, a CI job) a line is printed
/// every two seconds so logs stay short.
/// </summary>
internal sealed class ProgressLine(TextWriter error, bool terminal) : IProgress<GraphProgress>
{
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(2);
    private readonly Lock _lock = new();
    private GraphProgress? _last;
    private TimeSpan? _printedAt;
    private int _width;

    public void Report(GraphProgress value)
    {
        lock (_lock)
        {
            _last = value;
            if (terminal)
            {
                var text = Format(value);
                error.Write("\r" + text.PadRight(_width));
                error.Flush();
                _width = text.Length;
            }
            else if (_printedAt is null || value.Elapsed - _printedAt >= LogInterval)
            {
                error.WriteLine(Format(value));
                _printedAt = value.Elapsed;
            }
        }
    }

    /// <summary>Ends the progress line (terminal) or prints the final state if it was not the last line printed.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            if (terminal && _width > 0) error.WriteLine();
            else if (!terminal && _last is { } last && _printedAt != last.Elapsed) error.WriteLine(Format(last));
            _width = 0;
            _printedAt = _last?.Elapsed;
        }
    }

    internal static string Format(GraphProgress p)
    {
        var ci = CultureInfo.InvariantCulture;
        var text = string.Create(ci, $" frame={p.Frames,5} fps={p.Fps,3:0} time={Time(p.PositionSeconds)}");
        return double.IsNaN(p.Fraction) ? text : string.Create(ci, $"{text} / {Time(p.DurationSeconds)} ({p.Fraction * 100:0}%)");
    }

    private static string Time(double seconds)
    {
        if (double.IsNaN(seconds) || seconds < 0) seconds = 0;
        var t = TimeSpan.FromSeconds(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}.{t.Milliseconds / 10:00}");
    }
}
