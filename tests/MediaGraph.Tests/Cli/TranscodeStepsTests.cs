using Xunit;

namespace MediaGraph.Tests.Cli;

/// <summary><c>mediagraph transcode</c>'s --trim, --every-nth, --setpts and --overlay: what they do to the output, and
/// a malformed --overlay refused with the syntax.</summary>
public sealed class TranscodeStepsTests
{
    [Fact(Timeout = 120000)]
    public async Task Transcode_TrimEveryNthAndOverlay_KeepTheWindowEveryOtherFrameWithAudioAndTheLogoOn()
    {
        var input = await CliTestMedia.ClipAsync();
        var folder = CliTestMedia.NewFolder();
        var logo = Path.Combine(folder, "logo.png");
        await TestMedia.RunFfmpegAsync($"-f lavfi -i \"color=c=magenta:size=40x30,format=rgba\" -frames:v 1 \"{logo}\"");
        var output = Path.Combine(folder, "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--preset", "ultrafast", "--trim", "0.4,1",
            "--every-nth", "2", "--overlay", $"{logo}@8,8,20x16,0,10");

        Assert.True(result.ExitCode == 0, result.ToString());
        var probed = await CliTestMedia.ProbeAsync(output);
        Assert.True(probed.HasAudio);
        // 1 s kept, every other frame: 13 frames, which mp4's constant 25 fps repeats to 25, as the ffmpeg CLI does
        // for -vf trim=start=0.4:duration=1,setpts=PTS-STARTPTS,select='not(mod(n,2))' (checked: 25 frames).
        Assert.Equal(25, probed.VideoFrames);
        var raw = Path.Combine(folder, "first.rgb");
        await TestMedia.RunFfmpegAsync($"-i \"{output}\" -frames:v 1 -vf crop=20:16:8:8 -f rawvideo -pix_fmt rgb24 \"{raw}\"");
        var bytes = await File.ReadAllBytesAsync(raw);
        Assert.True(bytes[0] > 200 && bytes[1] < 60 && bytes[2] > 200, $"the logo is not on the first frame: {bytes[0]},{bytes[1]},{bytes[2]}");
    }

    [Fact(Timeout = 60000)]
    public async Task Transcode_MalformedOverlay_IsAUsageErrorShowingTheSyntax()
    {
        var input = await CliTestMedia.ClipAsync();
        var output = Path.Combine(CliTestMedia.NewFolder(), "out.mp4");

        var result = await CliTestMedia.RunAsync("transcode", input, output, "--overlay", "logo.png");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("FILE@X,Y[,WxH][,START,DURATION]", result.Error);
    }
}
