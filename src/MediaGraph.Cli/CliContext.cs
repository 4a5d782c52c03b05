using System.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace MediaGraph.Cli;

/// <summary>
/// What every command shares for one invocation: where output, messages and progress go, the <c>--verbose</c>
/// option, and running a graph with progress, logging and the metrics summary on stderr.
/// </summary>
internal sealed class CliContext(TextWriter output, TextWriter error, bool errorIsTerminal) : IDisposable
{
    private readonly List<ILoggerFactory> _loggers = new();

    /// <summary><c>--verbose</c>: informational log lines (and stack traces on failure). One per invocation: an
    /// option remembers the commands it was added to, so it is not shared between parallel invocations.</summary>
    public Option<bool> VerboseOption { get; } = new("--verbose", "-v")
    {
        Description = "Log what the graph does (information level) and print stack traces on failure",
        Recursive = true,
    };

    /// <summary><c>--xerror</c> (the ffmpeg CLI's name): the first damaged packet or frame fails the run
    /// (<see cref="GraphOptions.FailOnDamage"/>) instead of costing only the damaged part.</summary>
    public Option<bool> StrictOption { get; } = new("--xerror")
    {
        Description = "Fail on the first damaged packet or frame of an input (as ffmpeg -xerror) instead of skipping it with a warning",
        Recursive = true,
    };

    /// <summary><c>--protocols</c>: the protocol whitelist of every input (<see cref="DecodeOptions.Protocols"/>).</summary>
    public Option<string?> ProtocolsOption { get; } = new("--protocols")
    {
        Description = "Protocols an input may use, comma-separated (default: file,pipe,crypto,data,subfile; see --allow-network)",
        HelpName = "list",
    };

    /// <summary><c>--allow-network</c>: <see cref="DecodeOptions.AllowNetwork"/>.</summary>
    public Option<bool> AllowNetworkOption { get; } = new("--allow-network")
    {
        Description = "Let inputs use the network: http, https, tcp, tls, rtsp, rtp, udp, hls, rtmp, rtmps",
    };

    /// <summary><c>--allow-listen</c>: <see cref="DecodeOptions.AllowListen"/>.</summary>
    public Option<bool> AllowListenOption { get; } = new("--allow-listen")
    {
        Description = "Let an input listen for incoming connections (tcp://...?listen=1)",
    };

    /// <summary><c>--timeout</c>: open and read timeout of network inputs, in seconds (0 = none).</summary>
    public Option<double?> TimeoutOption { get; } = new("--timeout")
    {
        Description = "Seconds a network input may take to open, and to deliver data once open (default 10; 0 waits for ever)",
        HelpName = "seconds",
    };

    /// <summary>The input-policy options, for the commands that open inputs from the command line (transcode, probe;
    /// a graph.json sets them per input).</summary>
    public IEnumerable<Option> InputPolicyOptions => [ProtocolsOption, AllowNetworkOption, AllowListenOption, TimeoutOption];

    /// <summary><c>--hwaccel</c>: NVDEC decoding into device frames (DecodeOptions.HwAccel).</summary>
    public Option<HwAccel?> HwAccelOption { get; } = new("--hwaccel")
    {
        Description = "Hardware video decoding: none (default), auto (NVDEC when the run has a CUDA device and NVDEC takes the stream, else software, said once) or cuda (fails at once without a CUDA device)",
        HelpName = "none|auto|cuda",
        Recursive = true,
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (text is "none" or "auto" or "cuda" && Enum.TryParse<HwAccel>(text, ignoreCase: true, out var value)) return value;
            r.AddError($"unknown hwaccel '{text}': use none, auto or cuda");
            return null;
        },
    };

    /// <summary><paramref name="options"/> with the input policy given on the command line.</summary>
    public DecodeOptions WithInputPolicy(ParseResult parse, DecodeOptions options)
    {
        if (parse.GetValue(HwAccelOption) is { } hwaccel)
            options = options with { HwAccel = hwaccel };
        if (parse.GetValue(ProtocolsOption) is { } list)
            options = options with { Protocols = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) };
        if (parse.GetValue(TimeoutOption) is { } seconds)
            options = options with { OpenTimeout = TimeSpan.FromSeconds(Math.Max(0, seconds)), ReadTimeout = TimeSpan.FromSeconds(Math.Max(0, seconds)) };
        return options with { AllowNetwork = parse.GetValue(AllowNetworkOption), AllowListen = parse.GetValue(AllowListenOption) };
    }

    /// <summary><c>--reconnect</c> / <c>--no-reconnect</c>: <see cref="DecodeOptions.Reconnect"/> (default: live network inputs).</summary>
    public Option<bool> ReconnectOption { get; } = new("--reconnect")
    {
        Description = "Reconnect every network input that is lost, with exponential backoff (default: live network inputs do: rtsp, udp, srt, rtmp, live hls)",
    };

    public Option<bool> NoReconnectOption { get; } = new("--no-reconnect") { Description = "Never reconnect a lost input: it ends (or fails) as a file would" };

    public Option<double?> ReconnectDelayOption { get; } = new("--reconnect-delay")
    {
        Description = "Seconds before the first reconnect attempt, doubled after each failed one (default 0.5)",
        HelpName = "seconds",
    };

    public Option<double?> ReconnectMaxDelayOption { get; } = new("--reconnect-max-delay")
    {
        Description = "Longest wait between reconnect attempts, in seconds (default 30)",
        HelpName = "seconds",
    };

    public Option<int?> ReconnectAttemptsOption { get; } = new("--reconnect-attempts")
    {
        Description = "Failed reconnect attempts in a row before the input gives up and the run fails (default 0: for ever)",
        HelpName = "n",
    };

    public Option<EdgePolicy?> EdgePolicyOption { get; } = new("--edge-policy")
    {
        Description = "What the decoded stream does when processing falls behind: block (default; never lose a frame), keep-latest or drop-oldest (a live camera: drop and count frames, never fall behind)",
        HelpName = "block|keep-latest|drop-oldest",
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (Enum.TryParse<EdgePolicy>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var policy) && !char.IsDigit(text[0])) return policy;
            r.AddError($"--edge-policy '{text}' is not one of block, keep-latest, drop-oldest");
            return null;
        },
    };

    /// <summary>The live-input options (reconnect, backoff, edge policy), for commands that read inputs from the command line.</summary>
    public IEnumerable<Option> LiveInputOptions => [ReconnectOption, NoReconnectOption, ReconnectDelayOption, ReconnectMaxDelayOption, ReconnectAttemptsOption, EdgePolicyOption];

    /// <summary><paramref name="options"/> with the live-input options given on the command line.</summary>
    public DecodeOptions WithLiveInput(ParseResult parse, DecodeOptions options)
    {
        if (parse.GetValue(ReconnectOption)) options = options with { Reconnect = true };
        if (parse.GetValue(NoReconnectOption)) options = options with { Reconnect = false };
        if (parse.GetValue(ReconnectDelayOption) is { } delay) options = options with { ReconnectDelay = TimeSpan.FromSeconds(Math.Max(0, delay)) };
        if (parse.GetValue(ReconnectMaxDelayOption) is { } max) options = options with { ReconnectMaxDelay = TimeSpan.FromSeconds(Math.Max(0, max)) };
        if (parse.GetValue(ReconnectAttemptsOption) is { } attempts) options = options with { ReconnectAttempts = Math.Max(0, attempts) };
        if (parse.GetValue(EdgePolicyOption) is { } policy) options = options with { EdgePolicy = policy };
        return options;
    }

    /// <summary><c>--device</c>: where video processing runs (GraphOptions.Device). In a Native AOT build the GPU kinds
    /// fail with a message saying to use the .NET tool build: ILGPU compiles kernels at run time.</summary>
    public Option<Device?> DeviceOption { get; } = new("--device")
    {
        Description = "Where video processing runs: auto (a CUDA GPU when present, else the CPU), cpu, cuda, cuda:N, or cuda-sim (the CUDA kernels on ILGPU's CPU simulator: slow, for checking)",
        HelpName = "auto|cpu|cuda|cuda-sim",
        Recursive = true,
        CustomParser = r =>
        {
            try { return Device.Parse(r.Tokens.Single().Value); }
            catch (FormatException e) { r.AddError(e.Message); return null; }
        },
    };

    /// <summary><c>--trace FILE</c>: the run's frame timeline as Chrome trace-event JSON (<see cref="FrameTrace"/>),
    /// for Perfetto or chrome://tracing. On the commands that run a graph (run, transcode).</summary>
    public Option<string?> TraceOption { get; } = new("--trace")
    {
        Description = "Record every frame's passage through every node (queue wait, start, end, device, pts) and write it as Chrome trace-event JSON to this file, for ui.perfetto.dev or chrome://tracing",
        HelpName = "file.json",
    };

    public TextWriter Out { get; } = output;

    /// <summary>The first Ctrl+C: a running graph drains (<see cref="Graph.StopAsync"/>).</summary>
    public CancellationToken Drain { get; init; }
    public TextWriter Error { get; } = error;

    /// <summary>Graph options for this run: logging to stderr (warnings, or information with --verbose) and progress.</summary>
    public GraphOptions CreateGraphOptions(ParseResult parse, ProgressLine progress)
    {
        var verbose = parse.GetValue(VerboseOption);
        // Without --verbose only warnings: the runtime also logs the fault it throws (with its stack trace), and the
        // CLI prints that fault once, as "mediagraph: error: ...".
        var loggers = LoggerFactory.Create(b => b
            .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning)
            .AddFilter((_, level) => verbose || level == LogLevel.Warning)
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .AddSimpleConsole(o => o.SingleLine = true));
        _loggers.Add(loggers);
        var options = new GraphOptions { LoggerFactory = loggers, Progress = progress, FailOnDamage = parse.GetValue(StrictOption) };
        if (parse.GetValue(DeviceOption) is { } device) options.Device = device;
        if (parse.GetResult(TraceOption) is not null && parse.GetValue(TraceOption) is { } trace)
        {
            if (string.IsNullOrWhiteSpace(trace)) throw new CommandException("--trace needs a file name (trace.json)", Program.UsageError);
            options.Trace = new FrameTrace(trace);
        }
        return options;
    }

    public ProgressLine CreateProgress() => new(Error, errorIsTerminal);

    /// <summary>Runs <paramref name="graph"/>; <see cref="Drain"/> stops it without losing work. Afterwards (also on
    /// failure or Ctrl+C) ends the progress line and prints the metrics summary on stderr. Returns the exit code: 0, or
    /// <see cref="Program.Cancelled"/> after a drain.</summary>
    public async Task<int> RunGraphAsync(Graph graph, ProgressLine progress, CancellationToken cancellationToken)
    {
        try
        {
            using var drain = Drain.Register(() => _ = graph.StopAsync());
            var metrics = await graph.RunAsync(cancellationToken).ConfigureAwait(false);
            if (!metrics.Stopped) return 0;
            progress.Complete();
            Error.WriteLine("mediagraph: stopped; every frame decoded until then was encoded and the output finalised");
            return Program.Cancelled;
        }
        finally
        {
            progress.Complete();
            if (graph.Metrics is { } metrics) Error.Write(metrics.Summary());
            if (graph.Options.Trace is { Path: { } trace, Events: > 0 } written && File.Exists(trace))
                Error.WriteLine($"mediagraph: trace: {written.Events} events in {trace}{(written.Dropped > 0 ? $" ({written.Dropped} dropped)" : "")}; open it in https://ui.perfetto.dev or chrome://tracing");
        }
    }

    /// <summary>Flushes and closes the loggers (the console logger writes from a queue).</summary>
    public void Dispose()
    {
        foreach (var loggers in _loggers) loggers.Dispose();
    }
}
