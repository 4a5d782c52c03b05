using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class MuxTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Mux_StreamCopyMp4ToMkv_KeepsEveryPacket()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "copy.mkv");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(output, decoded.Video, decoded.Audio, new EncodeOptions { VideoCodec = "copy", AudioCodec = "copy" });
        var metrics = await graph.RunAsync();

        foreach (var select in new[] { "v:0", "a:0" })
        {
            var source = await Ffprobe.StreamAsync(input, select, countFrames: false);
            var copy = await Ffprobe.StreamAsync(output, select, countFrames: false);
            log.WriteLine($"{select}: {source.Codec} {source.Packets} packets -> {copy.Codec} {copy.Packets} packets");
            Assert.Equal(source.Codec, copy.Codec);
            Assert.Equal(source.Packets, copy.Packets);
        }
        Assert.DoesNotContain(metrics.Nodes, n => n.Kind.StartsWith("decode") || n.Kind.StartsWith("encode")); // nothing was decoded
        Assert.Equal(50, (await Ffprobe.StreamAsync(output, "v:0")).Frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_Remux_KeepsEveryPacketOfTheChosenStreams()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "audio-only.mka");

        var graph = new Graph();
        graph.Remux(output, null, graph.Decode(input).AudioPackets);
        await graph.RunAsync();

        var source = await Ffprobe.StreamAsync(input, "a:0", countFrames: false);
        var copy = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        Assert.Equal(source.Packets, copy.Packets);
        using var json = await Ffprobe.JsonAsync($"-show_streams \"{output}\"");
        Assert.Equal(1, json.RootElement.GetProperty("streams").GetArrayLength());
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_SegmentFormat_WritesSeveralPlayableSegments()
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 4);
        var folder = TestMedia.OutputFolder();

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(Path.Combine(folder, "out%03d.ts"), decoded.Video, decoded.Audio, new EncodeOptions
        {
            VideoCodec = "libx264", // MPEG-TS's own default, as the ffmpeg CLI's, is mpeg2video (no presets)
            Preset = "ultrafast",
            Gop = 25,
            Format = "segment",
            FormatOptions = new Dictionary<string, string> { ["segment_time"] = "1" },
        });
        await graph.RunAsync();

        var segments = Directory.GetFiles(folder, "out*.ts").Order().ToArray();
        log.WriteLine(string.Join(", ", segments.Select(Path.GetFileName)));
        Assert.InRange(segments.Length, 3, 5);
        Assert.Equal(Path.Combine(folder, "out000.ts"), segments[0]);
        long frames = 0;
        foreach (var segment in segments)
        {
            var video = await Ffprobe.StreamAsync(segment, "v:0");
            Assert.True(video.Frames > 0, $"{segment} has no frames");
            frames += video.Frames;
        }
        Assert.Equal(100, frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_HlsFormat_WritesAPlaylistAndSegments()
    {
        var input = await TestMedia.SmallWithAudioAsync(seconds: 4);
        var folder = TestMedia.OutputFolder();
        var playlist = Path.Combine(folder, "stream.m3u8");

        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(playlist, decoded.Video, decoded.Audio, new EncodeOptions
        {
            Preset = "ultrafast",
            Gop = 25,
            Format = "hls",
            FormatOptions = new Dictionary<string, string> { ["hls_time"] = "1", ["hls_list_size"] = "0" },
        });
        await graph.RunAsync();

        var text = await File.ReadAllTextAsync(playlist);
        log.WriteLine(text);
        var segments = text.Split('\n').Where(l => l.EndsWith(".ts")).ToArray();
        Assert.Contains("#EXTM3U", text);
        Assert.Contains("#EXT-X-ENDLIST", text);
        Assert.InRange(segments.Length, 3, 5);
        Assert.All(segments, s => Assert.True(File.Exists(Path.Combine(folder, s)), $"segment {s} is missing"));
        var whole = await Ffprobe.StreamAsync(playlist, "v:0");
        Assert.Equal(100, whole.Frames);
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_VideoAndAudio_WritesTheStreamsInTheOrderGiven()
    {
        var input = await TestMedia.SmallWithAudioAsync();
        var folder = TestMedia.OutputFolder();
        var graph = new Graph();
        var decoded = graph.Decode(input);
        graph.Encode(Path.Combine(folder, "va.mkv"), decoded.Video.Scale(64, 48), decoded.Audio, new EncodeOptions { Preset = "ultrafast" });
        graph.Remux(Path.Combine(folder, "av.mkv"), null, decoded.AudioPackets, decoded.VideoPackets);
        await graph.RunAsync();

        foreach (var (file, first, second) in new[] { ("va.mkv", "video", "audio"), ("av.mkv", "audio", "video") })
        {
            using var json = await Ffprobe.JsonAsync($"-show_entries stream=index,codec_type \"{Path.Combine(folder, file)}\"");
            var types = json.RootElement.GetProperty("streams").EnumerateArray().Select(st => st.GetProperty("codec_type").GetString()).ToArray();
            Assert.Equal(new[] { first, second }, types);
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_UnknownFormatOption_ThrowsNamingTheOption()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), graph.Decode(input).Video, null, new EncodeOptions
        {
            Preset = "ultrafast",
            FormatOptions = new Dictionary<string, string> { ["nosuchmuxeroption"] = "1" },
        });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.Contains("nosuchmuxeroption", e.Message);
        Assert.Contains("mux0", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Mux_FaststartOption_PutsTheIndexFirst()
    {
        var input = await TestMedia.TinyAsync();
        var output = Path.Combine(TestMedia.OutputFolder(), "faststart.mp4");
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video, null, new EncodeOptions
        {
            Preset = "ultrafast",
            FormatOptions = new Dictionary<string, string> { ["movflags"] = "+faststart" },
        });
        await graph.RunAsync();

        // Top-level boxes: size (4 bytes, big-endian) and type; with faststart the index (moov) comes before the media (mdat).
        var bytes = await File.ReadAllBytesAsync(output);
        var boxes = new List<string>();
        for (var at = 0; at + 8 <= bytes.Length && boxes.Count < 8;)
        {
            var size = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            boxes.Add(System.Text.Encoding.ASCII.GetString(bytes, at + 4, 4));
            if (size < 8) break;
            at += size;
        }
        log.WriteLine(string.Join(" ", boxes));
        Assert.True(boxes.IndexOf("moov") is >= 0 and var moov && moov < boxes.IndexOf("mdat"), $"moov should come before mdat: {string.Join(" ", boxes)}");
        Assert.Equal(10, (await Ffprobe.StreamAsync(output)).Frames);
    }
}
