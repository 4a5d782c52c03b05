using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>Damaged and wrong inputs: each gives exactly one clear exception naming the file and the cause, or, for
/// damage a decoder can skip, a successful run that counts warnings. Nothing crashes, nothing hangs.</summary>
public sealed class DecodeTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Decode_MissingFile_ThrowsNamingTheFile()
    {
        var missing = Path.Combine(TestMedia.OutputFolder(), "no-such-clip.mp4");
        var graph = TranscodeGraph(missing, Path.Combine(TestMedia.OutputFolder(), "out.mp4"));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Single(e.Problems);
        Assert.Contains(missing, e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("demux", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_TextFileNamedMp4_ThrowsNamingTheFileAndTheCause()
    {
        var folder = TestMedia.OutputFolder();
        var text = Path.Combine(folder, "notes.mp4");
        await File.WriteAllTextAsync(text, string.Join("\n", Enumerable.Repeat("This is a shopping list, not a video.", 50)));
        var graph = TranscodeGraph(text, Path.Combine(folder, "out.mp4"));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Single(e.Problems);
        Assert.Contains(text, e.Message);
        Assert.Contains("invalid data", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(File.Exists(Path.Combine(folder, "out.mp4")), "nothing should be written when validation fails");
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_TruncatedMp4WithMoovAtTheEnd_ThrowsNamingTheFile()
    {
        var source = await TestMedia.SmallWithAudioAsync(); // written without faststart: the index (moov) is at the end
        var folder = TestMedia.OutputFolder();
        var truncated = Path.Combine(folder, "truncated.mp4");
        var bytes = await File.ReadAllBytesAsync(source);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 4 / 10)]);
        var graph = TranscodeGraph(truncated, Path.Combine(folder, "out.mp4"));

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Single(e.Problems);
        Assert.Contains(truncated, e.Message);
        Assert.Contains("Invalid data found when processing input", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_TruncatedMp4_MessageGivesFfmpegsReason()
    {
        var source = await TestMedia.SmallWithAudioAsync();
        var folder = TestMedia.OutputFolder();
        var truncated = Path.Combine(folder, "truncated.mp4");
        var bytes = await File.ReadAllBytesAsync(source);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 4 / 10)]);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => TranscodeGraph(truncated, Path.Combine(folder, "out.mp4")).RunAsync());

        Assert.Contains("moov atom not found", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_TruncatedTs_DecodesTheFramesThatArePresent()
    {
        var source = await TestMedia.SmallTsAsync();
        var sourceFrames = (await Ffprobe.StreamAsync(source)).Frames;
        var folder = TestMedia.OutputFolder();
        var truncated = Path.Combine(folder, "truncated.ts");
        var bytes = await File.ReadAllBytesAsync(source);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 4 / 10 / 188 * 188 + 100)]); // 40%, ending inside a TS packet
        var expected = (await Ffprobe.StreamAsync(truncated)).Frames;
        var output = Path.Combine(folder, "out.mkv");

        var metrics = await TranscodeGraph(truncated, output).RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        log.WriteLine($"source {sourceFrames} frames; truncated: ffprobe decodes {expected}, we wrote {result.Frames}; {metrics.Warnings} warnings");
        Assert.InRange(result.Frames, 1, sourceFrames / 2);
        Assert.InRange(result.Frames, expected - 2, expected); // what ffprobe decodes, give or take the cut frame
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_TsWithCorruptedMiddle_SucceedsWithTheDecodableFramesAndWarnings()
    {
        var source = await TestMedia.SmallTsAsync();
        var sourceFrames = (await Ffprobe.StreamAsync(source)).Frames;
        var folder = TestMedia.OutputFolder();
        var damaged = Path.Combine(folder, "damaged.ts");
        var bytes = await File.ReadAllBytesAsync(source);
        new Random(1234).NextBytes(bytes.AsSpan(bytes.Length / 2, 20_000)); // 20 kB of noise in the middle
        await File.WriteAllBytesAsync(damaged, bytes);
        var output = Path.Combine(folder, "out.mkv");

        var metrics = await TranscodeGraph(damaged, output).RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        log.WriteLine($"source {sourceFrames} frames; from the damaged copy we wrote {result.Frames}; {metrics.Warnings} warnings");
        log.WriteLine(metrics.Summary());
        Assert.InRange(result.Frames, 1, sourceFrames);
        Assert.True(metrics.Warnings > 0, "skipped or concealed damage must be counted as warnings");
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_MpegPsWithCorruptedMiddle_SucceedsWithTheDecodableFramesAndWarnings()
    {
        var folder = TestMedia.OutputFolder();
        var damaged = Path.Combine(folder, "damaged.mpg");
        var bytes = await File.ReadAllBytesAsync(TestMedia.CityCC0);
        new Random(99).NextBytes(bytes.AsSpan(bytes.Length / 2, 50_000));
        await File.WriteAllBytesAsync(damaged, bytes);
        var output = Path.Combine(folder, "out.mkv");

        var graph = new Graph();
        graph.Encode(output, graph.Decode(damaged).Video.Scale(180, 100), null, new EncodeOptions { VideoCodec = "ffv1" });
        var metrics = await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        log.WriteLine($"cityCC0 190 frames; from the damaged copy we wrote {result.Frames}; {metrics.Warnings} warnings");
        Assert.InRange(result.Frames, 1, 190);
        Assert.True(metrics.Warnings > 0, "skipped or concealed damage must be counted as warnings");
    }

    [Fact(Timeout = 60000)]
    public async Task Decode_MissingStream_ThrowsNamingTheFileAndWhatItHas()
    {
        var graph = new Graph();
        var input = graph.Decode(TestMedia.CityCC0); // video only
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.m4a"), null, input.Audio);

        var e = await Assert.ThrowsAsync<GraphValidationException>(() => graph.RunAsync());

        log.WriteLine(e.Message);
        Assert.Contains("cityCC0.mpg", e.Message);
        Assert.Contains("audio", e.Message);
    }

    private static Graph TranscodeGraph(string input, string output)
    {
        var graph = new Graph();
        graph.Encode(output, graph.Decode(input).Video.Scale(160, 120), null, new EncodeOptions { VideoCodec = "ffv1" });
        return graph;
    }

    /// <summary>A phone video (display matrix "rotate=90"): decoded frames come out upright, pixel for pixel what the
    /// ffmpeg CLI's autorotation gives; a stream copy keeps the rotation as metadata instead.</summary>
    [Fact(Timeout = 60000)]
    public async Task Decode_RotatedVideo_ComesOutUprightLikeFfmpeg_AndCopyKeepsTheRotation()
    {
        var plain = await TestMedia.ClipAsync("rot-plain.mp4", "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 10 -c:v libx264 -preset ultrafast");
        var rotated = await TestMedia.ClipAsync("rot-90.mp4", $"-i \"{plain}\" -c copy -metadata:s:v:0 rotate=90");
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "ours.mkv");
        var theirs = Path.Combine(folder, "ffmpeg.mkv");
        var copy = Path.Combine(folder, "copy.mp4");

        var graph = new Graph();
        var input = graph.Decode(rotated);
        Assert.Equal(270, input.Probe().Streams[0].Rotation);
        graph.Encode(ours, input.Video, null, new EncodeOptions { VideoCodec = "ffv1" });
        graph.Encode(copy, input.Video, null, new EncodeOptions { VideoCodec = "copy" });
        await graph.RunAsync();
        await TestMedia.RunFfmpegAsync($"-i \"{rotated}\" -c:v ffv1 \"{theirs}\"");

        var upright = await Ffprobe.StreamAsync(ours);
        Assert.Equal((120, 160), (upright.Width, upright.Height));
        Assert.Equal(await FrameMd5Async(theirs), await FrameMd5Async(ours));
        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -show_streams \"{copy}\"");
        var sideData = json.RootElement.GetProperty("streams")[0].GetProperty("side_data_list").EnumerateArray();
        Assert.Contains(sideData, d => d.TryGetProperty("rotation", out var r) && r.GetInt32() == 90);
    }

    private static async Task<string> FrameMd5Async(string path)
    {
        var md5 = Path.ChangeExtension(path, ".framemd5");
        await TestMedia.RunFfmpegAsync($"-i \"{path}\" -f framemd5 \"{md5}\"");
        return string.Join("\n", File.ReadLines(md5).Where(l => !l.StartsWith('#')));
    }
}
