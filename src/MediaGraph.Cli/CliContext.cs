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
        var options = new GraphOptions { LoggerFactory = loggers, Progress = progress };
        if (parse.GetValue(DeviceOption) is { } device) options.Device = device;
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
        }
    }

    /// <summary>Flushes and closes the loggers (the console logger writes from a queue).</summary>
    public void Dispose()
    {
        foreach (var loggers in _loggers) loggers.Dispose();
    }
}
