using Xunit;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph;

/// <summary>A stream's codec tag reaches the muxer as with the ffmpeg CLI: raw video's tag says its pixel format in
/// NUT and AVI, and a stream copy keeps a tag the output format knows for the codec (hvc1 stays hvc1).</summary>
public sealed class CodecTagTests
{
    private static async Task<string> TagAndFormatAsync(string path)
    {
        using var json = await Ffprobe.JsonAsync($"-select_streams v:0 -show_entries stream=codec_tag_string,pix_fmt \"{path}\"");
        var s = json.RootElement.GetProperty("streams")[0];
        return $"{s.GetProperty("codec_tag_string").GetString()} {s.GetProperty("pix_fmt").GetString()}";
    }

    [Theory(Timeout = 60000)]
    [InlineData("nut")]
    [InlineData("avi")]
    public async Task Encode_RawVideo_KeepsTheInputPixelFormatAndTheCliTag(string extension)
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        var cli = Path.Combine(folder, $"cli.{extension}");
        var ours = Path.Combine(folder, $"ours.{extension}");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c:v rawvideo \"{cli}\"");
        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video, null, new EncodeOptions { VideoCodec = "rawvideo" });
        await graph.RunAsync();

        Assert.Equal(await TagAndFormatAsync(cli), await TagAndFormatAsync(ours));
        Assert.EndsWith(" yuv420p", await TagAndFormatAsync(ours));
    }

    [Fact(Timeout = 120000)]
    public async Task StreamCopy_Hvc1TaggedHevcToMp4_KeepsHvc1AsTheCli()
    {
        var input = await TestMedia.ClipAsync("hvc1.mp4", "-f lavfi -i testsrc2=size=64x48:rate=25 -frames:v 5 -c:v libx265 -x265-params log-level=error -tag:v hvc1");
        var folder = TestMedia.OutputFolder();
        var cli = Path.Combine(folder, "cli.mp4");
        var ours = Path.Combine(folder, "ours.mp4");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -c copy \"{cli}\"");
        var graph = new Graph();
        graph.Remux(ours, null, graph.Decode(input).VideoPackets);
        await graph.RunAsync();

        Assert.StartsWith("hvc1 ", await TagAndFormatAsync(cli));
        Assert.Equal(await TagAndFormatAsync(cli), await TagAndFormatAsync(ours));
    }
}
