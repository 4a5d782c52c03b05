using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Nodes;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

public sealed class FilterTests(ITestOutputHelper log)
{
    [Fact(Timeout = 60000)]
    public async Task Filter_ConcatOfTwoClips_HasTheSumOfTheirFrames()
    {
        var first = await TestMedia.TinyAsync(10);
        var second = await TestMedia.TinyAsync(15);
        var output = Path.Combine(TestMedia.OutputFolder(), "concat.mkv");

        var graph = new Graph();
        var joined = graph.Filter("concat=n=2:v=1:a=0", graph.Decode(first).Video, graph.Decode(second).Video).Video(0);
        graph.Encode(output, joined, null, new EncodeOptions { VideoCodec = "ffv1" });
        await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output);
        var times = await Ffprobe.FrameTimesAsync(output);
        log.WriteLine($"{result.Frames} frames, last at {times[^1].Pts:0.000} s");
        Assert.Equal(25, result.Frames);
        Assert.Equal(24 * 0.04, times[^1].Pts - times[0].Pts, 3); // the second clip follows the first without a gap
    }

    [Theory(Timeout = 60000)]
    [InlineData(false)]
    [InlineData(true)] // the second input arrives slowly (a live source, a busy decoder): the first one ends long before
    public async Task Filter_AmixOfTwoAudioStreams_MixesBothWholeStreams(bool secondInputLate)
    {
        var low = await TestMedia.ClipAsync("sine440.wav", "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=1");
        var high = await TestMedia.ClipAsync("sine3000.wav", "-f lavfi -i sine=frequency=3000:sample_rate=48000:duration=1");
        var output = Path.Combine(TestMedia.OutputFolder(), "mix.wav");

        var graph = new Graph();
        AudioStream second = graph.Decode(high).Audio;
        if (secondInputLate)
        {
            var slow = graph.Add(new PassThroughNode(MediaKind.Audio) { Delay = TimeSpan.FromMilliseconds(5) });
            graph.Connect(second.Port, slow.Inputs[0]);
            second = graph.Streams(slow).AudioOutput(0);
        }
        var mixed = graph.Filter("amix=inputs=2", graph.Decode(low).Audio, second).Audio(0);
        graph.Encode(output, null, mixed, new EncodeOptions { AudioCodec = "pcm_s16le" });
        await graph.RunAsync();

        var result = await Ffprobe.StreamAsync(output, "a:0", countFrames: false);
        var duration = await Ffprobe.FormatDurationAsync(output);
        log.WriteLine($"{result.Codec} {result.SampleRate} Hz {result.Channels} ch, {duration:0.0000} s");
        Assert.Equal(("pcm_s16le", 48000), (result.Codec, result.SampleRate));
        Assert.InRange(duration, 1 - 0.021, 1 + 0.021);

        // Both tones are in the mix from start to end: ffmpeg's band-pass around each finds it in every tenth of a second.
        foreach (var frequency in new[] { 440, 3000 })
        {
            var (_, _, stderr) = await TestMedia.RunProcessAsync("ffmpeg",
                $"-hide_banner -nostdin -i \"{output}\" -af bandpass=f={frequency}:width_type=q:w=20,asetnsamples=4800,astats=metadata=1:reset=1,ametadata=print:key=lavfi.astats.Overall.RMS_level -f null -");
            var levels = stderr.Split('\n').Where(l => l.Contains("RMS_level=")).Select(l => double.Parse(l[(l.IndexOf('=') + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            log.WriteLine($"{frequency} Hz band, dB per 0.1 s: {string.Join(" ", levels.Select(l => l.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}");
            Assert.Equal(10, levels.Length);
            Assert.All(levels, db => Assert.True(db > -35, $"the {frequency} Hz tone is missing from part of the mix ({db:0.0} dB)"));
        }
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_Hflip_MatchesFfmpegFrameForFrame()
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        var ours = Path.Combine(folder, "ours.mkv");
        var theirs = Path.Combine(folder, "ffmpeg.mkv");

        var graph = new Graph();
        graph.Encode(ours, graph.Decode(input).Video.Filter("hflip"), null, new EncodeOptions { VideoCodec = "ffv1" });
        await graph.RunAsync();
        await TestMedia.RunFfmpegAsync($"-i \"{input}\" -vf hflip -c:v ffv1 \"{theirs}\"");

        Assert.Equal(await FrameHashesAsync(theirs), await FrameHashesAsync(ours));
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_ThatFailsToConfigure_RunThrowsOneExceptionNamingTheNode()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var filtered = graph.Filter("pad=w=10:h=10", graph.Decode(input).Video); // parses; refused when configured (smaller than the input)
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), filtered.Video(0), null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        log.WriteLine($"{e.GetType().Name}: {e.Message}");
        Assert.IsNotType<GraphValidationException>(e);
        Assert.Equal(filtered.Node.Name, e.Node);
        Assert.StartsWith($"{filtered.Node.Name}: ", e.Message);
        Assert.Contains("pad=w=10:h=10", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_ThatFailsToConfigure_MessageGivesFfmpegsReason()
    {
        var input = await TestMedia.TinyAsync();
        var graph = new Graph();
        var filtered = graph.Filter("pad=w=10:h=10", graph.Decode(input).Video);
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mp4"), filtered.Video(0), null, new EncodeOptions { Preset = "ultrafast" });

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Contains("Padded dimensions cannot be smaller than input dimensions", e.Message);
    }

    [Fact(Timeout = 60000)]
    public async Task Filter_SplitIntoTwoOutputs_FeedsBothEncoders()
    {
        var input = await TestMedia.TinyAsync();
        var folder = TestMedia.OutputFolder();
        var graph = new Graph();
        var split = graph.Filter("split=2[a][b];[b]vflip[c]", graph.Decode(input).Video);
        Assert.Equal(2, split.Count);
        graph.Encode(Path.Combine(folder, "a.mkv"), split.Video(0), null, new EncodeOptions { VideoCodec = "ffv1" });
        graph.Encode(Path.Combine(folder, "b.mkv"), split.Video(1), null, new EncodeOptions { VideoCodec = "ffv1" });
        await graph.RunAsync();

        Assert.Equal(10, (await Ffprobe.StreamAsync(Path.Combine(folder, "a.mkv"))).Frames);
        Assert.Equal(10, (await Ffprobe.StreamAsync(Path.Combine(folder, "b.mkv"))).Frames);
    }

    private static async Task<string[]> FrameHashesAsync(string path)
    {
        var (code, output, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-hide_banner -nostdin -v error -i \"{path}\" -f framemd5 -");
        Assert.True(code == 0, error);
        return output.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(',')[^1].Trim()).ToArray();
    }

    /// <summary>concat plays its first input, then its second: the second decoder is held back by backpressure
    /// until it is needed, instead of its whole file queueing in memory inside libavfilter.</summary>
    [Fact(Timeout = 60000)]
    public async Task Filter_Concat_HoldsTheSecondInputBackUntilItIsNeeded()
    {
        var clip = await TestMedia.ClipAsync("concat-200.mpg", "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 200 -c:v mpeg2video");
        var graph = new Graph(new GraphOptions { ChannelCapacity = 4 });
        var joined = graph.Filter("concat=n=2:v=1:a=0", graph.Decode(clip).Video, graph.Decode(clip).Video);
        var sink = graph.Sink(joined.Video(0), capacity: 2);
        var run = graph.RunAsync();
        var read = 0;
        long secondAheadMax = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            if (++read < 180) secondAheadMax = Math.Max(secondAheadMax, graph.Metrics!["decode-video1"].FramesOut);
        }
        var metrics = await run;

        log.WriteLine($"{read} frames out; while the first input played, the second decoder got {secondAheadMax} frames ahead");
        Assert.Equal(400, read);
        Assert.InRange(secondAheadMax, 1, 4 * 2 + 4); // its edge, one in hand, the first frame used to configure
        Assert.Equal(0, metrics.Errors);
    }

    /// <summary>The first input ends before the second has sent its first frame (the graph cannot be configured yet):
    /// its frames wait, then all of them reach the graph before its end does.</summary>
    [Fact(Timeout = 30000)]
    public async Task Filter_InputThatEndsBeforeTheGraphIsConfigured_LosesNoFrame()
    {
        var graph = new Graph();
        var first = graph.AddVideoSource();
        var second = graph.AddVideoSource();
        var joined = graph.Filter("concat=n=2:v=1:a=0", (VideoStream)first.Stream(graph), (VideoStream)second.Stream(graph));
        var sink = graph.Sink(joined.Video(0), capacity: 16);
        var run = graph.RunAsync();

        static VideoFrame Frame(int i)
        {
            var frame = VideoFrame.Allocate(32, 24, PixelFormat.Yuv420P, new Rational(1, 25));
            frame.Pts = i;
            frame.Duration = 1;
            frame.FrameRate = new Rational(25, 1);
            return frame;
        }
        for (var i = 0; i < 5; i++) await first.WriteAsync(Frame(i));
        first.Complete();
        await Task.Delay(300); // the filter node takes all five and the end while it still waits for the second input
        for (var i = 0; i < 5; i++) await second.WriteAsync(Frame(i));
        second.Complete();

        var received = 0;
        await foreach (var frame in sink.ReadAllAsync()) using (frame) received++;
        await run;
        Assert.Equal(10, received);
    }

    /// <summary>A two-input filter whose one input ends empty cannot start: the run fails at once, naming the node
    /// and the input, instead of queueing the other input until its end.</summary>
    [Fact(Timeout = 30000)]
    public async Task Filter_OneInputEndsWithoutFrames_FailsNamingTheInput()
    {
        var clip = await TestMedia.TinyAsync();
        var graph = new Graph();
        var empty = graph.AddVideoSource();
        var joined = graph.Filter("[0][1]overlay", graph.Decode(clip).Video, (VideoStream)empty.Stream(graph));
        graph.Encode(Path.Combine(TestMedia.OutputFolder(), "out.mkv"), joined.Video(0), null, new EncodeOptions { VideoCodec = "ffv1" });
        empty.Complete();

        var e = await Assert.ThrowsAnyAsync<MediaGraphException>(() => graph.RunAsync());

        Assert.Equal(joined.Node.Name, e.Node);
        Assert.Contains("input 1 ended without any", e.Message);
    }
}
