using System.Globalization;
using MediaGraph.Interop;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>
/// Frame rate as the ffmpeg CLI (issue 11, item 3): the same command through the CLI and through MediaGraph gives
/// the same frame count and duration, with the CLI run in the same test as the oracle.
/// </summary>
public sealed class FrameRateTests(ITestOutputHelper log)
{
    /// <summary>A webcam-like recording: 15 fps AVI holding 12 s, of which every 30-frame stretch lost 23 frames
    /// (the AVI muxer stores the gaps as empty chunks, so 28 frames decode from 12 s).</summary>
    private static Task<string> DroppedFramesAviAsync() => TestMedia.ClipAsync("dropped15.avi",
        "-f lavfi -i testsrc2=size=64x48:rate=15:duration=12 -vf \"select='not(between(mod(n\\,30)\\,3\\,25))'\" " +
        "-vsync vfr -c:v mpeg4 -q:v 5");

    /// <summary>Audio from 0, video (25 fps, 4 s) from 0.4 s, in Matroska.</summary>
    private static Task<string> LateVideoAsync() => TestMedia.ClipAsync("late-video.mkv",
        "-itsoffset 0.4 -f lavfi -i testsrc2=size=64x48:rate=25:duration=4 -f lavfi -i sine=frequency=440:duration=4.4 " +
        "-map 0:v -map 1:a -c:v mpeg4 -q:v 5 -c:a aac");

    /// <summary>30000/1001 fps H.264 in Matroska that lost a random 30% of its frames.</summary>
    private static Task<string> RandomDropsAsync() => TestMedia.ClipAsync("random-drops.mkv",
        "-f lavfi -i testsrc2=size=64x48:rate=30000/1001:duration=4 -vf \"select='lt(random(0),0.7)'\" " +
        "-vsync vfr -c:v libx264 -preset ultrafast");

    private sealed record Result(long Frames, double StreamDuration, double FormatDuration, double Start);

    private static async Task<Result> ProbeAsync(string path)
    {
        var video = await Ffprobe.StreamAsync(path, "v:0");
        return new Result(video.Frames, video.Duration, await Ffprobe.FormatDurationAsync(path), video.StartTime);
    }

    /// <summary>Transcodes <paramref name="input"/>'s video (and audio when <paramref name="withAudio"/>) to
    /// <paramref name="extension"/> with the ffmpeg CLI and with MediaGraph, and probes both.</summary>
    private async Task<(Result Cli, Result Ours)> BothAsync(string input, string extension, EncodeOptions options, string cliOptions,
        bool withAudio = false, Func<VideoStream, VideoStream>? process = null, string? cliFilter = null)
    {
        var folder = TestMedia.OutputFolder();
        var cli = Path.Combine(folder, $"cli.{extension}");
        var ours = Path.Combine(folder, $"ours.{extension}");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" {(withAudio ? "" : "-an ")}{(cliFilter is null ? "" : $"-vf {cliFilter} ")}-c:v libx264 -preset ultrafast {cliOptions} \"{cli}\"");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        var video = process is null ? decoded.Video : process(decoded.Video);
        graph.Encode(ours, video, withAudio ? decoded.Audio : null, options with { VideoCodec = "libx264", Preset = "ultrafast" });
        await graph.RunAsync();

        var (a, b) = (await ProbeAsync(cli), await ProbeAsync(ours));
        log.WriteLine($"ffmpeg CLI: {a}");
        log.WriteLine($"MediaGraph: {b}");
        return (a, b);
    }

    private static void AssertSame(Result cli, Result ours)
    {
        Assert.Equal(cli.Frames, ours.Frames);
        Assert.Equal(cli.FormatDuration, ours.FormatDuration, 3);
        if (!double.IsNaN(cli.StreamDuration)) Assert.Equal(cli.StreamDuration, ours.StreamDuration, 3);
        Assert.Equal(cli.Start, ours.Start, 3);
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_DroppedFramesAviToMp4_DuplicatesToTheCliFrameCountAndDuration()
    {
        var input = await DroppedFramesAviAsync();
        var decoded = (await Ffprobe.StreamAsync(input)).Frames;

        var (cli, ours) = await BothAsync(input, "mp4", new EncodeOptions(), "");

        AssertSame(cli, ours);
        Assert.Equal(180, ours.Frames); // 12 s at 15 fps: mp4 takes a constant rate, the gaps are filled
        Assert.True(decoded < 60, $"the input should decode to far fewer frames than 180, not {decoded}");
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_DroppedFramesAviToMkv_KeepsTheDecodedFramesAndTheCliDuration()
    {
        var input = await DroppedFramesAviAsync();
        var decoded = (await Ffprobe.StreamAsync(input)).Frames;

        var (cli, ours) = await BothAsync(input, "mkv", new EncodeOptions(), "");

        AssertSame(cli, ours);
        Assert.Equal(decoded, ours.Frames); // mkv stores variable timing: nothing duplicated
    }

    [Theory(Timeout = 120000)]
    [InlineData("mp4")]
    [InlineData("mkv")]
    public async Task Encode_VideoStartingAfterTheAudio_IsPaddedOrShiftedAsTheCli(string extension)
    {
        var input = await LateVideoAsync();

        var (cli, ours) = await BothAsync(input, extension, new EncodeOptions(), "", withAudio: true);

        AssertSame(cli, ours);
        if (extension == "mp4") Assert.True(ours.Frames > 100, $"mp4 repeats the first frame back to 0: {ours.Frames} frames");
    }

    /// <summary>An input with only a video stream, cut in the middle of a GOP so its first decodable frame comes
    /// well after its start (at the next keyframe): auto (the CLI's VSCFR) starts the output at that frame, cfr repeats
    /// it back to 0.</summary>
    [Theory(Timeout = 120000)]
    [InlineData(FrameRateMode.Auto, "")]
    [InlineData(FrameRateMode.Cfr, "-vsync cfr")]
    public async Task Encode_OnlyStreamStartingLate_StartsWhereTheCliStarts(FrameRateMode mode, string vsync)
    {
        var whole = await TestMedia.ClipAsync("gop50.ts", "-f lavfi -i testsrc2=size=64x48:rate=25:duration=4 -c:v libx264 -preset ultrafast -g 50 -bf 0");
        var input = Path.Combine(TestMedia.OutputFolder(), "cut.ts");
        var bytes = await File.ReadAllBytesAsync(whole);
        await File.WriteAllBytesAsync(input, bytes[(188 * 20)..]); // whole TS packets: the first keyframe is lost

        var (cli, ours) = await BothAsync(input, "mp4", new EncodeOptions { FrameRateMode = mode }, vsync);

        AssertSame(cli, ours);
        if (mode == FrameRateMode.Auto) Assert.True(ours.Start > 0.2, $"the output starts at its first frame, not {ours.Start}");
        else Assert.Equal(0, ours.Start, 3);
    }

    [Theory(Timeout = 120000)]
    [InlineData("mp4", FrameRateMode.Vfr, "-vsync vfr")]
    [InlineData("mkv", FrameRateMode.Cfr, "-vsync cfr")]
    [InlineData("mp4", FrameRateMode.Auto, "")]
    [InlineData("mkv", FrameRateMode.Auto, "")]
    public async Task Encode_RandomlyDroppedFrames_GiveTheCliFramesInEachMode(string extension, FrameRateMode mode, string vsync)
    {
        var input = await RandomDropsAsync();

        var (cli, ours) = await BothAsync(input, extension, new EncodeOptions { FrameRateMode = mode }, vsync);

        AssertSame(cli, ours);
    }

    [Theory(Timeout = 120000)]
    [InlineData("mp4", "10")]
    [InlineData("mkv", "24")]
    [InlineData("mp4", "30000/1001")]
    public async Task Encode_OutputRate_DropsAndDuplicatesAsTheCliWithR(string extension, string rate)
    {
        var input = await DroppedFramesAviAsync();

        var (cli, ours) = await BothAsync(input, extension, new EncodeOptions { FrameRate = Rational.Parse(rate) }, $"-r {rate}");

        AssertSame(cli, ours);
    }

    /// <summary>One decoded stream shared by two encoders that time it differently (a frame's timing is never
    /// written by an encoder, so neither sees the other's): each output equals the CLI's for its own command.</summary>
    [Fact(Timeout = 120000)]
    public async Task Encode_OneStreamIntoTwoOutputsWithDifferentRates_GivesEachTheCliFrames()
    {
        var input = await DroppedFramesAviAsync();
        var folder = TestMedia.OutputFolder();
        var (cli10, cliMkv) = (Path.Combine(folder, "cli10.mp4"), Path.Combine(folder, "cli.mkv"));
        var (ours10, oursMkv) = (Path.Combine(folder, "ours10.mp4"), Path.Combine(folder, "ours.mkv"));
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c:v libx264 -preset ultrafast -r 10 \"{cli10}\"");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c:v libx264 -preset ultrafast \"{cliMkv}\"");

        var graph = new Graph();
        var video = graph.Decode(input).Video;
        graph.Encode(ours10, video, null, new EncodeOptions { VideoCodec = "libx264", Preset = "ultrafast", FrameRate = new Rational(10, 1) });
        graph.Encode(oursMkv, video, null, new EncodeOptions { VideoCodec = "libx264", Preset = "ultrafast" });
        await graph.RunAsync();

        AssertSame(await ProbeAsync(cli10), await ProbeAsync(ours10));
        AssertSame(await ProbeAsync(cliMkv), await ProbeAsync(oursMkv));
        Assert.Equal(await Ffprobe.FrameTimesAsync(cliMkv), await Ffprobe.FrameTimesAsync(oursMkv));
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_Passthrough_KeepsEveryInputFrameAtItsTime()
    {
        var input = await DroppedFramesAviAsync();
        var inputTimes = await Ffprobe.FrameTimesAsync(input);

        var (cli, ours) = await BothAsync(input, "mp4", new EncodeOptions { FrameRateMode = FrameRateMode.Passthrough }, "-vsync passthrough");

        AssertSame(cli, ours);
        Assert.Equal(inputTimes.Count, ours.Frames);
    }

    [Theory(Timeout = 120000)]
    [InlineData("10")]
    [InlineData("24")]
    [InlineData("30000/1001")]
    public async Task Fps_DroppedFramesInput_GivesTheFramesOfVfFps(string rate)
    {
        var input = await DroppedFramesAviAsync();

        var expected = await FrameOracle.FfmpegAsync(input, $"fps={rate}");
        var actual = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Fps(Rational.Parse(rate)));

        log.WriteLine($"ffmpeg -vf fps={rate}: {expected.Count} frames, MediaGraph: {actual.Count}");
        Assert.Equal(expected.Select(f => (f.PtsMicroseconds, f.Md5)), actual.Select(f => (f.PtsMicroseconds, f.Md5)));
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_AfterFps_GivesTheCliFramesOfVfFps()
    {
        var input = await DroppedFramesAviAsync();

        var (cli, ours) = await BothAsync(input, "mp4", new EncodeOptions(), "", process: v => v.Fps(new Rational(10, 1)), cliFilter: "fps=10");

        AssertSame(cli, ours);
    }

    [Theory]
    [InlineData("out.mp4", null, 2, "Cfr")]
    [InlineData("out.mp4", null, 1, "VsCfr")]
    [InlineData("out.mov", null, 2, "Cfr")]
    [InlineData("out.ts", null, 2, "Vfr")]
    [InlineData("frame_%03d.png", null, 2, "Cfr")]
    [InlineData("out.mkv", null, 2, "Vfr")]
    [InlineData("out.webm", null, 1, "Vfr")]
    [InlineData("out.avi", null, 2, "Vfr")]
    [InlineData("out", "null", 2, "Passthrough")]
    [InlineData("chunk_%03d.ts", "segment", 2, "Cfr")]
    [InlineData("out.m3u8", null, 2, "Cfr")]
    public void Auto_PicksTheCliMethodForTheFormat(string path, string? format, int inputStreams, string expected)
    {
        var timing = OutputDefaults.TimingOf(path, format, out var problem);
        Assert.Null(problem);

        Assert.Equal(Enum.Parse<VideoSyncMethod>(expected), VideoSync.Resolve(FrameRateMode.Auto, timing, onlyStreamOfInput: inputStreams == 1, keptTimestamps: false));
    }

    [Theory]
    [InlineData(FrameRateMode.Cfr, "Cfr")]
    [InlineData(FrameRateMode.Vfr, "Vfr")]
    [InlineData(FrameRateMode.Passthrough, "Passthrough")]
    public void ExplicitMode_IsKeptWhateverTheFormat(FrameRateMode mode, string expected)
    {
        foreach (var path in new[] { "out.mp4", "out.mkv" })
            Assert.Equal(Enum.Parse<VideoSyncMethod>(expected), VideoSync.Resolve(mode, OutputDefaults.TimingOf(path, null, out _), onlyStreamOfInput: true, keptTimestamps: false));
    }

    [Theory]
    [InlineData("25", 25, 1)]
    [InlineData("30000/1001", 30000, 1001)]
    [InlineData("29.97", 2997, 100)]
    [InlineData("ntsc", 30000, 1001)]
    [InlineData("pal", 25, 1)]
    [InlineData("film", 24, 1)]
    public void ParseFrameRate_ReadsRatesAsFfmpegsR(string text, int num, int den)
        => Assert.Equal(new Rational(num, den), Rational.ParseFrameRate(text));

    [Theory]
    [InlineData("fast")]
    [InlineData("0")]
    [InlineData("-25")]
    public void ParseFrameRate_NotARate_SaysWhatToGive(string text)
    {
        var e = Assert.Throws<FormatException>(() => Rational.ParseFrameRate(text));
        Assert.Contains(text, e.Message);
        Assert.Contains("30000/1001", e.Message);
    }

    [Fact]
    public void ConstantRate_FillsAGapWithRepeatsAndDropsAFrameThatComesTooEarly()
    {
        var sync = new VideoSync(VideoSyncMethod.Cfr);
        Assert.Equal((0, 1), sync.Decide(VideoSync.ToOutputTicks(0, new(1, 15), new(1, 15)), 1));
        Assert.Equal(0, sync.TakePts());
        // Three slots later: delta0 = 2, delta = 3 -> three frames, the first llrintf(2 - 0.6) = 1 repeating the last.
        Assert.Equal((1, 3), sync.Decide(3, 1));
        Assert.Equal([1L, 2, 3], [sync.TakePts(), sync.TakePts(), sync.TakePts()]);
        // 2.2 slots before the next one (and ending before it): dropped; the CLI counts the drop at the next frame.
        Assert.Equal((0, 0), sync.Decide(4 - 2.2, 0));
        Assert.Equal((0, 1), sync.Decide(4, 1));
        Assert.Equal((2L, 1L), (sync.Duplicated, sync.Dropped));
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_FrameRateOptions_RoundTripThroughJson()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), graph.Decode(input).Video.Fps(new Rational(30000, 1001)), null,
            new EncodeOptions { FrameRateMode = FrameRateMode.Passthrough, FrameRate = new Rational(30000, 1001) });

        var json = graph.ToJson();
        var back = Graph.FromJson(json);

        log.WriteLine(json);
        Assert.Contains("\"frameRateMode\": \"passthrough\"", json);
        Assert.Contains("\"frameRate\": \"30000/1001\"", json);
        Assert.Equal(json, back.ToJson());
        var encoder = back.Nodes.OfType<EncodeNode>().Single();
        Assert.Equal((FrameRateMode.Passthrough, new Rational(30000, 1001)), (encoder.Options.FrameRateMode, encoder.Options.FrameRate));
        Assert.Equal(new Rational(30000, 1001), back.Nodes.OfType<FpsNode>().Single().Rate);
    }

    [Theory]
    [InlineData("\"frameRateMode\": \"sometimes\"", "frameRateMode 'sometimes' is not one of auto, cfr, vfr, passthrough")]
    [InlineData("\"frameRate\": \"fast\"", "frameRate 'fast' is not a frame rate")]
    public void Json_BadFrameRateOption_IsReportedWithWhatToGive(string option, string message)
    {
        var json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "in.video", "options": { OPTION }}
            ]}
            """.Replace("OPTION", option);

        var e = Assert.Throws<GraphValidationException>(() => Graph.FromJson(json));

        log.WriteLine(e.Message);
        Assert.Contains(message, e.Message);
    }

    /// <summary>Colour properties (issue 11, item 2): the first frame's tags reach the encoder as the CLI passes them.</summary>
    [Theory(Timeout = 120000)]
    [InlineData("bt709.mp4", "-vf scale=out_color_matrix=bt709,format=yuv420p -color_primaries bt709 -color_trc bt709 -colorspace bt709")]
    [InlineData("full-range.mkv", "-pix_fmt yuv420p -color_range pc -colorspace bt470bg -color_primaries bt470bg -color_trc gamma28")]
    public async Task Encode_TaggedInput_KeepsColourRangeSpacePrimariesAndTransferAsTheCli(string name, string tags)
    {
        var input = await TestMedia.ClipAsync($"colour-{name}", $"-f lavfi -i testsrc2=size=64x48:rate=25:duration=0.4 {tags} -c:v libx264 -preset ultrafast");
        var folder = TestMedia.OutputFolder();
        var cli = Path.Combine(folder, "cli.mp4");
        var ours = Path.Combine(folder, "ours.mp4");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c:v libx264 -preset ultrafast \"{cli}\"");
        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video, null, new EncodeOptions { Preset = "ultrafast" });
        await graph.RunAsync();

        var (source, expected, actual) = (await ColoursAsync(input), await ColoursAsync(cli), await ColoursAsync(ours));

        log.WriteLine($"input {source}\nffmpeg CLI {expected}\nMediaGraph {actual}");
        Assert.Equal(expected, actual);
        Assert.Equal(source, actual);
        Assert.DoesNotContain("unknown", actual.Split('|')[1]); // the tags were really there to keep
    }

    /// <summary>Field order (issue 11, item 2): interlaced frames give the encoder tb/bt as the CLI sets it, and
    /// Matroska, which stores it, carries the same tag.</summary>
    [Fact(Timeout = 120000)]
    public async Task Encode_InterlacedInput_TagsTheFieldOrderAsTheCli()
    {
        var input = await TestMedia.ClipAsync("interlaced-320x240.mp4", "-f lavfi -t 1 -i testsrc2=size=320x240:rate=30000/1001 " +
            "-c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts tff=1 -field_order tt -pix_fmt yuv420p");
        var folder = TestMedia.OutputFolder();
        var (cli, ours) = (Path.Combine(folder, "cli.mkv"), Path.Combine(folder, "ours.mkv"));
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c:v libx264 -preset ultrafast \"{cli}\"");
        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video, null, new EncodeOptions { Preset = "ultrafast" });
        await graph.RunAsync();

        var (expected, actual) = ((await Ffprobe.StreamAsync(cli)).FieldOrder, (await Ffprobe.StreamAsync(ours)).FieldOrder);

        log.WriteLine($"ffmpeg CLI {expected}, MediaGraph {actual}");
        Assert.Equal(expected, actual);
        Assert.NotEqual("progressive", actual);
    }

    private static async Task<string> ColoursAsync(string path)
    {
        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -show_entries stream=pix_fmt,color_range,color_space,color_primaries,color_transfer \"{path}\"");
        var s = json.RootElement.GetProperty("streams")[0];
        string Get(string name) => s.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "unknown";
        return string.Join("|", Get("pix_fmt"), Get("color_range"), Get("color_space"), Get("color_primaries"), Get("color_transfer"));
    }

    private static async Task<(string Rate, long Frames)> RateAndFramesAsync(string path)
    {
        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -count_frames -show_entries stream=r_frame_rate,nb_read_frames \"{path}\"");
        var stream = json.RootElement.GetProperty("streams")[0];
        return (stream.GetProperty("r_frame_rate").GetString()!, long.Parse(stream.GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>Encodes <paramref name="input"/>'s video with <paramref name="codec"/> into <paramref name="extension"/>
    /// through the ffmpeg CLI and through MediaGraph; returns both streams' r_frame_rate and frame count.</summary>
    private async Task<((string Rate, long Frames) Cli, (string Rate, long Frames) Ours)> EncodeBothAsync(string input, string codec, string extension)
    {
        var folder = TestMedia.OutputFolder();
        var cli = Path.Combine(folder, $"cli.{extension}");
        var ours = Path.Combine(folder, $"ours.{extension}");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -an -c:v {codec} \"{cli}\"");
        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = codec });
        await graph.RunAsync();
        var (a, b) = (await RateAndFramesAsync(cli), await RateAndFramesAsync(ours));
        log.WriteLine($"ffmpeg CLI: {a}; MediaGraph: {b}");
        return (a, b);
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_Mpeg4FromAnImplausibleFrameRate_ReducesTheRateAsTheCli()
    {
        // 100000/3 fps (a damaged header's rate): MPEG-4 Part 2 allows 16-bit time bases only, and the CLI reduces
        // the rate to fit instead of failing.
        var input = await TestMedia.ClipAsync("rate-100000-3.nut", "-f lavfi -i testsrc2=size=64x48:rate=100000/3 -frames:v 20 -c:v ffv1");
        var (cli, ours) = await EncodeBothAsync(input, "mpeg4", "avi");
        Assert.Equal(cli, ours);
        Assert.Equal(20, ours.Frames);
    }

    [Fact(Timeout = 120000)]
    public async Task Encode_Mpeg2FromARateItDoesNotList_TakesTheNearestListedRateAsTheCli()
    {
        var input = await TestMedia.ClipAsync("rate-24-5.nut", "-f lavfi -i testsrc2=size=64x48:rate=24.5 -frames:v 20 -c:v ffv1");
        var (cli, ours) = await EncodeBothAsync(input, "mpeg2video", "mpg");
        Assert.Equal(cli, ours);
        Assert.Equal("24/1", ours.Rate); // av_find_nearest_q_idx: 24.5 is as near 24 as 25, and 24 comes first
    }
}
