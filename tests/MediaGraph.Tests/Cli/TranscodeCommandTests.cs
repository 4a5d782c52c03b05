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
    [InlineData("mp4", "--rate 29.97", "-r 29.97")]
    [InlineData("mkv", "-r ntsc", "-r ntsc")]
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
    public async Task Transcode_SegmentTime_CutsChunksAndPrintsALinePerFinishedChunk()
    {
        var input = await CliTestMedia.ClipAsync(); // 2 s at 25 fps
        var folder = CliTestMedia.NewFolder();

        var result = await CliTestMedia.RunAsync("transcode", input, Path.Combine(folder, "part%02d.ts"), "--vcodec", "libx264", "--preset", "ultrafast",
            "--gop", "12", "--segment-time", "0.5");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, result.Out);
        var files = Directory.GetFiles(folder, "part*.ts").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files.Length, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split(' ', 6);
            Assert.Equal(["chunk", i.ToString()], fields[..2]);
            Assert.Equal(files[i], fields[5].TrimEnd('\r'));
        }
        Assert.Equal(50, lines.Sum(l => int.Parse(l.Split(' ')[4])));
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

        var result = await CliTestMedia.RunAsync(error, ["transcode", input, output, "--preset", "veryslow"], stop.Token); // ~100 fps here: the 1500 frames take seconds more than the first progress line

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Contains("cancelled", result.Error);
        var probed = await CliTestMedia.ProbeAsync(output);
        Assert.InRange(probed.VideoFrames, 1, 1499);
    }

    /// <summary>True when <paramref name="progress"/> holds a progress line whose time is past 0 (the muxer wrote).</summary>
    internal static bool ShowsOutput(string? progress)
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
