namespace MediaGraph.Tests.Contracts;

using Graph = global::MediaGraph.Graph; // a MediaGraph.Tests.Graph namespace would hide the type

/// <summary>The input of a contract test: a clip (its path and frame count) and, optionally, a test node placed
/// next to the node under test — upstream of it when the case has an input stream (<see cref="Input"/> is called
/// first), downstream when it has none (a decoder, an app source: <see cref="Output"/>) — that fails on an item or
/// slows every item down.</summary>
public sealed class Feed(string path, int frames, PassThroughNode? neighbour = null)
{
    private bool _placed;

    public string Path { get; } = path;
    /// <summary>Video frames in the clip.</summary>
    public int Frames { get; } = frames;
    public PassThroughNode? Neighbour { get; } = neighbour;

    /// <summary>The clip's decoded video, through the neighbour when it has not been placed yet.</summary>
    public VideoStream Input(Graph graph) => Through(graph, graph.Decode(Path).Video);

    /// <summary><paramref name="stream"/>, through the neighbour when it has not been placed yet.</summary>
    public VideoStream Output(Graph graph, VideoStream stream) => Through(graph, stream);

    private VideoStream Through(Graph graph, VideoStream stream)
    {
        if (Neighbour is null || _placed) return stream;
        _placed = true;
        graph.Add(Neighbour);
        graph.Connect(stream.Port, Neighbour.Inputs[0]);
        return graph.Streams(Neighbour).VideoOutput(0);
    }
}

/// <summary>What a case built: the node under test and the app's side of the run. <see cref="Outcome"/> is called
/// right after <see cref="Graph.RunAsync"/> with the run's task; it does what the app does (reads a sink, writes a
/// source) and returns the number of frames that reached the end of the graph (an app sink's count, or the frames
/// ffprobe counts in the output file), or -1 when the run failed before that could be known. It must end when the
/// run ends, whatever the way.</summary>
public sealed record Setup(Node Node, Func<Task, Task<long>> Outcome);

/// <summary>One node kind, as the contract tests build it.</summary>
public abstract class NodeCase
{
    /// <summary><see cref="Node.Kind"/> of the node under test.</summary>
    public abstract string Kind { get; }

    /// <summary>Adds the node under test to <paramref name="graph"/>, fed by <paramref name="feed"/>, and whatever
    /// ends the graph (an app sink, or a file in <paramref name="folder"/>).</summary>
    public abstract Setup Build(Graph graph, Feed feed, string folder);

    /// <summary>Frames at the end of the graph for a clip of <paramref name="frames"/> frames.</summary>
    public virtual long ExpectedFrames(int frames) => frames;

    /// <summary>Ends the graph at an app sink, read (and every frame released) by the outcome.</summary>
    protected static Func<Task, Task<long>> Drain(AppSink<VideoFrame> sink) => async _ =>
    {
        long count = 0;
        await foreach (var frame in sink.ReadAllAsync())
        {
            frame.Dispose();
            count++;
        }
        return count;
    };
}

/// <summary>A kind with a failure of its own that a real input or option provokes while the graph runs.</summary>
public interface IFaultingCase
{
    /// <summary>A graph in which the node under test fails.</summary>
    Task<Setup> BuildFaultyAsync(Graph graph, string folder);

    /// <summary>Part of FFmpeg's (or MediaGraph's) reason that the fault's message must carry.</summary>
    string Reason { get; }
}

/// <summary>A video node with one input and one output, that <see cref="NodeSession.ForVideo"/> can call directly.</summary>
public abstract class OneInputCase : NodeCase
{
    /// <summary>Adds the node on <paramref name="input"/> (<c>v => v.Scale(...)</c>).</summary>
    public abstract VideoStream Apply(VideoStream input);

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var output = Apply(feed.Input(graph));
        return new Setup(output.Port.Node, Drain(graph.Sink(feed.Output(graph, output))));
    }
}

public sealed class ScaleCase : OneInputCase, IFaultingCase
{
    public override string Kind => "scale";
    public override VideoStream Apply(VideoStream input) => input.Scale(175, 99, ScaleAlgorithm.Lanczos);

    /// <summary>A size swscale refuses (larger than any image FFmpeg allows): refused when the filter is configured
    /// with the first frame, not before the run.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var scaled = graph.Decode(await TestMedia.TinyAsync()).Video.Scale(100000, 100000);
        return new Setup(scaled.Port.Node, Drain(graph.Sink(scaled)));
    }

    public string Reason => "Picture size 100000x100000 is invalid";
}

/// <summary>fps at the clips' own 25 fps: every frame through (the contract counts frames), on the filter's path.</summary>
public sealed class FpsCase : OneInputCase
{
    public override string Kind => "fps";
    public override VideoStream Apply(VideoStream input) => input.Fps(new Rational(25, 1));
}

public sealed class DeinterlaceCase : OneInputCase, IFaultingCase
{
    public override string Kind => "deinterlace";
    public override VideoStream Apply(VideoStream input) => input.Deinterlace(new DeinterlaceOptions { Method = DeinterlaceMethod.Bwdif });

    /// <summary>yadif needs at least 3 lines and columns; a 2x2 clip makes its configuration fail.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var clip = await TestMedia.ClipAsync("contract-2x2.nut", "-f lavfi -i color=c=gray:size=2x2:rate=25 -frames:v 3 -c:v rawvideo -pix_fmt yuv420p");
        var deinterlaced = graph.Decode(clip).Video.Deinterlace();
        return new Setup(deinterlaced.Port.Node, Drain(graph.Sink(deinterlaced)));
    }

    public string Reason => "less than 3 columns or lines";
}

public sealed class FilterCase : OneInputCase, IFaultingCase
{
    public override string Kind => "filter";
    public override VideoStream Apply(VideoStream input) => input.Filter("hflip");

    /// <summary>A crop larger than the 64x48 input: parses, refused when configured.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var cropped = graph.Decode(await TestMedia.TinyAsync()).Video.Filter("crop=w=1000:h=1000");
        return new Setup(cropped.Port.Node, Drain(graph.Sink(cropped)));
    }

    public string Reason => "crop=w=1000:h=1000";
}

/// <summary>A filter with two inputs: the clip (through the neighbour) overlaid with a small copy of itself.</summary>
public sealed class OverlayCase : NodeCase, IFaultingCase
{
    public override string Kind => "filter";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var logo = graph.Decode(feed.Path).Video.Scale(32, 18);
        var overlaid = graph.Filter("[0][1]overlay=x=8:y=8", feed.Input(graph), logo);
        return new Setup(overlaid.Node, Drain(graph.Sink(feed.Output(graph, overlaid.Video(0)))));
    }

    /// <summary>The second input ends without a frame: the filter cannot be configured and says which input.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var empty = graph.AddVideoSource();
        empty.Complete();
        var overlaid = graph.Filter("[0][1]overlay", graph.Decode(await TestMedia.TinyAsync()).Video, (VideoStream)empty.Stream(graph));
        return new Setup(overlaid.Node, Drain(graph.Sink(overlaid.Video(0))));
    }

    public string Reason => "input 1 ended without any";
}

/// <summary>The video decoder behind <c>graph.Decode(path).Video</c>.</summary>
public sealed class DecodeCase : NodeCase, IFaultingCase
{
    public override string Kind => "decode-video";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var video = graph.Decode(feed.Path).Video;
        return new Setup(video.Port.Node, Drain(graph.Sink(feed.Output(graph, video))));
    }

    /// <summary>A decoder that exists but not for this codec (the MPEG-2 decoder on H.264): refused when it opens.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var video = graph.Decode(await TestMedia.TinyAsync(), new DecodeOptions { VideoDecoder = "mpeg2video" }).Video;
        return new Setup(video.Port.Node, Drain(graph.Sink(video)));
    }

    public string Reason => "cannot decode 'h264'";
}

/// <summary>The video encoder of <c>graph.Encode</c> (FFV1 into Matroska: it takes cityCC0's odd 720x405, which
/// libx264 refuses in 4:2:0); the outcome counts the frames of the file with ffprobe.</summary>
public sealed class EncodeCase : NodeCase, IFaultingCase
{
    public override string Kind => "encode-video";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var path = Path.Combine(folder, "encoded.mkv");
        var mux = graph.Encode(path, feed.Input(graph), null, new EncodeOptions { VideoCodec = "ffv1" });
        return new Setup(mux.Inputs[0].Source!.Node, async run =>
        {
            try { await run; }
            catch (Exception e) when (e is MediaGraphException or OperationCanceledException) { return -1; }
            return (await Ffprobe.StreamAsync(path)).Frames;
        });
    }

    /// <summary>A private option libx264 does not have.</summary>
    public async Task<Setup> BuildFaultyAsync(Graph graph, string folder)
    {
        var mux = graph.Encode(Path.Combine(folder, "bad.mkv"), graph.Decode(await TestMedia.TinyAsync()).Video, null,
            new EncodeOptions { VideoCodec = "libx264", VideoCodecOptions = new Dictionary<string, string> { ["nosuchoption"] = "1" } });
        return new Setup(mux.Inputs[0].Source!.Node, async run =>
        {
            try { await run; } catch (MediaGraphException) { }
            return -1;
        });
    }

    public string Reason => "unknown option 'nosuchoption'";
}

/// <summary>An app sink: the app reads every frame and releases it.</summary>
public sealed class AppSinkCase : NodeCase
{
    public override string Kind => "sink";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var sink = graph.Sink(feed.Input(graph));
        return new Setup(sink, Drain(sink));
    }
}

/// <summary>An app source: the app writes the frames another graph decodes from the clip (ownership passes from
/// that graph's sink to this graph), then completes; the graph ends at an app sink.</summary>
public sealed class AppSourceCase : NodeCase
{
    public override string Kind => "source";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var source = graph.AddVideoSource();
        var sink = graph.Sink(feed.Output(graph, (VideoStream)source.Stream(graph)));
        var drain = Drain(sink);
        return new Setup(source, async run =>
        {
            var write = WriteAsync(source, feed.Path);
            var count = await drain(run);
            await write;
            return count;
        });
    }

    private static async Task WriteAsync(AppSource<VideoFrame> source, string path)
    {
        var reader = new Graph();
        var frames = reader.Sink(reader.Decode(path).Video);
        var run = reader.RunAsync();
        try
        {
            await foreach (var frame in frames.ReadAllAsync())
            {
                try { await source.WriteAsync(frame); } // the graph owns the frame from here, written or not
                catch (InvalidOperationException) { break; } // the graph stopped (a fault, a cancel): stop reading
            }
            source.Complete();
        }
        finally
        {
            await run; // breaking out of the loop closed the sink: the reader graph ends cleanly
        }
    }
}

/// <summary>An inference node (PP-OCR's small orientation classifier, batches of 4 or 20 ms) on every frame.</summary>
public sealed class InferCase : OneInputCase
{
    private static readonly Lazy<InferenceModel> Model = new(() =>
    {
        var model = new InferenceModel(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation(),
            new InferenceOptions { IntraOpThreads = 1 });
        model.Load();
        return model;
    });

    public override string Kind => "infer";
    public override VideoStream Apply(VideoStream input) => input.Infer(Model.Value, new InferOptions { BatchSize = 4 });
}

/// <summary>The JSON-lines sink; the outcome counts the lines of the file.</summary>
public sealed class JsonLinesCase : NodeCase
{
    public override string Kind => "jsonl";

    public override Setup Build(Graph graph, Feed feed, string folder)
    {
        var path = Path.Combine(folder, "frames.jsonl");
        var sink = graph.WriteJsonLines(path, feed.Input(graph));
        return new Setup(sink, async run =>
        {
            try { await run; }
            catch (Exception e) when (e is MediaGraphException or OperationCanceledException) { return -1; }
            return File.ReadLines(path).LongCount();
        });
    }
}
