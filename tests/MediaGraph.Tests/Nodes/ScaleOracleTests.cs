using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

/// <summary>
/// MediaGraph's Scale against swscale as the ffmpeg CLI runs it, pixel for pixel: the same input, the same scale
/// filter with the same flags, every frame's planes hashed (MD5) on both sides; sizes, frame counts and timestamps
/// must match too. swscale is deterministic, so frames must be identical, not merely close.
/// </summary>
/// <remarks>
/// The CLI's own sws_flags (fftools' default "flags=bicubic", or <c>-sws_flags</c>) do not reach a scale filter that
/// states its flags: the filter's flags win (checked with FFmpeg 5.1: <c>-sws_flags lanczos -vf
/// scale=353:199:flags=bicubic</c> gives the bicubic frames). MediaGraph's ScaleNode always states its flags
/// (<c>scale=w=..:h=..:flags=bicubic</c>), so the CLI command below states the same flags and nothing else differs:
/// no accurate_rnd or full_chroma_int on either side. The CLI adds no conversion at the end because the rawvideo
/// encoder behind framemd5 takes every pixel format.
/// </remarks>
public sealed class ScaleOracleTests(ITestOutputHelper log)
{
    /// <summary>10 frames of testsrc2 cropped to 719x403 (odd both ways: testsrc2 itself rounds its size down to even,
    /// and crop does too unless told exact=1), stored losslessly as raw <paramref name="pixelFormat"/>.</summary>
    internal static Task<string> SourceAsync(string pixelFormat) => TestMedia.ClipAsync(
        $"oracle-719x403-{pixelFormat}.nut",
        $"-f lavfi -i testsrc2=size=720x404:rate=25 -vf crop=719:403:0:0:exact=1 -frames:v 10 -c:v rawvideo -pix_fmt {pixelFormat}");

    [Theory(Timeout = 60000)]
    [InlineData("yuv420p", 353, 199, ScaleAlgorithm.Bicubic, null)]
    [InlineData("yuv420p", 353, 199, ScaleAlgorithm.Bilinear, null)]
    [InlineData("yuv420p", 353, 199, ScaleAlgorithm.Lanczos, null)]
    [InlineData("yuv420p", 1280, 720, ScaleAlgorithm.Bicubic, null)]      // up, to an even video size
    [InlineData("yuv420p", 23, 211, ScaleAlgorithm.Lanczos, null)]        // narrow and tall
    [InlineData("yuv420p", 353, 199, ScaleAlgorithm.Bicubic, "rgb24")]    // YUV -> RGB on the way
    [InlineData("rgb24", 353, 199, ScaleAlgorithm.Bilinear, null)]        // packed RGB stays RGB
    [InlineData("rgb24", 320, 240, ScaleAlgorithm.Lanczos, "yuv420p")]    // RGB -> YUV on the way
    public async Task Scale_OddSizesAlgorithmsAndFormats_MatchSwscaleOfTheFfmpegCliFrameForFrame(
        string sourceFormat, int width, int height, ScaleAlgorithm algorithm, string? pixelFormat)
    {
        var input = await SourceAsync(sourceFormat);
        var source = await Ffprobe.StreamAsync(input, countFrames: false);
        Assert.Equal((719, 403, sourceFormat), (source.Width, source.Height, source.PixelFormat)); // really odd, really this format
        var flags = algorithm.ToString().ToLowerInvariant();
        var filter = $"scale=w={width}:h={height}:flags={flags}" + (pixelFormat is null ? "" : $",format=pix_fmts={pixelFormat}");

        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Scale(width, height, algorithm, pixelFormat));
        var theirs = await FrameOracle.FfmpegAsync(input, filter);

        log.WriteLine($"719x403 {sourceFormat} -> {filter}: ours {ours.Count} frames, ffmpeg {theirs.Count}");
        foreach (var (a, b) in ours.Zip(theirs)) log.WriteLine($"  ours {a}   ffmpeg {b}");
        Assert.Equal(10, theirs.Count);
        Assert.All(ours, f => Assert.Equal(pixelFormat ?? sourceFormat, f.PixelFormat));
        Assert.All(ours, f => Assert.Equal((width, height), (f.Width, f.Height)));
        Assert.Equal(theirs, ours.WithoutFormat());
    }

    /// <summary>A real clip: MPEG-2 in MPEG-PS whose first frame is at 0.54 s (both sides start it at 0) and whose
    /// 720x405 has odd chroma rows.</summary>
    [Fact(Timeout = 60000)]
    public async Task Scale_CityClip_MatchesSwscaleOfTheFfmpegCliWithTheSameTimestamps()
    {
        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(TestMedia.CityCC0).Video.Scale(353, 199));
        var theirs = await FrameOracle.FfmpegAsync(TestMedia.CityCC0, "scale=w=353:h=199:flags=bicubic");

        log.WriteLine($"ours {ours.Count} frames from {ours[0].PtsMicroseconds / 1e6:0.000} s, ffmpeg {theirs.Count} from {theirs[0].PtsMicroseconds / 1e6:0.000} s");
        Assert.Equal(190, theirs.Count);
        Assert.Equal(theirs, ours.WithoutFormat());
    }

    /// <summary>The oracle can tell algorithms apart on this input (so the comparison above could fail): bicubic and
    /// lanczos give different frames.</summary>
    [Fact(Timeout = 60000)]
    public async Task Scale_BicubicAndLanczos_GiveDifferentFrames()
    {
        var input = await SourceAsync("yuv420p");
        var bicubic = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Scale(353, 199, ScaleAlgorithm.Bicubic));
        var lanczos = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Scale(353, 199, ScaleAlgorithm.Lanczos));

        Assert.Equal(bicubic.Count, lanczos.Count);
        Assert.All(bicubic.Zip(lanczos), p => Assert.NotEqual(p.First.Md5, p.Second.Md5));
    }
}
