using System.Globalization;
using System.Text.Json;
using Xunit;

namespace MediaGraph.Tests.Graph;

/// <summary>What a probe says about an input, reduced to the fields <c>ffprobe -show_format -show_streams</c> prints,
/// in ffprobe's spelling (null where ffprobe prints nothing), so the library, the CLI and ffprobe compare directly.</summary>
public sealed record ProbeFields(string? FormatLongName, long? SizeBytes, long? BitRate, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<ProbeStreamFields> Streams);

/// <summary>One stream's ffprobe fields (level and colour for video only, channel layout for audio only, as ffprobe).</summary>
public sealed record ProbeStreamFields(string Kind, string? Profile, int? Level, string? ColorRange, string? ColorSpace,
    string? ColorPrimaries, string? ColorTransfer, string? FieldOrder, string RealFrameRate, string AverageFrameRate,
    string? ChannelLayout, long? BitRate, long? FrameCount, IReadOnlyList<string> Disposition, IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// The probe contract, run for the library (<see cref="InputInfo.Probe"/>) and for <c>mediagraph probe --json</c>:
/// every field group equals what <c>ffprobe -show_format -show_streams -of json</c> says of the same file, on clips
/// made with the ffmpeg CLI to carry each field, and on the real MPEG-2 clip cityCC0.mpg.
/// </summary>
public abstract class ProbeContractTests
{
    /// <summary>The probe under test, reduced to <see cref="ProbeFields"/>.</summary>
    protected abstract Task<ProbeFields> ProbeAsync(string path);

    /// <summary>1 s: H.264 High profile level 4.0 with BT.709 colour tags (tv range), AC-3 5.1(side) in English
    /// (default) and AAC stereo in French (not default), a title and a creation time, in mp4.</summary>
    public static Task<string> TaggedAsync() => TestMedia.ClipAsync("probe-tagged.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 " +
        "-f lavfi -i sine=frequency=880:sample_rate=44100 -t 1 " +
        "-filter_complex \"[1:a]aformat=channel_layouts=5.1(side)[a]\" -map 0:v -map \"[a]\" -map 2:a " +
        "-c:v libx264 -profile:v high -level 4.0 -preset veryfast -pix_fmt yuv420p " +
        "-color_range tv -colorspace bt709 -color_primaries bt709 -color_trc bt709 " +
        "-c:a:0 ac3 -c:a:1 aac -ac:a:1 2 -metadata \"title=Probe test\" -metadata creation_time=2024-05-06T07:08:09Z " +
        "-metadata:s:a:0 language=eng -metadata:s:a:1 language=fra -disposition:a:1 0");

    /// <summary>1 s of interlaced (top field first) H.264 in mp4.</summary>
    public static Task<string> InterlacedAsync() => TestMedia.ClipAsync("probe-interlaced.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 1 -c:v libx264 -preset ultrafast -flags +ildct+ilme " +
        "-x264opts tff=1 -field_order tt -pix_fmt yuv420p");

    /// <summary>2 s at 25 fps with frames 10-29 dropped (variable frame rate: r_frame_rate 25, average 15), in mp4.</summary>
    public static Task<string> VariableFrameRateAsync() => TestMedia.ClipAsync("probe-vfr.mp4",
        "-f lavfi -i testsrc2=size=160x120:rate=25 -t 2 -vf \"select='not(between(n\\,10\\,29))'\" -fps_mode vfr " +
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p");

    /// <summary>1 s with AAC 5.1 audio in Matroska: the container gives six channels but no layout, and no stream bit
    /// rates or frame counts.</summary>
    public static Task<string> MatroskaSurroundAsync() => TestMedia.ClipAsync("probe-surround.mkv",
        "-f lavfi -i testsrc2=size=160x120:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 " +
        "-filter_complex \"[1:a]aformat=channel_layouts=5.1(side)[a]\" -map 0:v -map \"[a]\" " +
        "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac");

    [Fact(Timeout = 60000)]
    public async Task Probe_TaggedMp4_ReportsSizeBitRateAndFormatTagsAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal((ffprobe.FormatLongName, ffprobe.SizeBytes, ffprobe.BitRate), (probed.FormatLongName, probed.SizeBytes, probed.BitRate));
        Assert.Equal(new FileInfo(await TaggedAsync()).Length, probed.SizeBytes);
        Assert.Equal(ffprobe.Tags, probed.Tags);
        Assert.Equal("Probe test", probed.Tags["title"]);
        Assert.StartsWith("2024-05-06T07:08:09", probed.Tags["creation_time"]);
        Assert.StartsWith("Lavf", probed.Tags["encoder"]);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_H264HighProfile_ReportsProfileAndLevelAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal(ffprobe.Streams.Select(s => (s.Profile, s.Level)), probed.Streams.Select(s => (s.Profile, s.Level)));
        Assert.Equal(("High", 40), (probed.Streams[0].Profile, probed.Streams[0].Level));
        Assert.Equal("LC", probed.Streams[2].Profile); // AAC; AC-3 has no profile: null, as ffprobe prints none
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_Bt709Clip_ReportsColourRangeSpacePrimariesAndTransferAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal(ffprobe.Streams.Select(Colour), probed.Streams.Select(Colour));
        Assert.Equal(("tv", "bt709", "bt709", "bt709"), Colour(probed.Streams[0]));
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_VariableFrameRate_ReportsRealAndAverageFrameRateAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await VariableFrameRateAsync());

        Assert.Equal(ffprobe.Streams.Select(Rates), probed.Streams.Select(Rates));
        Assert.Equal(("25/1", "15/1"), Rates(probed.Streams[0]));
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_SurroundAndStereoAudio_ReportsChannelLayoutAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());
        var (mkv, mkvFfprobe) = await BothAsync(await MatroskaSurroundAsync());

        Assert.Equal(ffprobe.Streams.Select(s => s.ChannelLayout), probed.Streams.Select(s => s.ChannelLayout));
        Assert.Equal([null, "5.1(side)", "stereo"], probed.Streams.Select(s => s.ChannelLayout));
        Assert.Equal(mkvFfprobe.Streams.Select(s => s.ChannelLayout), mkv.Streams.Select(s => s.ChannelLayout));
        Assert.Null(mkv.Streams[1].ChannelLayout); // six channels in no stated order: ffprobe names no layout either
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_TaggedMp4_ReportsStreamTagsAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal(ffprobe.Streams.Select(s => s.Tags), probed.Streams.Select(s => s.Tags));
        Assert.Equal(["und", "eng", "fra"], probed.Streams.Select(s => s.Tags["language"]));
        Assert.Equal("SoundHandler", probed.Streams[1].Tags["handler_name"]);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_Mp4AndMatroska_ReportStreamBitRateAndFrameCountAsFfprobe()
    {
        foreach (var clip in new[] { await TaggedAsync(), await MatroskaSurroundAsync() })
        {
            var (probed, ffprobe) = await BothAsync(clip);

            Assert.Equal(ffprobe.Streams.Select(s => (s.BitRate, s.FrameCount)), probed.Streams.Select(s => (s.BitRate, s.FrameCount)));
        }
        var (mp4, _) = await BothAsync(await TaggedAsync());
        Assert.Equal(25, mp4.Streams[0].FrameCount);
        Assert.Equal(448000, mp4.Streams[1].BitRate); // AC-3 at its default rate for 5.1
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_SecondAudioNotDefault_ReportsDispositionAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal(ffprobe.Streams.Select(s => s.Disposition), probed.Streams.Select(s => s.Disposition));
        Assert.Equal([true, true, false], probed.Streams.Select(s => s.Disposition.Contains("default")));
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_InterlacedAndProgressive_ReportFieldOrderAsFfprobe()
    {
        var (interlaced, interlacedFfprobe) = await BothAsync(await InterlacedAsync());
        var (progressive, progressiveFfprobe) = await BothAsync(await TaggedAsync());

        Assert.Equal(interlacedFfprobe.Streams.Select(s => s.FieldOrder), interlaced.Streams.Select(s => s.FieldOrder));
        Assert.Equal(progressiveFfprobe.Streams.Select(s => s.FieldOrder), progressive.Streams.Select(s => s.FieldOrder));
        Assert.Equal("tt", interlaced.Streams[0].FieldOrder);
        Assert.Equal("progressive", progressive.Streams[0].FieldOrder);
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_CityMpeg2_ReportsEveryFieldAsFfprobe()
    {
        var (probed, ffprobe) = await BothAsync(TestMedia.CityCC0);

        Assert.Equal((ffprobe.FormatLongName, ffprobe.SizeBytes, ffprobe.BitRate), (probed.FormatLongName, probed.SizeBytes, probed.BitRate));
        Assert.Equal(ffprobe.Tags, probed.Tags);
        Assert.Equal(ffprobe.Streams.Count, probed.Streams.Count);
        for (var i = 0; i < ffprobe.Streams.Count; i++)
        {
            var (p, f) = (probed.Streams[i], ffprobe.Streams[i]);
            Assert.Equal(f with { Disposition = [], Tags = Empty }, p with { Disposition = [], Tags = Empty });
            Assert.Equal(f.Disposition, p.Disposition);
            Assert.Equal(f.Tags, p.Tags);
        }
        Assert.Equal(("Main", 8, "tv", "progressive"), (probed.Streams[0].Profile, probed.Streams[0].Level, probed.Streams[0].ColorRange, probed.Streams[0].FieldOrder));
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static (string?, string?, string?, string?) Colour(ProbeStreamFields s) => (s.ColorRange, s.ColorSpace, s.ColorPrimaries, s.ColorTransfer);

    private static (string, string) Rates(ProbeStreamFields s) => (s.RealFrameRate, s.AverageFrameRate);

    private async Task<(ProbeFields Probed, ProbeFields Ffprobe)> BothAsync(string path)
        => (await ProbeAsync(path), await FfprobeAsync(path));

    /// <summary>ffprobe's <c>-show_format -show_streams</c> of <paramref name="path"/> as <see cref="ProbeFields"/>.</summary>
    public static async Task<ProbeFields> FfprobeAsync(string path)
    {
        using var json = await Ffprobe.JsonAsync($"-show_format -show_streams \"{path}\"");
        var format = json.RootElement.GetProperty("format");
        var streams = json.RootElement.GetProperty("streams").EnumerateArray().Select(s =>
        {
            var kind = Str(s, "codec_type") is "video" or "audio" ? Str(s, "codec_type")! : "other";
            var level = s.TryGetProperty("level", out var l) ? l.GetInt32() : -99;
            return new ProbeStreamFields(kind, Str(s, "profile"), level == -99 ? null : level,
                Str(s, "color_range"), Str(s, "color_space"), Str(s, "color_primaries"), Str(s, "color_transfer"),
                Str(s, "field_order"), Str(s, "r_frame_rate") ?? "", Str(s, "avg_frame_rate") ?? "", Str(s, "channel_layout"),
                Long(s, "bit_rate"), Long(s, "nb_frames"),
                s.TryGetProperty("disposition", out var d)
                    ? d.EnumerateObject().Where(p => p.Value.GetInt32() == 1).Select(p => p.Name).ToArray()
                    : [],
                TagsOf(s));
        }).ToArray();
        return new ProbeFields(Str(format, "format_long_name"), Long(format, "size"), Long(format, "bit_rate"), TagsOf(format), streams);
    }

    /// <summary>A "tags" object as a dictionary (empty when absent).</summary>
    public static IReadOnlyDictionary<string, string> TagsOf(JsonElement e)
        => e.TryGetProperty("tags", out var tags) ? tags.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!) : Empty;

    public static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : null;

    public static long? Long(JsonElement e, string name) => Str(e, name) is { } text ? long.Parse(text, CultureInfo.InvariantCulture) : null;
}

/// <summary>The probe contract for the library: <see cref="InputInfo.Probe"/>.</summary>
public sealed class InputInfoProbeTests : ProbeContractTests
{
    protected override Task<ProbeFields> ProbeAsync(string path)
    {
        var info = InputInfo.Probe(path);
        return Task.FromResult(new ProbeFields(info.FormatLongName.Length > 0 ? info.FormatLongName : null,
            info.SizeBytes >= 0 ? info.SizeBytes : null, info.BitRate > 0 ? info.BitRate : null, info.Tags,
            info.Streams.Select(s => new ProbeStreamFields(
                s.Kind switch { MediaKind.Video => "video", MediaKind.Audio => "audio", _ => "other" },
                s.Profile, s.Level,
                s.Kind == MediaKind.Video ? s.ColorRange : null, s.Kind == MediaKind.Video ? s.ColorSpace : null,
                s.Kind == MediaKind.Video ? s.ColorPrimaries : null, s.Kind == MediaKind.Video ? s.ColorTransfer : null,
                s.Kind == MediaKind.Video ? s.FieldOrderName : null,
                s.RealFrameRate.IsValid ? s.RealFrameRate.ToString() : "0/0", s.FrameRate.IsValid ? s.FrameRate.ToString() : "0/0",
                s.ChannelLayout, s.BitRate > 0 ? s.BitRate : null, s.FrameCount > 0 ? s.FrameCount : null,
                s.Disposition.ToNames(), s.Tags)).ToArray()));
    }

    [Fact(Timeout = 60000)]
    public async Task Probe_TaggedMp4_TextNamesProfileColourLayoutAndTags()
    {
        var text = InputInfo.Probe(await TaggedAsync()).ToString();

        Assert.Contains("QuickTime / MOV", text);
        Assert.Contains("title: Probe test", text);
        Assert.Contains("video h264 320x240", text);
        Assert.Contains("High level 40, tv, bt709, progressive", text);
        Assert.Contains("5.1(side)", text);
        Assert.Contains("language: fra", text);
    }
}
