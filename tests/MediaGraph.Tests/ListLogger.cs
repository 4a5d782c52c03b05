using Microsoft.Extensions.Logging;

namespace MediaGraph.Tests;

/// <summary>One log line: its category, level, text, message template and position, and when it was logged
/// (since the logger was made).</summary>
internal sealed record Line(string Category, LogLevel Level, string Text, string Message, double? Position, TimeSpan At);

/// <summary>A logger for tests: every line any category logs, kept in order with its time.</summary>
internal sealed class ListLogger(LogLevel minimum = LogLevel.Trace)
{
    private readonly List<Line> _lines = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    public IReadOnlyList<Line> Lines { get { lock (_lines) return _lines.ToArray(); } }
    public IReadOnlyList<Line> Ffmpeg => Lines.Where(l => l.Category == "MediaGraph.FFmpeg").ToArray();
    /// <summary>The text of every line, in order.</summary>
    public IReadOnlyList<string> Texts => Lines.Select(l => l.Text).ToArray();
    /// <summary>The text of every warning, in order.</summary>
    public IReadOnlyList<string> Warnings => Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Text).ToArray();

    /// <summary>Every line with the milliseconds since the logger was made, one per line.</summary>
    public string Timeline() => string.Join("\n", Lines.Select(l => $"{l.At.TotalMilliseconds,8:0} ms  {l.Text}"));

    public ILogger For(string category) => new Category(this, category);

    private sealed class Category(ListLogger owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum();
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var values = state as IReadOnlyList<KeyValuePair<string, object?>>;
            var message = values?.FirstOrDefault(kv => kv.Key == "Message").Value as string ?? "";
            var position = values?.FirstOrDefault(kv => kv.Key == "Position").Value as double?;
            lock (owner._lines) owner._lines.Add(new Line(category, logLevel, formatter(state, exception), message, position, owner._clock.Elapsed));
        }
    }

    private LogLevel _minimum() => minimum;
}

/// <summary>Hands every category of a graph's logging to one <see cref="ListLogger"/>.</summary>
internal sealed class ListLoggerFactory(ListLogger logger) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => logger.For(categoryName);
    public void AddProvider(ILoggerProvider provider) { }
    public void Dispose() { }
}
