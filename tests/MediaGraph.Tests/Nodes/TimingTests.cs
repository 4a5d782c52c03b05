using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

/// <summary>
/// The timing operators against the ffmpeg CLI's select, trim, setpts and atrim on the same clip: the same frames
/// (MD5), in the same number, at the same timestamps, exactly (video on cityCC0.mpg, whose first frame the decoder
/// and the CLI both start at 0); audio trimmed to the same samples. setpts is compared with what the CLI's filter
/// graph gives (showinfo's pts in the filter's time base): an encoder's 1/25 time base would round and drop the
/// timestamps setpts makes.
/// </summary>
public sealed class TimingTests(ITestOutputHelper log)
{
    [Theory(Timeout = 60000)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task EveryNth_MatchesSelectNotModNOfTheFfmpegCli(int n)
    {
        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(TestMedia.CityCC0).Video.EveryNth(n));
        var theirs = await FrameOracle.FfmpegAsync(TestMedia.CityCC0, $"select='not(mod(n\\,{n}))'");

        log.WriteLine($"every {n}th: ours {ours.Count} frames, ffmpeg {theirs.Count}");
        Assert.Equal((190 + n - 1) / n, theirs.Count);
        Assert.Equal(theirs, ours.WithoutFormat());
    }

    [Theory(Timeout = 60000)]
    [InlineData(1.5, 2.0)]
    [InlineData(0.0, 0.5)]
    [InlineData(6.1, null)]    // to the end
    [InlineData(2.02, 1.01)]   // between frame times
    public async Task Trim_MatchesTrimOfTheFfmpegCli(double start, double? duration)
    {
        var filter = "trim=start=" + Invariant(start) + (duration is { } d ? ":duration=" + Invariant(d) : "");
        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(TestMedia.CityCC0).Video
            .Trim(TimeSpan.FromSeconds(start), duration is { } dd ? TimeSpan.FromSeconds(dd) : null));
        var theirs = await FrameOracle.FfmpegAsync(TestMedia.CityCC0, filter);

        log.WriteLine($"{filter}: ours {ours.Count} frames from {ours.FirstOrDefault()?.PtsMicroseconds} µs, ffmpeg {theirs.Count}");
        Assert.NotEmpty(theirs);
        Assert.Equal(theirs, ours.WithoutFormat());
    }

    [Theory(Timeout = 60000)]
    [InlineData("PTS-STARTPTS")]
    [InlineData("0.5*PTS")]
    [InlineData("2*PTS+0.3/TB")]
    [InlineData("N/(10*TB)")]
    [InlineData("if(lt(N,5),PTS,PTS+1/TB)")] // commas inside the expression
    public async Task SetPts_Expression_MatchesSetptsOfTheFfmpegCli(string expression)
    {
        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(TestMedia.CityCC0).Video.Trim(TimeSpan.FromSeconds(1)).SetPts(expression));
        var theirs = await ShowinfoPtsAsync(TestMedia.CityCC0, $"trim=start=1,setpts='{expression.Replace(",", "\\,")}'");

        Assert.Equal(190 - 25, theirs.Count);
        Assert.Equal(theirs, ours.Select(f => f.PtsMicroseconds));
    }

    [Fact(Timeout = 60000)]
    public async Task SetPts_Delegate_GivesWhatTheSameExpressionGives()
    {
        var ours = await FrameOracle.MediaGraphAsync(g => g.Decode(TestMedia.CityCC0).Video.Trim(TimeSpan.FromSeconds(1))
            .SetPts(f => (f.Pts - f.StartPts) / 2 + f.N));
        var theirs = await ShowinfoPtsAsync(TestMedia.CityCC0, "trim=start=1,setpts='(PTS-STARTPTS)/2+N'");

        Assert.Equal(190 - 25, theirs.Count);
        Assert.Equal(theirs, ours.Select(f => f.PtsMicroseconds));
    }

    [Fact(Timeout = 60000)]
    public async Task AudioTrim_CutsTheSameSamplesAsAtrimOfTheFfmpegCli()
    {
        var input = await TestMedia.SmallWithAudioAsync(2);
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "ours.wav");
        var graph = new global::MediaGraph.Graph();
        graph.Encode(ours, null, graph.Decode(input).Audio.Trim(TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(0.7)));
        await graph.RunAsync();
        var theirs = Path.Combine(folder, "theirs.wav");
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -vn -af atrim=start=0.5:duration=0.7 \"{theirs}\"");

        var a = await PcmAsync(ours, folder);
        var b = await PcmAsync(theirs, folder);
        log.WriteLine($"atrim 0.5 + 0.7 s: ours {a.Length / 4} samples, ffmpeg {b.Length / 4}");
        Assert.Equal(48000 * 7 / 10, b.Length / 4);
        Assert.True(a.SequenceEqual(b), "the trimmed samples differ");
    }

    [Fact]
    public void TimingKinds_ReadFromJson_WithTheirOptions()
    {
        const string json = """
            {"nodes": [
              {"id": "in", "type": "decode", "url": "in.mp4"},
              {"id": "a", "type": "every_nth", "input": "in.video", "n": 3},
              {"id": "b", "type": "trim", "input": "a", "start": 1.5, "duration": 2},
              {"id": "c", "type": "setpts", "input": "b", "expr": "PTS-STARTPTS"},
              {"id": "d", "type": "atrim", "input": "in.audio", "start": 1.5, "duration": 2},
              {"id": "out", "type": "encode", "path": "out.mp4", "video": "c", "audio": "d"}
            ]}
            """;
        var graph = global::MediaGraph.Graph.FromJson(json);
        Assert.Equal(3, Assert.IsType<EveryNthNode>(graph.Nodes.Single(n => n.Name == "a")).N);
        var trim = Assert.IsType<TrimNode>(graph.Nodes.Single(n => n.Name == "b"));
        Assert.Equal((TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2)), (trim.Start, trim.Duration));
        Assert.Equal("PTS-STARTPTS", Assert.IsType<SetPtsNode>(graph.Nodes.Single(n => n.Name == "c")).Expression);
        Assert.Equal(TimeSpan.FromSeconds(2), Assert.IsType<AudioTrimNode>(graph.Nodes.Single(n => n.Name == "d")).Duration);
    }

    /// <summary>The timestamps (µs) of the frames the CLI's filter graph gives for <paramref name="filter"/>, as its
    /// showinfo filter logs them (pts in the filter's time base), before any encoder rounds them.</summary>
    private static async Task<List<long>> ShowinfoPtsAsync(string input, string filter)
    {
        var (code, _, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-hide_banner -nostdin -i \"{input}\" -vf \"{filter},showinfo\" -f null -");
        Assert.True(code == 0, error);
        var timeBase = System.Text.RegularExpressions.Regex.Match(error, @"config in time_base: (\d+)/(\d+)");
        var (num, den) = (long.Parse(timeBase.Groups[1].Value), long.Parse(timeBase.Groups[2].Value));
        return System.Text.RegularExpressions.Regex.Matches(error, @"\] n: *\d+ pts: *(-?\d+) ")
            .Select(m => (long)Math.Round((double)long.Parse(m.Groups[1].Value) * num * 1_000_000 / den)).ToList();
    }

    private static async Task<byte[]> PcmAsync(string wav, string folder)
    {
        var raw = Path.Combine(folder, Path.GetFileNameWithoutExtension(wav) + ".s16");
        await TestMedia.RunFfmpegAsync($"-i \"{wav}\" -f s16le -ac 2 -ar 48000 \"{raw}\"");
        return await File.ReadAllBytesAsync(raw);
    }

    private static string Invariant(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
