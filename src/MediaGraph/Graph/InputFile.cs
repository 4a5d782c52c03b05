namespace MediaGraph;

/// <summary>
/// An input added by <see cref="Graph.Decode"/>: its streams as typed handles. Asking for a stream adds the
/// decoder for it; a stream that is only stream-copied is never decoded.
/// </summary>
public sealed class InputFile
{
    private readonly Graph _graph;
    private readonly Dictionary<StreamSelector, MediaStream> _decoded = new();

    internal InputFile(Graph graph, DemuxNode demux)
    {
        _graph = graph;
        Demux = demux;
    }

    /// <summary>The node that reads the input.</summary>
    public DemuxNode Demux { get; }
    public string Url => Demux.Url;

    private InputInfo? _info;

    /// <summary>Opens the input once to describe it (streams, duration, format); cached. Nothing runs.</summary>
    /// <remarks>A pipe can be read only once: its probe stays open and the run reads on from there.</remarks>
    public InputInfo Probe() => _info ??= InputInfo.IsReadOnce(Url) ? Demux.ProbeAndKeep() : InputInfo.Probe(Url, Demux.Options);

    /// <summary>True when the input has a video stream that can be decoded (probes the input). A damaged stream (see
    /// <see cref="StreamDescription.Problem"/>) does not count: as a stream the ffmpeg CLI would fail on, it is left
    /// out so the other streams can still be written.</summary>
    public bool HasVideo => Probe().Streams.Any(s => s.Kind == MediaKind.Video && s.Problem is null);
    /// <summary>True when the input has an audio stream that can be decoded (probes the input); a damaged one (0 Hz,
    /// 0 channels, no decoder) does not count.</summary>
    public bool HasAudio => Probe().Streams.Any(s => s.Kind == MediaKind.Audio && s.Problem is null);

    /// <summary>The video and audio streams of the input that cannot be decoded, each with its
    /// <see cref="StreamDescription.Problem"/> (probes the input): what <see cref="HasVideo"/>, <see cref="HasAudio"/>,
    /// <see cref="VideoIfAny"/> and <see cref="AudioIfAny"/> leave out, for a warning.</summary>
    public IReadOnlyList<StreamDescription> UnusableStreams => Probe().Streams.Where(s => s.Problem is not null).ToArray();

    /// <summary>The best video stream when the input has one that can be decoded, else null (probes the input).</summary>
    public VideoStream? VideoIfAny => HasVideo ? Video : null;

    /// <summary>The best video stream (FFmpeg's choice), decoded.</summary>
    public VideoStream Video => VideoStreamAt(-1);
    /// <summary>The best audio stream, decoded.</summary>
    public AudioStream Audio => AudioStreamAt(-1);

    /// <summary>The best audio stream when the input has one, else null (probes the input): "its audio if any", as
    /// the ffmpeg CLI and FFMpegCore treat an input without audio — <c>graph.Encode(path, input.Video, input.AudioIfAny)</c>.</summary>
    public AudioStream? AudioIfAny => HasAudio ? Audio : null;

    /// <summary>The <paramref name="nth"/> video stream (0-based), decoded; -1 for the best.</summary>
    public VideoStream VideoStreamAt(int nth) => (VideoStream)Decoded(new StreamSelector(MediaKind.Video, Nth: nth));
    /// <summary>The <paramref name="nth"/> audio stream (0-based), decoded; -1 for the best.</summary>
    public AudioStream AudioStreamAt(int nth) => (AudioStream)Decoded(new StreamSelector(MediaKind.Audio, Nth: nth));

    /// <summary>The compressed packets of the stream with container index <paramref name="index"/> of kind
    /// <paramref name="media"/> (video or audio), without decoding.</summary>
    public PacketStream PacketsOf(int index, MediaKind media) => new(_graph, Demux.PortFor(new StreamSelector(media, Index: index)), media);

    /// <summary>The compressed packets of the best video stream.</summary>
    public PacketStream VideoPackets => new(_graph, Demux.PortFor(new StreamSelector(MediaKind.Video)), MediaKind.Video);
    /// <summary>The compressed packets of the best audio stream.</summary>
    public PacketStream AudioPackets => new(_graph, Demux.PortFor(new StreamSelector(MediaKind.Audio)), MediaKind.Audio);

    private MediaStream Decoded(StreamSelector selector)
    {
        if (_decoded.TryGetValue(selector, out var stream)) return stream;
        var packets = new PacketStream(_graph, Demux.PortFor(selector), selector.Kind);
        var decoder = _graph.Add(new DecodeNode(packets.Port, selector.Kind, Demux.Options));
        stream = selector.Kind == MediaKind.Video
            ? new VideoStream(_graph, decoder.Outputs[0], packets)
            : new AudioStream(_graph, decoder.Outputs[0], packets);
        _decoded[selector] = stream;
        return stream;
    }
}
