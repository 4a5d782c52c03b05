using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Samples;

/// <summary>The scenario scripts of samples/ run as a user runs them (<c>dotnet run samples/x.cs -- …</c>) on short
/// generated inputs, and their outputs are checked.</summary>
public sealed class ScenarioSampleTests(ITestOutputHelper log)
{
    [Fact(Timeout = 300000)]
    public async Task LogoOverlaySample_DrawsTheLogoInTheWindowOnlyAndKeepsTheAudio()
    {
        var input = await TestMedia.SmallWithAudioAsync(3);
        var folder = TestMedia.OutputFolder();
        var logo = Path.Combine(folder, "logo.png");
        await TestMedia.RunFfmpegAsync($"-f lavfi -i \"color=c=magenta:size=300x200,format=rgba\" -frames:v 1 \"{logo}\"");
        var output = Path.Combine(folder, "out.mp4");

        var (code, stdout, stderr) = await TestMedia.RunSampleAsync("logo-overlay.cs", $"\"{input}\" \"{logo}\" \"{output}\" --seconds 1.5", timeoutSeconds: 280);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("overlay0", stdout); // the metrics summary
        log.WriteLine(stdout);

        var video = await Ffprobe.StreamAsync(output, "v:0", countFrames: false);
        Assert.Equal((1280, 720), (video.Width, video.Height));
        var audio = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        Assert.Equal("audio", audio.Type); // the audio is kept
        var inside = await RegionMeanAsync(output, 0.5, folder);
        var after = await RegionMeanAsync(output, 2.5, folder);
        log.WriteLine($"logo region mean RGB at 0.5 s: {inside}, at 2.5 s: {after}");
        Assert.True(IsMagenta(inside), $"at 0.5 s the logo region is {inside}, not the magenta logo");
        Assert.False(IsMagenta(after), $"at 2.5 s (after the window) the logo region is still magenta: {after}");
    }

    [Fact(Timeout = 300000)]
    public async Task ExtractFramesSample_WritesAsManyJpegsAsFfmpegsFps2AndAJsonLineForEach()
    {
        var input = await TestMedia.SmallWithAudioAsync(3);
        var folder = Path.Combine(TestMedia.OutputFolder(), "frames");

        var (code, stdout, stderr) = await TestMedia.RunSampleAsync("extract-frames.cs", $"\"{input}\" \"{folder}\"", timeoutSeconds: 280);
        Assert.True(code == 0, stdout + stderr);
        log.WriteLine(stdout);

        var (ffCode, framemd5, ffError) = await TestMedia.RunProcessAsync("ffmpeg", $"-hide_banner -nostdin -v error -i \"{input}\" -map 0:v -vf fps=2 -f framemd5 -");
        Assert.True(ffCode == 0, ffError);
        var expected = framemd5.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
        var jpegs = Directory.GetFiles(folder, "*.jpg").Order().ToArray();
        Assert.Equal(expected, jpegs.Length);
        var lines = File.ReadAllLines(Path.Combine(folder, "frames.jsonl"));
        Assert.Equal(expected, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var path = json.RootElement.GetProperty("path").GetString()!;
            Assert.Equal(Path.GetFullPath(jpegs[i]), Path.GetFullPath(path));
            Assert.Equal(i * 0.5, json.RootElement.GetProperty("time").GetDouble(), 3);
        }
    }

    [Fact(Timeout = 600000)]
    public async Task GpuTranscodeSample_WithoutAGpu_MatchesTheCliOnTheCpuAndSaysEachFallbackOnce()
    {
        // 2 s of interlaced (top field first) H.264 with a sine: what NVDEC would decode on a GPU machine.
        var folder = TestMedia.OutputFolder();
        var input = Path.Combine(folder, "interlaced.mp4");
        await TestMedia.RunFfmpegAsync("-f lavfi -t 2 -i testsrc2=size=640x360:rate=25 -f lavfi -t 2 -i sine=frequency=1000:sample_rate=48000 " +
            "-vf setfield=tff -map 0:v -map 1:a -c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts tff=1 -field_order tt " +
            $"-pix_fmt yuv420p -c:a aac \"{input}\"");
        var output = Path.Combine(folder, "out.mp4");
        var cli = Path.Combine(folder, "cli.mp4");

        var (code, stdout, stderr) = await TestMedia.RunSampleAsync("gpu-transcode.cs", $"\"{input}\" \"{output}\"");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("deinterlace0+scale0", stdout); // the metrics summary
        log.WriteLine(stdout);
        log.WriteLine(stderr);
        // The same job on the ffmpeg CLI, with the encoder the fallback uses.
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -vf yadif,scale=1280:720 -c:v libx264 -preset ultrafast -c:a aac \"{cli}\"");

        var video = await Ffprobe.StreamAsync(output, "v:0");
        var expected = await Ffprobe.StreamAsync(cli, "v:0");
        Assert.Equal(("h264", 1280, 720), (video.Codec, video.Width, video.Height));
        Assert.Equal("progressive", video.FieldOrder);
        Assert.Equal(expected.Frames, video.Frames);
        Assert.Equal(expected.Duration, video.Duration, 3);
        Assert.Equal(await Ffprobe.FormatDurationAsync(cli), await Ffprobe.FormatDurationAsync(output), 2);
        var audio = await Ffprobe.StreamAsync(output, "a:0");
        var expectedAudio = await Ffprobe.StreamAsync(cli, "a:0");
        Assert.Equal(("aac", expectedAudio.Frames), (audio.Codec, audio.Frames));

        // Without a GPU each stage says where it runs once, in the library's own line: no GPU, software decoding,
        // libx264 for h264_nvenc.
        var lines = stderr.Split('\n');
        Assert.Single(lines, l => l.Contains("device auto:", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("decode-video0: hwaccel auto:", StringComparison.Ordinal) || l.Contains("with NVDEC", StringComparison.Ordinal));
        if (!lines.Any(l => l.Contains("with NVDEC on", StringComparison.Ordinal)))
            Assert.Single(lines, l => l.Contains("h264_nvenc needs a CUDA device", StringComparison.Ordinal) && l.Contains("encoding with libx264 instead", StringComparison.Ordinal));
    }

    private static bool IsMagenta((double R, double G, double B) c) => c.R > 200 && c.G < 60 && c.B > 200;

    /// <summary>The mean colour of the 300x200 top-left rectangle of the frame at <paramref name="seconds"/>.</summary>
    private static async Task<(double R, double G, double B)> RegionMeanAsync(string video, double seconds, string folder)
    {
        var raw = Path.Combine(folder, $"at{seconds}.rgb");
        await TestMedia.RunFfmpegAsync($"-ss {seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)} -i \"{video}\" -frames:v 1 -vf crop=300:200:0:0 -f rawvideo -pix_fmt rgb24 \"{raw}\"");
        var bytes = await File.ReadAllBytesAsync(raw);
        double r = 0, g = 0, b = 0;
        for (var i = 0; i < bytes.Length; i += 3) { r += bytes[i]; g += bytes[i + 1]; b += bytes[i + 2]; }
        var n = bytes.Length / 3.0;
        return (r / n, g / n, b / n);
    }
}
