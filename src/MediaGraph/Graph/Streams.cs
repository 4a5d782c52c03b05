namespace MediaGraph;

/// <summary>
/// A typed handle to a node's output in a graph. Operators on a stream add a node and return its output stream;
/// nothing runs until <see cref="Graph.RunAsync"/>. A stream may feed several nodes (fan-out without copies).
/// </summary>
public abstract class MediaStream
{
    private protected MediaStream(Graph graph, OutputPort port)
    {
        Graph = graph;
        Port = port;
    }

    /// <summary>The graph the stream belongs to; streams of two graphs never mix.</summary>
    public Graph Graph { get; }
    /// <summary>The output it stands for.</summary>
    public OutputPort Port { get; }
    public MediaKind Kind => Port.Kind;

    /// <summary>"scale1.out0".</summary>
    public override string ToString() => Port.ToString();
}

/// <summary>A stream of decoded <see cref="VideoFrame"/>s.</summary>
public sealed class VideoStream : MediaStream
{
    internal VideoStream(Graph graph, OutputPort port, PacketStream? packets = null) : base(graph, port) => Packets = packets;

    /// <summary>The compressed stream these frames were decoded from, for stream copy; null after any processing.</summary>
    public PacketStream? Packets { get; }

    /// <summary>Adds <paramref name="node"/> (one video input, one video output) fed by this stream and returns its
    /// output: <c>video.Through(new NegateNode(...))</c>. Throws an <see cref="ArgumentException"/> naming the node
    /// when it does not take one video stream or give one back.</summary>
    public VideoStream Through(Node node) => Graph.Add(node, this).VideoOutput(0);

    /// <summary>Scales to <paramref name="width"/>×<paramref name="height"/> with swscale (-1 or -2 keeps the aspect ratio).</summary>
    public VideoStream Scale(int width, int height, ScaleAlgorithm algorithm = ScaleAlgorithm.Bicubic, string? pixelFormat = null)
        => Through(new ScaleNode(width, height, algorithm, pixelFormat));

    /// <summary>Deinterlaces with yadif (default) or bwdif.</summary>
    public VideoStream Deinterlace(DeinterlaceOptions? options = null) => Through(new DeinterlaceNode(options));

    /// <summary>Converts to a constant <paramref name="rate"/> with libavfilter's fps filter (as
    /// <c>-vf fps=RATE</c>): timestamps round to the nearest slot of 1/rate, empty slots repeat the previous frame and
    /// frames sharing a slot keep only the last.</summary>
    public VideoStream Fps(Rational rate, FpsRounding rounding = FpsRounding.Near) => Through(new FpsNode(rate, rounding));

    /// <summary>Runs a one-input, one-output libavfilter video graph ("hflip", "crop=640:360", "fps=30").</summary>
    public VideoStream Filter(string description) => Graph.Filter(description, this).Video(0);

    /// <summary>Converts the pixel format (YUV 4:2:0 ↔ RGB with the frame's or the given matrix and range).</summary>
    public VideoStream ConvertTo(string pixelFormat, YuvMatrix matrix = YuvMatrix.Auto, YuvRange range = YuvRange.Auto)
        => Through(new ConvertToNode(pixelFormat, matrix, range));

    /// <summary>Keeps the <paramref name="width"/>×<paramref name="height"/> rectangle at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public VideoStream Crop(int x, int y, int width, int height) => Through(new CropNode(x, y, width, height));

    /// <summary>Mirrors left-right (default) or upside down.</summary>
    public VideoStream Flip(FlipDirection direction = FlipDirection.Horizontal) => Through(new FlipNode(direction));

    /// <summary>Turns clockwise by 90, 180 or 270 degrees.</summary>
    public VideoStream Rotate(int degrees) => Through(new RotateNode(degrees));

    /// <summary>Blurs: a box of <paramref name="size"/> radius, or a gaussian of sigma <paramref name="size"/>.</summary>
    public VideoStream Blur(double size, BlurKind kind = BlurKind.Gaussian) => Through(new BlurNode(kind, size));

    /// <summary>Gamma correction (the exponent: above 1 darkens mid-tones).</summary>
    public VideoStream Gamma(double gamma) => Through(new GammaNode(gamma));

    /// <summary>Runs a user's kernel (<see cref="KernelNode"/>) on this stream: <c>video.Kernel(new() { Name = "vignette",
    /// OnDevice = call =&gt; …, OnCpu = call =&gt; … })</c>. For several inputs use <see cref="Graph.Kernel"/>.</summary>
    public VideoStream Kernel(KernelOptions options) => Through(new KernelNode(options));

    /// <summary>Copies the frames to the run's device (the graph inserts this where needed; write it to choose).</summary>
    public VideoStream Upload() => Through(new UploadNode());

    /// <summary>Copies device frames back to host memory.</summary>
    public VideoStream Download() => Through(new DownloadNode());

    /// <summary>Draws <paramref name="overlay"/> (a clip, or a still image such as a PNG with alpha, which repeats) on
    /// this stream at (<paramref name="x"/>, <paramref name="y"/>), from <paramref name="from"/> for
    /// <paramref name="duration"/> (null: to the end); frames outside that window pass unchanged. Size, loop,
    /// opacity, end behaviour and a moving position are in <paramref name="options"/>. See <see cref="OverlayNode"/>.</summary>
    /// <example><c>video.Overlay(graph.Decode("logo.png").Video, 16, 16, TimeSpan.Zero, TimeSpan.FromSeconds(10), new() { Width = 300, Height = 200 })</c></example>
    public VideoStream Overlay(VideoStream overlay, int x = 0, int y = 0, TimeSpan? from = null, TimeSpan? duration = null, OverlayOptions? options = null)
        => Graph.Add(new OverlayNode(x, y, from, duration, options), this, overlay).VideoOutput(0);

    /// <summary>Draws <paramref name="overlay"/> on this stream where ffmpeg overlay expressions put it:
    /// <c>Overlay(logo, "main_w-overlay_w-10", "main_h-overlay_h-10")</c> (bottom right),
    /// <c>Overlay(logo, "if(gte(t,2), 10+t*50, NAN)", "20")</c> (moving from 2 s on, not drawn before). Parsed by FFmpeg
    /// when the graph is validated and evaluated by it per frame (<see cref="OverlayOptions.Eval"/>); otherwise as
    /// <see cref="Overlay(VideoStream, int, int, TimeSpan?, TimeSpan?, OverlayOptions?)"/>. See <see cref="OverlayNode"/>.</summary>
    public VideoStream Overlay(VideoStream overlay, string x, string y, TimeSpan? from = null, TimeSpan? duration = null, OverlayOptions? options = null)
        => Graph.Add(new OverlayNode(x, y, from, duration, options), this, overlay).VideoOutput(0);

    /// <summary>Keeps frames 0, <paramref name="n"/>, 2<paramref name="n"/> … (<c>select='not(mod(n,N))'</c>), timestamps unchanged.</summary>
    public VideoStream EveryNth(int n) => Through(new EveryNthNode(n));

    /// <summary>Keeps from <paramref name="start"/> for <paramref name="duration"/> (null: to the end), as
    /// <c>trim=start:duration</c>; timestamps unchanged (follow with <c>SetPts("PTS-STARTPTS")</c> to start at 0).</summary>
    public VideoStream Trim(TimeSpan start, TimeSpan? duration = null) => Through(new TrimNode(start, duration));

    /// <summary>Rewrites timestamps with a libavfilter setpts expression ("PTS-STARTPTS", "0.5*PTS").</summary>
    public VideoStream SetPts(string expression) => Through(new SetPtsNode(expression));

    /// <summary>Rewrites timestamps with <paramref name="compute"/>: the new PTS, in the frame's time base.</summary>
    public VideoStream SetPts(Func<PtsContext, long> compute) => Through(new SetPtsNode(compute));
}

/// <summary>A stream of decoded <see cref="AudioFrame"/>s.</summary>
public sealed class AudioStream : MediaStream
{
    internal AudioStream(Graph graph, OutputPort port, PacketStream? packets = null) : base(graph, port) => Packets = packets;

    /// <summary>The compressed stream these frames were decoded from, for stream copy; null after any processing.</summary>
    public PacketStream? Packets { get; }

    /// <summary>Adds <paramref name="node"/> (one audio input, one audio output) fed by this stream and returns its output.</summary>
    public AudioStream Through(Node node) => Graph.Add(node, this).AudioOutput(0);

    /// <summary>Runs a one-input, one-output libavfilter audio graph ("volume=0.5", "aresample=48000").</summary>
    public AudioStream Filter(string description) => Graph.Filter(description, this).Audio(0);

    /// <summary>Keeps from <paramref name="start"/> for <paramref name="duration"/> (null: to the end), as
    /// <c>atrim=start:duration</c>: cut to the sample, timestamps unchanged.</summary>
    public AudioStream Trim(TimeSpan start, TimeSpan? duration = null) => Through(new AudioTrimNode(start, duration));
}

/// <summary>A stream of compressed <see cref="Packet"/>s (stream copy, app sinks of packets).</summary>
public sealed class PacketStream : MediaStream
{
    internal PacketStream(Graph graph, OutputPort port, MediaKind media) : base(graph, port) => Media = media;

    /// <summary>What the packets encode (video or audio).</summary>
    public MediaKind Media { get; }

    /// <summary>Decodes these packets as video (packets an app or a broker source writes, each carrying its
    /// <see cref="StreamParameters"/>): the decoder opens from the first packet's parameters.</summary>
    public VideoStream DecodeVideo(DecodeOptions? options = null)
    {
        var decoder = Graph.Add(new DecodeNode(Port, MediaKind.Video, options ?? new DecodeOptions()));
        return new VideoStream(Graph, decoder.Outputs[0], this);
    }
}

/// <summary>The outputs of a <see cref="Graph.Filter"/> node, by index and kind.</summary>
public sealed class FilterOutputs
{
    private readonly Graph _graph;
    internal FilterOutputs(Graph graph, FilterNode node)
    {
        _graph = graph;
        Node = node;
    }

    public FilterNode Node { get; }
    public int Count => Node.Outputs.Count;

    /// <summary>Output <paramref name="index"/>, which must be video.</summary>
    public VideoStream Video(int index) => _graph.Streams(Node).VideoOutput(index);

    /// <summary>Output <paramref name="index"/>, which must be audio.</summary>
    public AudioStream Audio(int index) => _graph.Streams(Node).AudioOutput(index);
}

/// <summary>Typed views of a node's outputs.</summary>
public readonly struct NodeStreams
{
    private readonly Graph _graph;
    internal NodeStreams(Graph graph, Node node)
    {
        _graph = graph;
        Node = node;
    }

    public Node Node { get; }

    /// <summary>How many outputs the node has.</summary>
    public int Count => Node.Outputs.Count;

    /// <summary>Output <paramref name="index"/> as the stream type of its kind (video, audio or packets).</summary>
    public MediaStream Output(int index) => Node.Outputs[index].Kind switch
    {
        MediaKind.Video => VideoOutput(index),
        MediaKind.Audio => AudioOutput(index),
        var media => new PacketStream(_graph, Node.Outputs[index], media),
    };

    public VideoStream VideoOutput(int index) => Node.Outputs[index].Kind == MediaKind.Video
        ? new VideoStream(_graph, Node.Outputs[index])
        : throw new InvalidOperationException($"output {index} of {Node.Name} is {Node.Outputs[index].Kind.ToString().ToLowerInvariant()}, not video");

    public AudioStream AudioOutput(int index) => Node.Outputs[index].Kind == MediaKind.Audio
        ? new AudioStream(_graph, Node.Outputs[index])
        : throw new InvalidOperationException($"output {index} of {Node.Name} is {Node.Outputs[index].Kind.ToString().ToLowerInvariant()}, not audio");
}
