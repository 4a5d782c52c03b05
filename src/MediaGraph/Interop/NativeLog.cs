using Microsoft.Extensions.Logging;

namespace MediaGraph.Interop;

/// <summary>
/// FFmpeg's own log lines for the native objects one owner (a running node) opens, forwarded to that owner's
/// <see cref="ILogger"/> at matching levels (AV_LOG_PANIC/FATAL → Critical, ERROR → Error, WARNING → Warning, INFO →
/// Information, VERBOSE → Debug, DEBUG → Trace). The native side ties each line to the context that logged it
/// (native/log.c), whichever FFmpeg thread that was, so graphs running at once never see each other's lines; lines
/// wait in a small native ring until <see cref="Drain"/> (between items, on the owner's thread: no FFmpeg thread ever
/// waits on managed code). The owner is ambient: objects opened while a log is <see cref="Current"/> in this async
/// flow are bound to it (<see cref="Handles.Open{T}"/>).
/// </summary>
internal sealed unsafe class NativeLog : IDisposable
{
    private const int ItemSize = 64, TextSize = 512;
    private static readonly AsyncLocal<NativeLog?> Ambient = new();

    private readonly Lock _lock = new();
    private readonly ILogger _logger;
    private readonly string _owner;
    private readonly Func<double>? _position;
    private nint _sink;
    // Lines forwarded in the current second and how often each came again since: a damaged stream repeats the same few
    // complaints for every packet, so each is forwarded once a second with the count of its repeats.
    private const int RepeatWindowMs = 1000, MaxTracked = 64;
    private readonly Dictionary<(int Level, string Component, string Message), int> _seen = new();
    private long _windowStart = Environment.TickCount64;

    private NativeLog(nint sink, ILogger logger, string owner, Func<double>? position)
    {
        _sink = sink;
        _logger = logger;
        _owner = owner;
        _position = position;
    }

    /// <summary>The log native objects opened now in this async flow are bound to; null outside a running node.</summary>
    public static NativeLog? Current => Ambient.Value;

    /// <summary>Makes <paramref name="log"/> the ambient owner for the rest of the calling async method (and what it
    /// awaits or starts); the caller's own flow is restored when that method returns.</summary>
    public static void Enter(NativeLog? log) => Ambient.Value = log;

    /// <param name="logger">Where the lines go; its enabled levels decide which lines FFmpeg formats at all.</param>
    /// <param name="owner">The node name the lines carry.</param>
    /// <param name="position">The owner's stream position in seconds (NaN when unknown), stamped on warnings and errors.</param>
    public static NativeLog Create(ILogger logger, string owner, Func<double>? position = null)
    {
        NativeLibraryCheck.EnsureLoaded();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_log_sink_create(FfmpegLevel(logger), out var sink), "creating a log sink", owner);
        return new NativeLog(sink, logger, owner, position);
    }

    /// <summary>The most verbose AV_LOG_* level <paramref name="logger"/> wants (-8: none).</summary>
    internal static int FfmpegLevel(ILogger logger) =>
        logger.IsEnabled(LogLevel.Trace) ? 48 : logger.IsEnabled(LogLevel.Debug) ? 40 : logger.IsEnabled(LogLevel.Information) ? 32 :
        logger.IsEnabled(LogLevel.Warning) ? 24 : logger.IsEnabled(LogLevel.Error) ? 16 : logger.IsEnabled(LogLevel.Critical) ? 8 : -8;

    /// <summary>The <see cref="LogLevel"/> of an AV_LOG_* level.</summary>
    internal static LogLevel LevelOf(int ffmpegLevel) => ffmpegLevel switch
    {
        <= 8 => LogLevel.Critical,
        <= 16 => LogLevel.Error,
        <= 24 => LogLevel.Warning,
        <= 32 => LogLevel.Information,
        <= 40 => LogLevel.Debug,
        _ => LogLevel.Trace,
    };

    /// <summary>The native sink, for binding a handle.</summary>
    internal nint Sink => _sink;

    /// <summary>Forwards the lines waiting, if any; costs one memory read when none waits.</summary>
    public void Drain()
    {
        var sink = Volatile.Read(ref _sink);
        if (sink == 0 || Volatile.Read(ref *(int*)sink) == 0) return;
        lock (_lock) DrainLocked();
    }

    private void DrainLocked()
    {
        if (_sink == 0) return;
        byte* item = stackalloc byte[ItemSize];
        byte* text = stackalloc byte[TextSize];
        while (NativeMethods.mg_log_sink_read(_sink, out var level, item, ItemSize, text, TextSize) == NativeMethods.Ok)
        {
            var line = (level, NativeMethods.Utf8(item) ?? "", NativeMethods.Utf8(text) ?? "");
            if (Environment.TickCount64 - _windowStart >= RepeatWindowMs) FlushRepeats();
            if (_seen.TryGetValue(line, out var repeats))
            {
                _seen[line] = repeats + 1;
                continue;
            }
            if (_seen.Count < MaxTracked) _seen[line] = 0;
            var logLevel = LevelOf(level);
            var position = logLevel >= LogLevel.Warning ? _position?.Invoke() ?? double.NaN : double.NaN;
            if (double.IsNaN(position))
                _logger.Log(logLevel, "{Node}: ffmpeg {Component}: {Message}", _owner, line.Item2, line.Item3);
            else
                _logger.Log(logLevel, "{Node}: ffmpeg {Component}: {Message} (at {Position:0.000} s)", _owner, line.Item2, line.Item3, position);
        }
        var dropped = NativeMethods.mg_log_sink_take_dropped(_sink);
        if (dropped > 0)
            _logger.LogWarning("{Node}: {Dropped} FFmpeg log lines were dropped (logged faster than the node could forward them)", _owner, dropped);
    }

    /// <summary>Says how often each line forwarded in the window came again, and starts a new window.</summary>
    private void FlushRepeats()
    {
        foreach (var (line, repeats) in _seen)
            if (repeats > 0)
                _logger.Log(LevelOf(line.Level), "{Node}: ffmpeg {Component}: {Message} (repeated {Repeats} more times)", _owner, line.Component, line.Message, repeats);
        _seen.Clear();
        _windowStart = Environment.TickCount64;
    }

    /// <summary>The first error line the owner's contexts logged since the last call, or null: the reason a failing
    /// call on them quotes. Costs one memory read when there is none.</summary>
    public string? TakeError()
    {
        var sink = Volatile.Read(ref _sink);
        if (sink == 0 || Volatile.Read(ref ((int*)sink)[1]) == 0) return null;
        byte* buf = stackalloc byte[TextSize];
        lock (_lock)
        {
            if (_sink == 0 || NativeMethods.mg_log_sink_take_error(_sink, buf, TextSize) != NativeMethods.Ok) return null;
        }
        return NativeMethods.Utf8(buf) is { Length: > 0 } reason ? reason : null;
    }

    /// <summary>Forwards what is left and frees the sink (its contexts' later lines are nobody's).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_sink == 0) return;
            DrainLocked();
            FlushRepeats();
            NativeMethods.mg_log_sink_free(ref _sink);
        }
    }
}
