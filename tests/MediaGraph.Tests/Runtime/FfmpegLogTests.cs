using Microsoft.Extensions.Logging;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Runtime;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>FFmpeg's own log goes to the logger of the graph whose node caused it, never to another graph's, and an
/// error quotes only its own context's lines.</summary>
public sealed class FfmpegLogTests(ITestOutputHelper log)
{
    /// <summary>A copy of <paramref name="clip"/> whose middle third has every 97th byte flipped: FFmpeg's decoders
    /// log errors about it (H.264: "error while decoding MB", AAC: "Number of bands exceeds limit").</summary>
    internal static async Task<string> DamagedAsync(string clip, string name)
    {
        var path = Path.Combine(TestMedia.OutputFolder("FfmpegLogMedia"), name);
        var bytes = await File.ReadAllBytesAsync(clip);
        for (var i = bytes.Length / 3; i < 2 * bytes.Length / 3; i += 97) bytes[i] ^= 0x5a;
        await File.WriteAllBytesAsync(path, bytes);
        return path;
    }

    internal static Task<string> VideoOnlyAsync() => TestMedia.ClipAsync("log-h264-4s.mp4",
        "-f lavfi -i testsrc2=size=320x240:rate=25 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p");

    private static Task<string> AudioOnlyAsync() => TestMedia.ClipAsync("log-aac-4s.m4a",
        "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 4 -c:a aac");

    private static async Task<Exception?> DrainAsync<T>(AppSink<T> sink) where T : MediaItem
    {
        try
        {
            await foreach (var item in sink.ReadAllAsync()) item.Dispose();
            return null;
        }
        catch (MediaGraphException e) { return e; }
    }

    [Fact(Timeout = 120000)]
    public async Task TwoGraphsAtOnce_EachLoggerGetsOnlyItsOwnDecodersLines_AndErrorsQuoteOnlyTheirOwn()
    {
        var video = await DamagedAsync(await VideoOnlyAsync(), "damaged-h264.mp4");
        var audio = await DamagedAsync(await AudioOnlyAsync(), "damaged-aac.m4a");
        var videoLog = new ListLogger();
        var audioLog = new ListLogger();
        var videoGraph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(videoLog) });
        var audioGraph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(audioLog) });
        var frames = videoGraph.Sink(videoGraph.Decode(video).Video); // frame threads: H.264 logs from FFmpeg's own threads
        var samples = audioGraph.Sink(audioGraph.Decode(audio).Audio);

        var errors = await Task.WhenAll(DrainAsync(frames), DrainAsync(samples));

        var videoLines = videoLog.Ffmpeg;
        var audioLines = audioLog.Ffmpeg;
        foreach (var l in videoLines.Take(10)) log.WriteLine($"video graph: {l.Level} {l.Text}");
        foreach (var l in audioLines.Take(10)) log.WriteLine($"audio graph: {l.Level} {l.Text}");
        foreach (var e in errors) log.WriteLine($"error: {e?.Message ?? "none"}");
        var videoWarnings = videoLog.Lines.Where(l => l.Category == "MediaGraph" && l.Level == LogLevel.Warning).ToList();
        foreach (var l in videoWarnings.Take(5)) log.WriteLine($"video graph warning: {l.Text}");
        Assert.Contains(videoLines, l => l.Level == LogLevel.Error && l.Text.Contains("ffmpeg h264:"));
        Assert.Contains(audioLines, l => l.Level == LogLevel.Error && l.Text.Contains("ffmpeg aac:"));
        Assert.DoesNotContain(videoLines, l => l.Text.Contains("ffmpeg aac:"));
        Assert.DoesNotContain(audioLines, l => l.Text.Contains("ffmpeg h264:"));
        // A failure quotes no line the other graph's decoder logged.
        var videoTexts = videoLines.Select(l => l.Message).Where(m => m.Length > 12).ToHashSet();
        var audioTexts = audioLines.Select(l => l.Message).Where(m => m.Length > 12).ToHashSet();
        if (errors[0] is { } ve) Assert.DoesNotContain(audioTexts, t => ve.Message.Contains(t));
        if (errors[1] is { } ae) Assert.DoesNotContain(videoTexts, t => ae.Message.Contains(t));
        Assert.DoesNotContain(videoWarnings, w => audioTexts.Any(t => w.Text.Contains(t))); // the decoder's own warnings too
    }

    [Fact(Timeout = 60000)]
    public async Task DecoderWarnings_CarryTheNodeAndTheStreamPosition()
    {
        var video = await DamagedAsync(await VideoOnlyAsync(), "damaged-h264-position.mp4");
        var lines = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(lines) });
        var input = graph.Decode(video);
        var frames = graph.Sink(input.Video);

        await DrainAsync(frames);

        var decoderLines = lines.Ffmpeg.Where(l => l.Text.Contains("ffmpeg h264:")).ToList();
        Assert.NotEmpty(decoderLines);
        var decodeNode = graph.Nodes.First(n => n.Name.StartsWith("decode-video", StringComparison.Ordinal)).Name;
        Assert.All(decoderLines, l => Assert.StartsWith($"{decodeNode}: ffmpeg h264:", l.Text));
        // The damage is in the middle third of a 4 s clip: positions are stamped, and inside the clip.
        var positioned = decoderLines.Where(l => l.Position is not null).ToList();
        Assert.NotEmpty(positioned);
        Assert.All(positioned, l => Assert.InRange(l.Position!.Value, 0.0, 4.1));
    }

    [Fact(Timeout = 60000)]
    public async Task FfmpegLines_UseTheirOwnCategory_AndFollowTheLoggersLevel()
    {
        var video = await DamagedAsync(await VideoOnlyAsync(), "damaged-h264-level.mp4");
        var quiet = new ListLogger(LogLevel.Critical);
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(quiet) });
        var frames = graph.Sink(graph.Decode(video).Video);

        await DrainAsync(frames);

        Assert.Empty(quiet.Ffmpeg); // errors are not critical: nothing formatted, nothing forwarded
        var verbose = new ListLogger();
        var graph2 = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(verbose) });
        await DrainAsync(graph2.Sink(graph2.Decode(video).Video));
        Assert.All(verbose.Ffmpeg, l => Assert.Equal("MediaGraph.FFmpeg", l.Category));
        Assert.Contains(verbose.Ffmpeg, l => l.Level == LogLevel.Error);
    }

    [Fact(Timeout = 60000)]
    public async Task DemuxerLines_GoToTheInputNode_EvenWhenTheInputWasOpenedByValidation()
    {
        var clip = await TestMedia.ClipAsync("log-faststart-2s.mp4",
            "-f lavfi -i testsrc2=size=320x240:rate=25 -t 2 -c:v libx264 -preset ultrafast -movflags +faststart");
        var truncated = Path.Combine(TestMedia.OutputFolder(), "truncated.mp4");
        var bytes = await File.ReadAllBytesAsync(clip);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length * 6 / 10)]); // the index is whole, the data is not
        var lines = new ListLogger();
        var graph = new Graph(new GraphOptions { LoggerFactory = new ListLoggerFactory(lines) });
        var frames = graph.Sink(graph.Decode(truncated).Video);

        await DrainAsync(frames);

        var demux = graph.Metrics!.Nodes.First(n => n.Kind == "demux").Node;
        foreach (var l in lines.Ffmpeg.Take(5)) log.WriteLine(l.Text);
        Assert.Contains(lines.Ffmpeg, l => l.Text.StartsWith($"{demux}: ffmpeg mov,mp4,m4a,3gp,3g2,mj2: Packet corrupt", StringComparison.Ordinal));
    }
}
