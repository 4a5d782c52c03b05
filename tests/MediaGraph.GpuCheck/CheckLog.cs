using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MediaGraph.GpuCheck;

/// <summary>The library's log for the check: information and above printed as it comes (indented, so the report
/// stays readable) and kept, so the check can count what a run said (the software-decode line, the NVENC plan).
/// <paramref name="echo"/> false keeps the lines without printing them (the benchmarks' repeated rounds).</summary>
internal sealed class CheckLog(bool echo = true) : ILoggerFactory, ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly bool _echo = echo;

    public IReadOnlyCollection<string> Lines => _lines;

    public void Clear() => _lines.Clear();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(CheckLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = $"{logLevel}: {formatter(state, exception)}";
            log._lines.Enqueue(line);
            if (!log._echo) return;
            var first = line.IndexOf('\n');
            Console.WriteLine($"    log {(first < 0 ? line : line[..first] + " …")}"); // a run's summary: the check prints its own table
        }
    }
}
