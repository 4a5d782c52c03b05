using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;

namespace MediaGraph.Cli;

/// <summary>
/// The <c>mediagraph</c> tool: transcode, probe, run a graph.json, draw it, check the install. Exit codes: 0 done,
/// 1 failed (the message on stderr names the file, node or codec), 2 usage error, 130 stopped with Ctrl+C (the
/// output is finalised and playable up to that point).
/// </summary>
public static class Program
{
    /// <summary>Exit code of a run stopped with Ctrl+C, as shells report SIGINT.</summary>
    public const int Cancelled = 130;
    /// <summary>Exit code of a bad command line.</summary>
    public const int UsageError = 2;
    /// <summary>Exit code of a failure.</summary>
    public const int Failed = 1;

    /// <summary>The process entry point. The first Ctrl+C (or SIGINT) drains, like the ffmpeg CLI's first <c>q</c>:
    /// sources stop, every frame already decoded is encoded, encoders flush and the output is finalised. A second one,
    /// pressed a second or more later, aborts: the output is finalised within about a second with what was already
    /// muxed. A third ends the process at once.</summary>
    public static async Task<int> Main(string[] args)
    {
        // A transcode or a graph run may last hours: run it with the C heap setting that keeps RSS flat (README,
        // "Memory"). Short commands (probe, dot, doctor ...) start once, as they are.
        if (RunsForHours(args)) CompactNativeHeap.RestartProcess();
        using var drain = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();
        var lastPress = 0L;
        Console.CancelKeyPress += (_, e) =>
        {
            // A signal sent to the process and to its group (timeout, kill -INT -PGID) arrives twice at once; only a
            // press a moment after the previous one counts as the next step.
            if (drain.IsCancellationRequested && Environment.TickCount64 - lastPress < 1000) { e.Cancel = true; return; }
            if (abort.IsCancellationRequested) return; // third: the process ends now
            e.Cancel = true;
            lastPress = Environment.TickCount64;
            Console.Error.WriteLine();
            if (!drain.IsCancellationRequested)
            {
                Console.Error.WriteLine("mediagraph: stopping: encoding the frames already decoded and finalising the output (Ctrl+C again to abort at once)");
                drain.Cancel();
            }
            else
            {
                Console.Error.WriteLine("mediagraph: aborting: finalising the output with what is already written (Ctrl+C again to end at once)");
                abort.Cancel();
            }
        };
        return await RunAsync(args, Console.Out, Console.Error, drain.Token, abort.Token).ConfigureAwait(false);
    }

    /// <summary>Runs one command line in-process; <paramref name="cancellationToken"/> plays the role of an abort
    /// (the second Ctrl+C). See <see cref="RunAsync(string[], TextWriter, TextWriter, CancellationToken, CancellationToken)"/>.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
        => RunAsync(args, stdout, stderr, CancellationToken.None, cancellationToken);

    /// <summary>
    /// Runs one command line in-process, writing results to <paramref name="stdout"/> and messages, progress and
    /// metrics to <paramref name="stderr"/>; returns the exit code. <paramref name="drain"/> plays the role of the first
    /// Ctrl+C (stop without losing work: exit 130 once the output is complete up to there), <paramref name="abort"/>
    /// that of the second (stop now: exit 130, the output finalised with what was muxed). Progress is a single updating line only when <paramref name="stderr"/> is the console's stderr and
    /// that is a terminal; otherwise one line every two seconds.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken drain, CancellationToken abort)
    {
        var cancellationToken = abort;
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        using var cli = new CliContext(stdout, stderr, ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected) { Drain = drain };
        var parse = CreateRootCommand(cli).Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            foreach (var message in parse.Errors.Select(e => e.Message).Distinct()) stderr.WriteLine($"mediagraph: error: {message}");
            var command = parse.CommandResult.Command;
            stderr.WriteLine($"Run '{(command.Name == Name ? Name : $"{Name} {command.Name}")} --help' for usage.");
            return UsageError;
        }
        var verbose = parse.GetValue(cli.VerboseOption);
        try
        {
            var configuration = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl+C is ours: it cancels the token, the library finalises the output
            };
            return await parse.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine("mediagraph: cancelled; the output was finalised up to that point");
            return Cancelled;
        }
        catch (CommandException e)
        {
            stderr.WriteLine($"mediagraph: error: {e.Message}");
            if (e.ExitCode == UsageError) stderr.WriteLine($"Run '{Name} {parse.CommandResult.Command.Name} --help' for usage.");
            return e.ExitCode;
        }
        catch (Exception e) when (e is MediaGraphException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            stderr.WriteLine($"mediagraph: error: {e.Message}");
            if (verbose) stderr.WriteLine(e);
            return Failed;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"mediagraph: error: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine(verbose ? e.ToString() : "(this looks like a bug in MediaGraph; run with --verbose for the stack trace and report it)");
            return Failed;
        }
    }

    private const string Name = "mediagraph";

    /// <summary>The commands that may run for hours (a transcode, a graph run) and so start again with the compact C
    /// heap setting (<see cref="CompactNativeHeap"/>).</summary>
    private static readonly string[] LongCommands = ["transcode", "run"];

    /// <summary>True when <paramref name="args"/> run a command that may last hours: the verb, as the command line
    /// parser reads it (the first argument that is neither an option nor an option's value), is transcode or run.
    /// A file or option value that happens to be called "run" (<c>mediagraph probe run</c>) does not count.</summary>
    internal static bool RunsForHours(string[] args)
    {
        using var cli = new CliContext(TextWriter.Null, TextWriter.Null, errorIsTerminal: false);
        var command = CreateRootCommand(cli).Parse(args).CommandResult;
        while (command.Parent is CommandResult parent && parent.Parent is not null) command = parent; // the verb, under the root
        return command.Parent is not null && LongCommands.Contains(command.Command.Name);
    }

    /// <summary>The root is a plain command named "mediagraph" (a <see cref="RootCommand"/> takes the name of the
    /// assembly, MediaGraph.Cli, which is not what users type), with help and version added by hand.</summary>
    private static Command CreateRootCommand(CliContext cli)
    {
        var root = new Command(Name, "Media pipelines in-process over FFmpeg: transcode, probe, and run or draw a graph.json.")
        {
            new HelpOption(),
            new VersionOption { Action = new PrintVersion(cli) },
            cli.VerboseOption,
            cli.StrictOption,
            cli.DeviceOption,
            cli.HwAccelOption,
        };
        root.Subcommands.Add(TranscodeCommand.Create(cli));
        root.Subcommands.Add(ProbeCommand.Create(cli));
        root.Subcommands.Add(RunCommand.Create(cli));
        root.Subcommands.Add(DotCommand.Create(cli));
        root.Subcommands.Add(DoctorCommand.Create(cli));
        root.Subcommands.Add(InferCommands.ReadText(cli));
        root.Subcommands.Add(InferCommands.Infer(cli));
        return root;
    }
}

/// <summary><c>mediagraph --version</c>: this tool's informational version (MinVer's version from the repository, then
/// <c>+</c> and the commit), written to the command's output. The default action would print the entry assembly's
/// version, which is not the tool's when <see cref="Program.RunAsync"/> runs inside another process.</summary>
internal sealed class PrintVersion(CliContext cli) : SynchronousCommandLineAction
{
    public static string Version { get; } =
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public override int Invoke(ParseResult parseResult)
    {
        cli.Out.WriteLine(Version);
        return 0;
    }
}

/// <summary>A failure the command itself detected, with the exit code to return (1, or 2 for usage errors).</summary>
internal sealed class CommandException(string message, int exitCode = Program.Failed) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
