using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class EncodeTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Encode_UnknownEncoderOption_ThrowsNamingTheNodeAndTheOption()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), graph.Decode(input).Video.Scale(32, 24), null,
            new EncodeOptions { VideoCodecOptions = new Dictionary<string, string> { ["nosuchoption"] = "1" } });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.Contains("encode-video0", e.Message);
        Assert.Contains("nosuchoption", e.Message);
        log.WriteLine(graph.Metrics!.Summary());
        Assert.Equal(1, graph.Metrics["encode-video0"].Errors);
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_AacReencode_KeepsTheDurationWithinOneFrame()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var source = await Ffprobe.StreamAsync(input, "a:0");
        var output = Path.Combine(TestMedia.OutputFolder(), "audio.m4a");

        var graph = new Graph();
        graph.Encode(output, null, graph.Decode(input).Audio, new EncodeOptions { AudioCodec = "aac" });
        await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output, "a:0");
        var aacFrame = 1024.0 / source.SampleRate;
        log.WriteLine($"source {source.Duration:0.000000} s {source.Frames} frames; output {result.Duration:0.000000} s {result.Frames} frames, {result.SampleRate} Hz {result.Channels} ch");
        Assert.Equal("aac", result.Codec);
        Assert.Equal((source.SampleRate, source.Channels), (result.SampleRate, result.Channels));
        Assert.InRange(result.Duration - source.Duration, -aacFrame, aacFrame);
        Assert.InRange(result.Frames - source.Frames, -1, 1);
    }

    [Theory(Timeout = 60000)]
    [InlineData("mkv")]
    [InlineData("ts")]
    [InlineData("mp4")]
    [InlineData("mov")]
    public async Task Encode_VideoAndAudioIntoContainer_Plays(string extension)
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var sourceVideo = await Ffprobe.StreamAsync(input, "v:0");
        var sourceAudio = await Ffprobe.StreamAsync(input, "a:0", countFrames: false);
        var output = Path.Combine(TestMedia.OutputFolder(), $"out.{extension}");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(output, decoded.Video.Scale(160, 120), decoded.Audio, new EncodeOptions { VideoCodec = "libx264", AudioCodec = "aac", Preset = "ultrafast" });
        await graph.RunAsync();

        var video = await Ffprobe.StreamAsync(output, "v:0");
        var audio = await Ffprobe.StreamAsync(output, "a:0");
        var (videoStart, videoEnd) = await Ffprobe.PacketSpanAsync(output, "v:0");
        var (audioStart, audioEnd) = await Ffprobe.PacketSpanAsync(output, "a:0");
        log.WriteLine($"{extension}: video {video.Frames} frames {videoStart:0.000}-{videoEnd:0.000} s, audio {audio.Frames} frames {audioStart:0.000}-{audioEnd:0.000} s");
        Assert.Equal(("h264", 160, 120), (video.Codec, video.Width, video.Height));
        Assert.Equal(sourceVideo.Frames, video.Frames);
        Assert.Equal("aac", audio.Codec);
        Assert.InRange(videoEnd - videoStart, sourceVideo.Duration - 0.04, sourceVideo.Duration + 0.04);
        Assert.InRange(audioEnd - audioStart, sourceAudio.Duration - 0.03, sourceAudio.Duration + 0.03);
        Assert.InRange(videoStart - audioStart, -0.05, 0.05); // the streams start together, as in the source
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_GopAndBFrames_AreApplied()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "gop10.mp4");

        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video, null, new EncodeOptions { Preset = "ultrafast", Gop = 10, MaxBFrames = 0 });
        await graph.RunAsync();

        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -show_entries frame=key_frame,pict_type \"{output}\"");
        var frames = json.RootElement.GetProperty("frames").EnumerateArray().ToArray();
        var keys = frames.Count(f => f.GetProperty("key_frame").GetInt32() == 1);
        Assert.Equal(50, frames.Length);
        Assert.Equal(5, keys);
        Assert.DoesNotContain(frames, f => f.GetProperty("pict_type").GetString() == "B");
    }

    [Fact(Timeout = 60000)]
    public async Task Encode_PixelFormatOption_ConvertsTheFrames()
    {
        var input = await TestMedia.TinyAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "444.mkv");

        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = "ffv1", PixelFormat = "yuv444p" });
        await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        Assert.Equal(("ffv1", "yuv444p", 10L), (result.Codec, result.PixelFormat, result.Frames));
    }

    /// <summary>libx264 refuses 4:2:0 frames of odd size (the real clip is 720x405): the error says so and how to fix
    /// it, and no empty, unplayable output is left behind.</summary>
    [Fact(Timeout = 60000)]
    public async Task Encode_OddSizeFor420Encoder_ExplainsTheFixAndLeavesNoEmptyFile()
    {
        var output = Path.Combine(TestMedia.OutputFolder(), "odd.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(TestMedia.CityCC0).Video, null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Equal("encode-video0", e.Node);
        Assert.Contains("720x405", e.Message);
        Assert.Contains("Scale(720, -2)", e.Message);
        Assert.False(File.Exists(output), "an output with nothing in it is removed");
    }
}
