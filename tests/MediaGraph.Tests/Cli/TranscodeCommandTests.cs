using MediaGraph.Tests.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Cli;

public sealed class TranscodeCommandTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Transcode_ScaleSmallClip_KeepsEveryFrameAtTheNewSizeWithAudio()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--scale", "160x120", "--preset", "ultrafast", "--crf", "30");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new ProbedFile(50, 160, 120, HasAudio: true), await CliTestMedia.ProbeAsync(output));
        Assert.Contains("frames in", result.Error);   // the metrics summary
        Assert.Contains("frame=", result.Error);      // at least the final progress line
        Assert.Equal("", result.Out);
    }

    /// <summary>--rate and --vsync are ffmpeg's -r and -vsync: frame counts and durations equal the CLI's.</summary>
    [Theory(Timeout = 120000)]
    [InlineData("mp4", "--rate 10", "-r 10")]
    [InlineData("mp4", "--vsync passthrough", "-vsync passthrough")]
    [InlineData("mkv", "--vsync cfr", "-vsync cfr")]
    public async Task Transcode_RateAndVsync_GiveTheFfmpegClisFrames(string extension, string ours, string theirs)
    {
        var input = await TestMedia.ClipAsync("cli-dropped15.avi",
            "-f lavfi -i testsrc2=size=64x48:rate=15:duration=6 -vf \"select='not(between(mod(n\\,30)\\,3\\,25))'\" -vsync vfr -c:v mpeg4 -q:v 5");
        var folder = CliTestMedia.NewFolder();
        var (output, expected) = (Path.Combine(folder, $"ours.{extension}"), Path.Combine(folder, $"cli.{extension}"));
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -preset ultrafast {theirs} \"{expected}\"");

        var result = await CliTestMedia.RunAsync(["transcode", input, output, "--preset", "ultrafast", .. ours.Split(' ')]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var (a, b) = (await Ffprobe.StreamAsync(expected), await Ffprobe.StreamAsync(output));
        log.WriteLine($"ffmpeg {theirs}: {a.Frames} frames, {await Ffprobe.FormatDurationAsync(expected)} s; mediagraph {ours}: {b.Frames} frames, {await Ffprobe.FormatDurationAsync(output)} s");
        Assert.Equal(a.Frames, b.Frames);
        Assert.Equal(await Ffprobe.FormatDurationAsync(expected), await Ffprobe.FormatDurationAsync(output), 3);
    }

    /// <summary>Without --vcodec/--acodec the output gets what `ffmpeg -i IN OUT` gives it: ffprobe's codec and pixel
    /// (or sample) format of every stream equal, and as many files for an image sequence.</summary>
    [Theory(Timeout = 120000)]
    [MemberData(nameof(CliOutputOracle.Outputs), MemberType = typeof(CliOutputOracle))]
    public async Task Transcode_WithoutCodecOptions_GivesTheCodecsAndPixelFormatsTheFfmpegCliGives(string name)
    {
        var input = await CliTestMedia.ClipAsync();
        var folder = CliTestMedia.NewFolder();
        var ours = Path.Combine(folder, "mediagraph");
        Directory.CreateDirectory(ours);

        var result = await CliTestMedia.RunAsync("transcode", input, Path.Combine(ours, name));
        var cli = await CliOutputOracle.FfmpegAsync(input, Path.Combine(folder, "ffmpeg"), name);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(await CliOutputOracle.StreamsAsync(cli), await CliOutputOracle.StreamsAsync(CliOutputOracle.ProbePath(ours, name)));
        Assert.Equal(Directory.GetFiles(Path.Combine(folder, "ffmpeg")).Length, Directory.GetFiles(ours).Length);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_VideoOnlyInputIntoWav_FailsNamingTheOutput()
    {
        var input = await CliTestMedia.SilentClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.wav");

        var result = await CliTestMedia.RunAsync("transcode", input, output);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"output '{output}' has no streams left: the wav format takes no video stream", result.Error);
        Assert.False(File.Exists(output));
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_HlsWithFormatOptionsAndGop_WritesAPlaylistOfSegments()
    {
        var input = await CliTestMedia.ClipAsync(); // 2 s at 25 fps
        var folder = CliTestMedia.NewFolder();
        var playlist = Path.Combine(folder, "live.m3u8");

        var result = await CliTestMedia.RunAsync("transcode", input, playlist, "--preset", "ultrafast", "--gop", "12",
            "--format-option", "hls_time=0.5", "--format-option", "hls_list_size=0");

        Assert.True(result.ExitCode == 0, result.ToString());
        var segments = File.ReadAllLines(playlist).Where(l => l.EndsWith(".ts")).ToList();
        Assert.True(segments.Count >= 3, string.Join("\n", File.ReadAllLines(playlist)));
        Assert.All(segments, s => Assert.True(File.Exists(Path.Combine(folder, s)), s));
        Assert.Contains("#EXT-X-ENDLIST", File.ReadAllText(playlist));
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_MalformedFormatOption_IsAUsageError()
    {
        var input = await CliTestMedia.ClipAsync();
        var result = await CliTestMedia.RunAsync("transcode", input, Path.Combine(CliTestMedia.NewFolder(), "o.mp4"), "--format-option", "faststart");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'faststart' is not key=value", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_InputWithoutAudio_WritesVideoOnly()
    {
        var input = await CliTestMedia.SilentClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mkv");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--deinterlace-method", "bwdif", "--preset", "ultrafast");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new ProbedFile(50, 320, 240, HasAudio: false), await CliTestMedia.ProbeAsync(output));
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_CopyBothStreams_RemuxesWithoutDecoding()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mkv");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--vcodec", "copy", "--acodec", "copy");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new ProbedFile(50, 320, 240, HasAudio: true), await CliTestMedia.ProbeAsync(output));
        Assert.DoesNotContain("decode-video", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_AcodecNone_DropsTheAudio()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--acodec", "none", "--preset", "ultrafast", "--vbitrate", "300k");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(new ProbedFile(50, 320, 240, HasAudio: false), await CliTestMedia.ProbeAsync(output));
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_MissingInput_ExitsOneNamingTheFile()
    {
        var missing = Path.Combine(CliTestMedia.NewFolder(), "no-such-input.mp4");
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", missing, output);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mediagraph: error: ", result.Error);
        Assert.Contains("no-such-input.mp4", result.Error);
        Assert.False(File.Exists(output));
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_UnknownVideoCodec_ExitsOneNamingTheCodec()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--vcodec", "libnosuchcodec");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("mediagraph: error: ", result.Error);
        Assert.Contains("libnosuchcodec", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_CopyWithScale_IsAUsageErrorThatSaysWhy()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--vcodec", "copy", "--scale", "160x120");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--vcodec copy", result.Error);
        Assert.Contains("without decoding", result.Error);
        Assert.False(File.Exists(output));
    }

    [Theory(Timeout = 60000)]
    [InlineData("--scale", "1280")]
    [InlineData("--scale", "0x720")]
    [InlineData("--vbitrate", "fast")]
    [InlineData("--deinterlace-method", "weave")]
    [InlineData("--no-such-option", "1")]
    [InlineData("--vsync", "sometimes")]
    [InlineData("--rate", "fast")]
    [InlineData("--rate", "0")]
    public async Task Transcode_BadOption_IsAUsageErrorNamingIt(string option, string value)
    {
        var result = await CliTestMedia.RunAsync("transcode", "in.mp4", "out.mp4", option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(value, result.Error);
        Assert.Contains("mediagraph transcode --help", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_OutputIsTheInput_IsRefused()
    {
        var input = await CliTestMedia.ClipAsync();

        var result = await CliTestMedia.RunAsync("transcode", input, input);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is the input", result.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_Cancelled_Exits130AndTheOutputPlays()
    {
        var input = await CliTestMedia.LongClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");
        using var stop = new CancellationTokenSource();
        var error = new CancelOnProgress(stop); // Ctrl+C as soon as the first progress line appears

        var result = await CliTestMedia.RunAsync(error, ["transcode", input, output, "--preset", "medium"], stop.Token);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("cancelled", result.Error);
        var probed = await CliTestMedia.ProbeAsync(output);
        Assert.InRange(probed.VideoFrames, 1, 499);
    }

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
        Assert.InRange(probed.VideoFrames, 1, 499);
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
                if (ShowsOutput(Error)) _progressed.TrySetResult();
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

    /// <summary>True when <paramref name="progress"/> holds a progress line whose time is past 0 (the muxer wrote).</summary>
    private static bool ShowsOutput(string? progress)
        => progress is not null && System.Text.RegularExpressions.Regex.IsMatch(progress, @"time=(?!00:00:00\.00)\d\d:\d\d:\d\d\.\d\d");

    /// <summary>stderr that cancels when the CLI's progress shows the output under way (packets muxed: time past 0;
    /// frames merely handed to a slow encoder's lookahead may not reach the file within the cancel's grace period).</summary>
    private sealed class CancelOnProgress(CancellationTokenSource stop) : StringWriter
    {
        public override void Write(string? value)
        {
            base.Write(value);
            if (ShowsOutput(value)) stop.Cancel();
        }

        public override void WriteLine(string? value)
        {
            Write(value);
            base.WriteLine();
        }
    }
}
