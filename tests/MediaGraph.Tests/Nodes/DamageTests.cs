using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph;

/// <summary>
/// Damage is handled at least as well as by the ffmpeg CLI: a decode error costs the damaged packet or frame (a
/// warning), never the run; a stream that cannot be decoded is left out while the others are written; an encoder
/// that does not take the input's sample rate gets the nearest it takes. Each case is a file generated here with the
/// ffmpeg CLI and damaged by the test (deterministic bytes), and the CLI on the same file is the yardstick.
/// </summary>
public sealed class DamageTests(ITestOutputHelper log)
{
    /// <summary>An ADTS AAC stream with bytes overwritten: AAC's header-parse error (-0x3030c0a, not
    /// AVERROR_INVALIDDATA) used to end this run at 1.86 s.</summary>
    [Fact(Timeout = 60000)]
    public async Task DamagedAac_KeepsAtLeastTheFramesTheFfmpegCliKeeps()
    {
        var source = await TestMedia.ClipAsync("sine-4s.aac", "-f lavfi -i sine=frequency=1000:sample_rate=48000 -t 4 -c:a aac");
        var damaged = await DamageAsync(source, "damaged.aac", seed: 3, bytes: 60);
        var output = Path.Combine(TestMedia.OutputFolder(), "out.wav");

        var graph = new Graph();
        graph.Encode(output, null, graph.Decode(damaged).Audio);
        var metrics = await graph.RunAsync();

        var ffmpeg = await FfmpegDecodedFramesAsync(damaged);
        var ours = DecodedFrames(metrics, "decode-audio");
        log.WriteLine($"audio frames decoded: ffmpeg {ffmpeg.Audio}, ours {ours}; {metrics.Warnings} warnings");
        Assert.True(ours >= ffmpeg.Audio, $"kept {ours} frames, the ffmpeg CLI {ffmpeg.Audio}");
        Assert.True(metrics.Warnings > 0, "the damaged packets are counted as warnings");
        Assert.Equal("audio", (await Ffprobe.StreamAsync(output, "a:0", countFrames: false)).Type);
    }

    /// <summary>AVI with MPEG-4 video and AC-3 audio, damaged: AC-3's own error codes (-0x1030c0a) used to abort
    /// this run after 10 of its 83 frames. Both streams are written, with at least the frames the CLI keeps.</summary>
    [Fact(Timeout = 90000)]
    public async Task DamagedAc3InAvi_KeepsBothStreamsAndAtLeastTheFramesTheFfmpegCliKeeps()
    {
        var source = await TestMedia.ClipAsync("mpeg4-ac3.avi",
            "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 4 " +
            "-map 0:v -map 1:a -c:v mpeg4 -c:a ac3");
        var damaged = await DamageAsync(source, "damaged.avi", seed: 5, bytes: 200);
        var folder = TestMedia.OutputFolder();
        var output = Path.Combine(folder, "out.mkv");

        var graph = new Graph();
        var input = graph.Decode(damaged);
        graph.Encode(output, input.Video, input.Audio, new EncodeOptions { VideoCodec = "mpeg4", AudioCodec = "ac3" });
        var metrics = await graph.RunAsync();

        var ffmpeg = await FfmpegDecodedFramesAsync(damaged);
        var cliOutput = Path.Combine(folder, "ffmpeg.mkv");
        await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -v error -y -i \"{damaged}\" -c:v mpeg4 -c:a ac3 \"{cliOutput}\"");
        var (video, audio) = (DecodedFrames(metrics, "decode-video"), DecodedFrames(metrics, "decode-audio"));
        log.WriteLine($"frames decoded: ffmpeg {ffmpeg.Video} video {ffmpeg.Audio} audio; ours {video} video {audio} audio; {metrics.Warnings} warnings");
        Assert.True(video >= ffmpeg.Video, $"kept {video} video frames, the ffmpeg CLI {ffmpeg.Video}");
        Assert.True(audio >= ffmpeg.Audio, $"kept {audio} audio frames, the ffmpeg CLI {ffmpeg.Audio}");
        Assert.True(await StreamCountAsync(output) >= await StreamCountAsync(cliOutput));
        Assert.Equal(2, await StreamCountAsync(output));
    }

    /// <summary>Two AC-3 streams of different sample rates and layouts one after the other (as damage or a splice
    /// makes them): the encoder's audio conversion follows the change, as the CLI's filter graph does, instead of
    /// failing with "Changing audio frame properties on the fly is not supported".</summary>
    [Fact(Timeout = 60000)]
    public async Task Ac3ChangingRateAndLayoutMidStream_IsConvertedNotFatal()
    {
        var first = await TestMedia.ClipAsync("sine-48k-stereo.ac3", "-f lavfi -i sine=sample_rate=48000 -t 1 -ac 2 -c:a ac3");
        var second = await TestMedia.ClipAsync("sine-44k-mono.ac3", "-f lavfi -i sine=sample_rate=44100 -t 1 -ac 1 -c:a ac3");
        var folder = TestMedia.OutputFolder();
        var spliced = Path.Combine(folder, "spliced.ac3");
        await File.WriteAllBytesAsync(spliced, [.. await File.ReadAllBytesAsync(first), .. await File.ReadAllBytesAsync(second)]);
        var output = Path.Combine(folder, "out.mka");

        var graph = new Graph();
        graph.Encode(output, null, graph.Decode(spliced).Audio, new EncodeOptions { AudioCodec = "aac" });
        await graph.RunAsync();

        var written = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        var duration = await Ffprobe.FormatDurationAsync(output);
        log.WriteLine($"{written.SampleRate} Hz {written.Channels} ch, {duration:0.000} s");
        Assert.Equal((48000, 2), (written.SampleRate, written.Channels)); // the encoder keeps what it was opened with
        Assert.InRange(duration, 1.8, 2.2);                              // both halves are in
    }

    /// <summary>Matroska with an audio track whose channel count or sample rate was patched to 0: the CLI fails
    /// ("Decoder requires channel count", "Sample rate 0 invalid"); we leave the stream out with its reason and write
    /// the video.</summary>
    [Theory(Timeout = 60000)]
    [InlineData("zero-channels", new byte[] { 0x9F, 0x81, 0x01 }, new byte[] { 0x9F, 0x81, 0x00 }, "0 channels")]                 // Channels = 0
    [InlineData("zero-hz", new byte[] { 0xB5, 0x88, 0x40, 0xE7, 0x70, 0, 0, 0, 0, 0 }, new byte[] { 0xB5, 0x88, 0, 0, 0, 0, 0, 0, 0, 0 }, "0 Hz")] // SamplingFrequency = 0.0
    public async Task AudioStreamWithoutChannelsOrRate_IsLeftOutAndTheVideoIsWritten(string name, byte[] find, byte[] replace, string reason)
    {
        var source = await TestMedia.ClipAsync("mpeg4-pcm.mkv",
            "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=sample_rate=48000 -t 2 -map 0:v -map 1:a -c:v mpeg4 -c:a pcm_s16le");
        var folder = TestMedia.OutputFolder();
        var patched = await PatchAsync(source, Path.Combine(folder, $"{name}.mkv"), find, replace);
        var output = Path.Combine(folder, "out.mkv");

        var graph = new Graph();
        var input = graph.Decode(patched);
        Assert.False(input.HasAudio);
        var unusable = Assert.Single(input.UnusableStreams);
        Assert.Contains(reason, unusable.Problem);
        graph.Encode(output, input.Video, input.AudioIfAny, new EncodeOptions { VideoCodec = "mpeg4" });
        await graph.RunAsync();

        var (code, _, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -v error -y -i \"{patched}\" \"{Path.Combine(folder, "ffmpeg.mkv")}\"");
        log.WriteLine($"ffmpeg exit {code}: {error.Trim()}");
        Assert.Equal(50, (await Ffprobe.StreamAsync(output)).Frames);
        Assert.Equal(1, await StreamCountAsync(output));
    }

    /// <summary>Matroska whose video track names a codec no decoder knows (the codec id patched): the CLI fails
    /// ("Decoder (codec none) not found"); we write the audio, and the video is named as left out.</summary>
    [Fact(Timeout = 60000)]
    public async Task VideoStreamThatCannotBeOpened_IsLeftOutAndTheAudioIsWritten()
    {
        var patched = await UnknownVideoCodecAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "out.mka");

        var graph = new Graph();
        var input = graph.Decode(patched);
        Assert.False(input.HasVideo);
        Assert.Null(input.VideoIfAny);
        Assert.Contains("no decoder", Assert.Single(input.UnusableStreams).Problem);
        graph.Encode(output, input.VideoIfAny, input.AudioIfAny);
        await graph.RunAsync();

        Assert.Equal("audio", (await Ffprobe.StreamAsync(output, "a:0", countFrames: false)).Type);
    }

    /// <summary>An encoder that does not take the input's rate gets the nearest it takes, as the CLI's format
    /// negotiation gives it: AAC and 11000 Hz, and a WAV whose header was damaged to 48004 Hz.</summary>
    [Theory(Timeout = 60000)]
    [InlineData(11000)]
    [InlineData(48004)]
    public async Task WavAtARateAacDoesNotTake_IsResampledToTheRateTheFfmpegCliPicks(int rate)
    {
        var source = await TestMedia.ClipAsync("sine-11000.wav", "-f lavfi -i sine=sample_rate=11000 -t 1");
        var folder = TestMedia.OutputFolder();
        var wav = Path.Combine(folder, $"{rate}.wav");
        var bytes = await File.ReadAllBytesAsync(source);
        BitConverter.TryWriteBytes(bytes.AsSpan(bytes.AsSpan().IndexOf("fmt "u8) + 12, 4), rate); // the fmt chunk's sample rate
        await File.WriteAllBytesAsync(wav, bytes);
        var output = Path.Combine(folder, "out.m4a");
        var cliOutput = Path.Combine(folder, "ffmpeg.m4a");

        var graph = new Graph();
        graph.Encode(output, null, graph.Decode(wav).Audio);
        await graph.RunAsync();
        await TestMedia.RunFfmpegAsync($"-i \"{wav}\" \"{cliOutput}\"");

        var ours = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        var cli = await Ffprobe.StreamAsync(cliOutput, "a:0", countFrames: false);
        log.WriteLine($"{rate} Hz into aac: ffmpeg {cli.SampleRate} Hz, ours {ours.SampleRate} Hz");
        Assert.Equal(cli.SampleRate, ours.SampleRate);
        Assert.NotEqual(rate, ours.SampleRate);
    }

    /// <summary>Strict mode (-xerror): the first damaged packet fails the run, naming the node, stream and position.</summary>
    [Fact(Timeout = 60000)]
    public async Task FailOnDamage_FailsOnTheFirstDamagedPacketNamingStreamAndPosition()
    {
        var source = await TestMedia.ClipAsync("sine-4s.aac", "-f lavfi -i sine=frequency=1000:sample_rate=48000 -t 4 -c:a aac");
        var damaged = await DamageAsync(source, "damaged-strict.aac", seed: 3, bytes: 60);

        var graph = new Graph(new GraphOptions { FailOnDamage = true });
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.wav"), null, graph.Decode(damaged).Audio);
        var e = await Assert.ThrowsAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Equal("decode-audio0", e.Node);
        Assert.Matches("stream #0 at pts [0-9.]+ s", e.Message);
        Assert.Contains("FailOnDamage", e.Message);
    }

    /// <summary>The CLI: when damage hides the video stream, --scale is a warning and the output is audio-only, as
    /// ffmpeg writes it.</summary>
    [Fact(Timeout = 60000)]
    public async Task Cli_ScaleWhenTheVideoCannotBeDecoded_WarnsAndWritesTheAudio()
    {
        var patched = await UnknownVideoCodecAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "out.mp4");

        var result = await Cli.CliTestMedia.RunAsync("transcode", patched, output, "--scale", "80x60");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("stream #0 (video of an unknown codec) is left out: no decoder", result.Error);
        Assert.Contains("--scale has nothing to apply to", result.Error);
        Assert.Equal(new Cli.ProbedFile(0, 0, 0, HasAudio: true), await Cli.CliTestMedia.ProbeAsync(output));
    }

    /// <summary>The CLI: without --xerror a damaged AAC file is written with warnings; with it the run fails, as
    /// `ffmpeg -xerror` does.</summary>
    [Fact(Timeout = 60000)]
    public async Task Cli_Xerror_FailsOnDamageThatIsOtherwiseSkipped()
    {
        var source = await TestMedia.ClipAsync("sine-4s.aac", "-f lavfi -i sine=frequency=1000:sample_rate=48000 -t 4 -c:a aac");
        var damaged = await DamageAsync(source, "damaged-cli.aac", seed: 3, bytes: 60);
        var folder = TestMedia.OutputFolder();

        var lenient = await Cli.CliTestMedia.RunAsync("transcode", damaged, Path.Combine(folder, "lenient.wav"));
        var strict = await Cli.CliTestMedia.RunAsync("transcode", "--xerror", damaged, Path.Combine(folder, "strict.wav"));

        Assert.True(lenient.ExitCode == 0, lenient.ToString());
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("decode-audio0", strict.Error);
        Assert.Contains("FailOnDamage", strict.Error);
    }

    private static async Task<string> UnknownVideoCodecAsync()
    {
        var source = await TestMedia.ClipAsync("mpeg4-pcm.mkv",
            "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=sample_rate=48000 -t 2 -map 0:v -map 1:a -c:v mpeg4 -c:a pcm_s16le");
        return await PatchAsync(source, Path.Combine(TestMedia.OutputFolder("unknown-video"), "unknown-video.mkv"), "V_MPEG4/ISO/ASP"u8.ToArray(), "V_MPEG4/ISO/XXX"u8.ToArray());
    }

    /// <summary>A copy of <paramref name="source"/> with <paramref name="bytes"/> bytes after the first kilobyte
    /// overwritten by a seeded generator (the same damage on every run).</summary>
    private static async Task<string> DamageAsync(string source, string name, int seed, int bytes)
    {
        var data = await File.ReadAllBytesAsync(source);
        var random = new Random(seed);
        for (var i = 0; i < bytes; i++) data[random.Next(1024, data.Length)] = (byte)random.Next(256);
        var path = Path.Combine(TestMedia.OutputFolder(name), name);
        await File.WriteAllBytesAsync(path, data);
        return path;
    }

    private static async Task<string> PatchAsync(string source, string path, byte[] find, byte[] replace)
    {
        var data = await File.ReadAllBytesAsync(source);
        var at = data.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the bytes to patch are in the generated file");
        replace.CopyTo(data, at);
        await File.WriteAllBytesAsync(path, data);
        return path;
    }

    private static long DecodedFrames(GraphMetrics metrics, string kind) => metrics.Nodes.Where(n => n.Kind == kind).Sum(n => n.FramesOut);

    /// <summary>What the ffmpeg CLI decodes from <paramref name="path"/>: video frames (its frame= count) and audio
    /// frames (one ashowinfo line per decoded frame, counted before any resampling).</summary>
    private static async Task<(long Video, long Audio)> FfmpegDecodedFramesAsync(string path)
    {
        var (_, _, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -hide_banner -y -i \"{path}\" -af ashowinfo -f null -");
        var frames = Regex.Matches(error, @"frame=\s*(\d+)");
        var video = frames.Count > 0 ? long.Parse(frames[^1].Groups[1].Value) : 0;
        var audio = Regex.Matches(error, @"Parsed_ashowinfo_0 @ [^\]]*\] n:").Count;
        return (video, audio);
    }

    private static async Task<int> StreamCountAsync(string path)
    {
        if (!File.Exists(path)) return 0;
        using var json = await Ffprobe.JsonAsync($"-show_streams \"{path}\"");
        return json.RootElement.GetProperty("streams").GetArrayLength();
    }
}
