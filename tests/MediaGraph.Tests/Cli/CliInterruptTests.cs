using MediaGraph.Tests.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Cli;

/// <summary>Real Ctrl+C presses to a running `mediagraph` (and the ffmpeg CLI beside it). They load the machine
/// themselves and time what they see, so they run alone (the serial collection): neither their load nor another
/// test's skews the other's timing.</summary>
[Collection(SerialCollection.Name)]
public sealed class CliInterruptTests(ITestOutputHelper log)
{
    /// <summary>A real Ctrl+C: SIGINT to a running `mediagraph` process while the machine is busy, and at the same
    /// moment to the ffmpeg CLI running the same job beside it. Ours drains: the output holds every frame the
    /// encoder had received, and the process exits 130; the CLI's output (its first Ctrl+C also drains) is probed
    /// beside ours, so the log shows what each kept.</summary>
    [Fact(Timeout = 120000)]
    public async Task Transcode_FirstSigInt_DrainsEveryFrameTheEncoderReceivedAndExits130LikeTheFfmpegCli()
    {
        var input = await CliTestMedia.LongClipAsync();
        var folder = CliTestMedia.NewFolder();
        var output = Path.Combine(folder, "out.mp4");
        var ffmpegOutput = Path.Combine(folder, "ffmpeg.mp4");
        using var load = new BusyThreads(Environment.ProcessorCount);
        using var ffmpeg = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ffmpeg",
            ["-nostdin", "-hide_banner", "-y", "-i", input, "-c:v", "libx264", "-preset", "veryslow", ffmpegOutput]) { RedirectStandardError = true })!;
        var ffmpegLog = ffmpeg.StandardError.ReadToEndAsync();
        await using var cli = CliProcess.Start("transcode", input, output, "--preset", "veryslow");

        await cli.Progressed.WaitAsync(TimeSpan.FromSeconds(60)); // mid-run: the output is under way
        await cli.InterruptAsync();
        await InterruptAsync(ffmpeg.Id);
        var exit = await cli.ExitAsync();
        await ffmpeg.WaitForExitAsync();

        Assert.True(exit == 130, $"exit {exit}: {cli.Error}");
        Assert.Contains("stopped; every frame decoded until then was encoded", cli.Error);
        var encoded = EncoderFramesIn(cli.Error);
        var probed = await CliTestMedia.ProbeAsync(output);
        var cliProbed = await CliTestMedia.ProbeAsync(ffmpegOutput);
        log.WriteLine($"interrupted together under load: mediagraph kept {probed.VideoFrames} frames (its encoder received {encoded}); " +
                      $"the ffmpeg CLI kept {cliProbed.VideoFrames} (exit {ffmpeg.ExitCode})");
        log.WriteLine((await ffmpegLog).Split('\n').LastOrDefault(l => l.Contains("frame=")) ?? "");
        Assert.InRange(probed.VideoFrames, 1, 1499);
        Assert.Equal(encoded, probed.VideoFrames);
        Assert.True(cliProbed.VideoFrames > 0, "the ffmpeg CLI's output, drained the same way, plays too");
    }

    private static async Task InterruptAsync(int processId)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-INT", processId.ToString()])!;
        await kill.WaitForExitAsync();
    }

    /// <summary>A second SIGINT while the drain of a slow encode runs aborts it: the process ends within about a second
    /// of it, exits 130, and the output plays.</summary>
    [Fact(Timeout = 90000)]
    public async Task Transcode_SecondSigInt_AbortsTheDrainWithinASecondAndTheOutputPlays()
    {
        var input = await TestMedia.ClipAsync("1080p-av-10s.mp4",
            "-f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 10 " +
            "-map 0:v -map 1:a -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac");
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");
        await using var cli = CliProcess.Start("transcode", input, output, "--preset", "veryslow", "--acodec", "copy");

        await cli.Progressed.WaitAsync(TimeSpan.FromSeconds(40));
        await cli.InterruptAsync(); // drain: a veryslow 1080p lookahead takes many seconds to encode
        await Task.Delay(1200);      // a second press, not the same signal delivered twice
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await cli.InterruptAsync();
        var exit = await cli.ExitAsync();
        var latency = clock.Elapsed;

        Assert.True(exit == 130, $"exit {exit}: {cli.Error}");
        Assert.Contains("aborting", cli.Error);
        Assert.True(latency < TimeSpan.FromSeconds(2), $"the process ended {latency.TotalMilliseconds:0} ms after the second Ctrl+C (about 1 s of it is .NET's own exit)");
        var probed = await CliTestMedia.ProbeAsync(output);
        Assert.True(probed.HasAudio || probed.VideoFrames > 0, "the output holds what was muxed");
    }

    /// <summary>The encoder's "in" count from the metrics summary the CLI prints.</summary>
    private static long EncoderFramesIn(string stderr)
    {
        var row = stderr.Split('\n').Single(l => l.StartsWith("encode-video", StringComparison.Ordinal));
        return long.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A `mediagraph` process (the framework-dependent CLI next to the tests) whose stderr is collected and
    /// watched for progress that shows the output under way.</summary>
    private sealed class CliProcess : IAsyncDisposable
    {
        private readonly System.Diagnostics.Process _process;
        private readonly System.Text.StringBuilder _error = new();
        private readonly Task _reading;
        private readonly TaskCompletionSource _progressed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private CliProcess(System.Diagnostics.Process process)
        {
            _process = process;
            _reading = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), ReadErrorAsync());
        }

        public static CliProcess Start(params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "MediaGraph.Cli.dll"));
            foreach (var arg in args) start.ArgumentList.Add(arg);
            return new CliProcess(System.Diagnostics.Process.Start(start)!);
        }

        public Task Progressed => _progressed.Task;
        public string Error { get { lock (_error) return _error.ToString(); } }

        public async Task InterruptAsync()
        {
            using var kill = System.Diagnostics.Process.Start("kill", ["-INT", _process.Id.ToString()])!;
            await kill.WaitForExitAsync();
        }

        public async Task<int> ExitAsync()
        {
            await _process.WaitForExitAsync();
            await _reading;
            return _process.ExitCode;
        }

        private async Task ReadErrorAsync()
        {
            var buffer = new char[256];
            int n;
            while ((n = await _process.StandardError.ReadAsync(buffer)) > 0)
            {
                lock (_error) _error.Append(buffer, 0, n);
                if (TranscodeCommandTests.ShowsOutput(Error)) _progressed.TrySetResult();
            }
            _progressed.TrySetResult();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}
