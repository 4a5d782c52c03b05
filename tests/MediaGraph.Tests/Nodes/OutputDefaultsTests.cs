using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The ffmpeg CLI as the oracle for what an output gets without codec options: ffprobe's view of each stream
/// (type, codec, pixel or sample format) of the CLI's output and of ours, for the same input and output name.</summary>
public static class CliOutputOracle
{
    /// <summary>The output names the default-codec tests cover: image sequences, audio-only (mp3 takes video only as
    /// cover art), video-only and A/V formats.</summary>
    public static TheoryData<string> Outputs => new()
    {
        "frame_%03d.png", "frame_%03d.jpg", "out.wav", "out.mp3", "out.webm", "out.gif", "out.mkv", "out.mp4",
    };

    /// <summary>Runs <c>ffmpeg -i input [arguments] folder/name</c> and returns the path to probe.</summary>
    public static async Task<string> FfmpegAsync(string input, string folder, string name, string arguments = "")
    {
        Directory.CreateDirectory(folder);
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" {arguments} \"{Path.Combine(folder, name)}\"");
        return ProbePath(folder, name);
    }

    /// <summary>The file to probe for output <paramref name="name"/> in <paramref name="folder"/>: the first image of
    /// a sequence (frame_%03d.png → frame_001.png), else the file itself.</summary>
    public static string ProbePath(string folder, string name) => Path.Combine(folder, name.Replace("%03d", "001"));

    /// <summary>One line per stream: "video h264 yuv420p", "audio opus fltp 48000 stereo".</summary>
    public static async Task<IReadOnlyList<string>> StreamsAsync(string path)
    {
        using var json = await Ffprobe.JsonAsync($"-show_entries stream=codec_type,codec_name,pix_fmt,sample_fmt,sample_rate,channel_layout \"{path}\"");
        return json.RootElement.GetProperty("streams").EnumerateArray()
            .Select(s => string.Join(" ", new[] { "codec_type", "codec_name", "pix_fmt", "sample_fmt", "sample_rate", "channel_layout" }
                .Select(k => s.TryGetProperty(k, out var v) ? v.GetString() : null).Where(v => v is not null)))
            .ToArray();
    }
}

public sealed class OutputDefaultsTests(ITestOutputHelper log)
{
    [Theory(Timeout = 120000)]
    [MemberData(nameof(CliOutputOracle.Outputs), MemberType = typeof(CliOutputOracle))]
    public async Task Encode_WithoutCodecOptions_GivesTheCodecsAndPixelFormatsTheFfmpegCliGives(string name)
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 1);
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "mediagraph");
        Directory.CreateDirectory(ours);

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(Path.Combine(ours, name), decoded.Video, decoded.Audio);
        await graph.RunAsync();
        var cli = await CliOutputOracle.FfmpegAsync(input, Path.Combine(folder, "ffmpeg"), name);

        var expected = await CliOutputOracle.StreamsAsync(cli);
        var actual = await CliOutputOracle.StreamsAsync(CliOutputOracle.ProbePath(ours, name));
        log.WriteLine($"{name}: ffmpeg [{string.Join(", ", expected)}], mediagraph [{string.Join(", ", actual)}]");
        Assert.Equal(expected, actual);
        Assert.Equal(Directory.GetFiles(Path.Combine(folder, "ffmpeg")).Length, Directory.GetFiles(ours).Length);
    }

    /// <summary>The CLI turns RGB into yuv444p for libx264 (not 4:2:0), keeps gray and full-range input as they are,
    /// and so must we.</summary>
    [Theory(Timeout = 60000)]
    [InlineData("rgb24")]
    [InlineData("rgba")]
    [InlineData("bgr0")]
    [InlineData("gray")]
    [InlineData("yuvj420p")]
    [InlineData("yuv410p")]
    public async Task Encode_InputPixelFormatIntoLibx264_GivesThePixelFormatTheFfmpegCliGives(string pixelFormat)
    {
        var input = await TestMedia.ClipAsync($"raw-{pixelFormat}.nut",
            $"-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 5 -c:v rawvideo -pix_fmt {pixelFormat}");
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "mediagraph.mp4");

        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = "libx264", Preset = "ultrafast" });
        await graph.RunAsync();
        var cli = await CliOutputOracle.FfmpegAsync(input, folder, "ffmpeg.mp4", "-c:v libx264 -preset ultrafast");

        var expected = await CliOutputOracle.StreamsAsync(cli);
        log.WriteLine($"{pixelFormat}: ffmpeg [{string.Join(", ", expected)}]");
        Assert.Equal(expected, await CliOutputOracle.StreamsAsync(ours));
    }

    /// <summary>Audio the encoder cannot take as it is gets what the CLI's filter negotiation gives: 5.1 and 3.0 into
    /// libmp3lame become stereo, 44.1 kHz into libopus 48 kHz, float into flac s16 (this FFmpeg's flac takes s16/s32).</summary>
    [Theory(Timeout = 60000)]
    [InlineData("5.1(side)", "out.mp3")]
    [InlineData("5.1(side)", "out.flac")]
    [InlineData("5.1(side)", "out.ogg")]
    [InlineData("5.1(side)", "out.m4a")]
    [InlineData("3.0", "out.mp3")]
    [InlineData("3.0", "out.webm")]
    public async Task Encode_AudioWithoutCodecOptions_GivesTheSampleFormatRateAndLayoutTheFfmpegCliGives(string layout, string name)
    {
        var input = await TestMedia.ClipAsync($"sine-{layout.Replace("(", "-").Replace(")", "")}.wav",
            $"-f lavfi -i \"sine=frequency=440:sample_rate=44100,aformat=sample_fmts=flt:channel_layouts={layout}\" -t 0.5 -c:a pcm_f32le");
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "mediagraph-" + name);

        var graph = new Graph();
        graph.Encode(ours, null, graph.Decode(input).Audio);
        await graph.RunAsync();
        var cli = await CliOutputOracle.FfmpegAsync(input, folder, "ffmpeg-" + name);

        var expected = await CliOutputOracle.StreamsAsync(cli);
        log.WriteLine($"{layout} {name}: ffmpeg [{string.Join(", ", expected)}]");
        Assert.Equal(expected, await CliOutputOracle.StreamsAsync(ours));
    }

    /// <summary>mjpeg refuses limited-range yuv420p at the default strictness; the CLI offers it only its full-range
    /// formats, so yuv420p input gives yuvj420p with no option (and at an odd size, which mjpeg takes).</summary>
    [Theory(Timeout = 60000)]
    [InlineData(64, 48)]
    [InlineData(63, 47)]
    public async Task Encode_MjpegOfYuv420pInput_WorksWithoutOptionsAsTheFfmpegCli(int width, int height)
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "mediagraph.mkv");

        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video.Scale(width, height), null, new EncodeOptions { VideoCodec = "mjpeg" });
        await graph.RunAsync();
        var cli = await CliOutputOracle.FfmpegAsync(input, folder, "ffmpeg.mkv", $"-vf scale={width}:{height} -c:v mjpeg");

        Assert.Equal(["video mjpeg yuvj420p"], await CliOutputOracle.StreamsAsync(cli));
        Assert.Equal(await CliOutputOracle.StreamsAsync(cli), await CliOutputOracle.StreamsAsync(ours));
        Assert.Equal(10L, (await Ffprobe.StreamAsync(ours)).Frames);
    }

    /// <summary>An odd-sized frame refused for another reason (mjpeg told to take limited-range yuv420p) gets FFmpeg's
    /// reason, not the odd-size hint: the hint is only given when the encoder takes the same frames at an even size.</summary>
    [Fact(Timeout = 60000)]
    public async Task Encode_OddSizeRefusedForAnotherReason_GivesFfmpegsReasonWithoutTheOddSizeHint()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "range.mkv"), graph.Decode(input).Video.Scale(63, 47), null,
            new EncodeOptions { VideoCodec = "mjpeg", PixelFormat = "yuv420p" });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("full-range", e.Message);   // mjpeg's own words: "Non full-range YUV is non-standard ..."
        Assert.DoesNotContain("odd size", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_VideoOnlyIntoWav_ThrowsNamingTheOutputAndWhy()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var output = Path.Combine(TestMedia.OutputFolder(), "video.wav");

        var e = Assert.Throws<ArgumentException>(() => graph.Encode(output, graph.Decode(input).Video));

        Assert.Contains($"output '{output}' has no streams left", e.Message);
        Assert.Contains("the wav format takes no video stream", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_AudioIntoGif_IsLeftOutWithAWarningAndTheVideoWritten()
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 1);
        var logger = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(logger) });
        var decoded = graph.Decode(input);
        var output = Path.Combine(TestMedia.OutputFolder(), "out.gif");

        var mux = graph.Encode(output, decoded.Video.Scale(80, 60), decoded.Audio);
        await graph.RunAsync();

        Assert.Single(mux.Inputs);
        Assert.Contains(logger.Warnings, w => w.Contains("the gif format takes no audio stream") && w.Contains(output));
        Assert.Equal(["video gif bgra"], await CliOutputOracle.StreamsAsync(output)); // ffprobe's gif decoder gives bgra
    }

    /// <summary>AMR's default codec (amr_nb) has an encoder only in builds with libopencore-amrnb: where the CLI's
    /// automatic encoder selection fails, validation says which codec lacks an encoder and to choose one; where it
    /// works, so does the output.</summary>
    [Fact(Timeout = 60000)]
    public async Task Encode_DefaultCodecWithoutAnEncoderInThisFfmpeg_FailsAsTheCliWithAProblemSayingToChooseOne()
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 1);
        var folder = TestMedia.OutputFolder();
        var graph = new Graph();
        graph.Encode(Path.Combine(folder, "mediagraph.amr"), null, graph.Decode(input).Audio);
        var cliOutput = Path.Combine(folder, "ffmpeg.amr");
        var (cliCode, _, cliError) = await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -v error -y -i \"{input}\" \"{cliOutput}\"");
        log.WriteLine($"ffmpeg: {cliCode} {cliError}");

        if (cliCode == 0)
        {
            await graph.RunAsync();
            return;
        }
        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());
        log.WriteLine(e.Message);
        Assert.Equal("encode-audio0: the amr format's default audio codec is amr_nb, but this FFmpeg has no encoder for it: choose one (AudioCodec, --acodec)",
            Assert.Single(e.Problems));
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_OutputFormatThatCannotBeGuessed_IsOneProblemNamingTheOutput()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.nosuchext"), graph.Decode(input).Video);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.StartsWith("mux0: cannot guess output format from", Assert.Single(e.Problems));
    }

    [Fact]
    public void ToJson_CodecsLeftToTheFormat_AreNotWrittenAndReadBackAsTheFormatsDefaults()
    {
        var graph = new Graph();
        var input = graph.Decode("in.mp4");
        graph.Encode("out.webm", input.Video, input.Audio, new EncodeOptions { AudioCodec = "libvorbis" });

        var json = graph.ToJson();
        var read = Graph.FromJson(json);

        Assert.DoesNotContain("videoCodec", json);
        Assert.Contains("\"audioCodec\": \"libvorbis\"", json);
        var encoders = read.Nodes.OfType<EncodeNode>().ToDictionary(n => n.MediaKind);
        Assert.True(encoders[MediaKind.Video].CodecFromOutput);
        Assert.Equal(graph.Nodes.OfType<EncodeNode>().First(n => n.MediaKind == MediaKind.Video).Codec, encoders[MediaKind.Video].Codec);
        Assert.Equal(("libvorbis", false), (encoders[MediaKind.Audio].Codec, encoders[MediaKind.Audio].CodecFromOutput));
        Assert.Equal(json, read.ToJson());
    }
}
