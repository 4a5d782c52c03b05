using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

/// <summary>
/// MediaGraph's Deinterlace against yadif and bwdif as the ffmpeg CLI runs them, pixel for pixel: the same truly
/// interlaced input, the same filter string (<c>yadif=mode=..:parity=auto:deint=all</c>, which is what
/// DeinterlaceNode builds), every frame's planes hashed (MD5) on both sides; frame counts and timestamps must match
/// too (send_field doubles both the frames and the rate). Both filters are deterministic C (their SIMD and C paths
/// give the same bytes), so the frames must be identical.
/// </summary>
public sealed class DeinterlaceOracleTests(ITestOutputHelper log)
{
    /// <summary>12 frames, 352x288, 25 fps, H.264 coded interlaced top field first, made from 50 fps testsrc2 by
    /// weaving fields of consecutive pictures (tinterlace), so the fields really differ (combing on motion) and a
    /// deinterlacer has work to do.</summary>
    internal static Task<string> InterlacedAsync() => TestMedia.ClipAsync("oracle-interlaced-352x288.mp4",
        "-f lavfi -i \"testsrc2=size=352x288:rate=50,tinterlace=mode=interleave_top,setfield=tff\" -frames:v 12 " +
        "-c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts tff=1 -field_order tt -pix_fmt yuv420p");

    /// <summary>The same, bottom field first.</summary>
    private static Task<string> BottomFieldFirstAsync() => TestMedia.ClipAsync("oracle-interlaced-bff-352x288.mp4",
        "-f lavfi -i \"testsrc2=size=352x288:rate=50,tinterlace=mode=interleave_bottom,setfield=bff\" -frames:v 12 " +
        "-c:v libx264 -preset ultrafast -flags +ildct+ilme -x264opts bff=1 -field_order bb -pix_fmt yuv420p");

    /// <summary>12 frames of 719x403 (odd both ways: the chroma planes' last row and column) as raw yuv420p, woven
    /// from 50 fps like <see cref="InterlacedAsync"/> (crop's exact=1 keeps the odd size; testsrc2 alone would round
    /// it down to even).</summary>
    private static Task<string> OddSizeAsync() => TestMedia.ClipAsync("oracle-deinterlace-719x403.nut",
        "-f lavfi -i \"testsrc2=size=720x404:rate=50,crop=719:403:0:0:exact=1,tinterlace=mode=interleave_top,setfield=tff\" " +
        "-frames:v 12 -c:v rawvideo -pix_fmt yuv420p");

    [Theory(Timeout = 60000)]
    [InlineData("tff", DeinterlaceMethod.Yadif, DeinterlaceMode.SendFrame)]
    [InlineData("tff", DeinterlaceMethod.Yadif, DeinterlaceMode.SendField)]
    [InlineData("tff", DeinterlaceMethod.Bwdif, DeinterlaceMode.SendFrame)]
    [InlineData("tff", DeinterlaceMethod.Bwdif, DeinterlaceMode.SendField)]
    [InlineData("bff", DeinterlaceMethod.Yadif, DeinterlaceMode.SendField)]
    [InlineData("bff", DeinterlaceMethod.Bwdif, DeinterlaceMode.SendField)]
    [InlineData("719x403", DeinterlaceMethod.Yadif, DeinterlaceMode.SendField)]
    [InlineData("719x403", DeinterlaceMethod.Bwdif, DeinterlaceMode.SendFrame)]
    public async Task Deinterlace_InterlacedClip_MatchesTheFfmpegCliFrameForFrame(string clip, DeinterlaceMethod method, DeinterlaceMode mode)
    {
        var input = clip switch { "tff" => await InterlacedAsync(), "bff" => await BottomFieldFirstAsync(), _ => await OddSizeAsync() };
        var (width, height) = clip == "719x403" ? (719, 403) : (352, 288);
        var filter = $"{method.ToString().ToLowerInvariant()}=mode={(mode == DeinterlaceMode.SendFrame ? "send_frame" : "send_field")}:parity=auto:deint=all";

        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Deinterlace(new DeinterlaceOptions { Method = method, Mode = mode }));
        var theirs = await FrameOracle.FfmpegAsync(input, filter);

        log.WriteLine($"{filter}: ours {ours.Count} frames, ffmpeg {theirs.Count}");
        foreach (var (a, b) in ours.Zip(theirs)) log.WriteLine($"  ours {a}   ffmpeg {b}");
        Assert.Equal(mode == DeinterlaceMode.SendFrame ? 12 : 24, theirs.Count);
        Assert.All(ours, f => Assert.Equal(("yuv420p", width, height), (f.PixelFormat, f.Width, f.Height)));
        Assert.Equal(theirs, ours.WithoutFormat());
    }

    /// <summary>The oracle sees what deinterlacing does on this clip (so the comparison above could fail): yadif and
    /// bwdif give different frames, and neither gives the decoded frames back.</summary>
    [Fact(Timeout = 60000)]
    public async Task Deinterlace_YadifBwdifAndNone_GiveDifferentFrames()
    {
        var input = await InterlacedAsync();
        var none = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video);
        var yadif = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Deinterlace());
        var bwdif = await FrameOracle.MediaGraphAsync(g => g.Decode(input).Video.Deinterlace(new DeinterlaceOptions { Method = DeinterlaceMethod.Bwdif }));

        Assert.Equal(12, none.Count);
        Assert.Equal(none.Select(f => f.PtsMicroseconds), yadif.Select(f => f.PtsMicroseconds));
        Assert.All(none.Zip(yadif, bwdif), t =>
        {
            Assert.NotEqual(t.First.Md5, t.Second.Md5);
            Assert.NotEqual(t.First.Md5, t.Third.Md5);
            Assert.NotEqual(t.Second.Md5, t.Third.Md5);
        });
    }
}
