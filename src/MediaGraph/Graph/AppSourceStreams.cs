namespace MediaGraph;

/// <summary>The typed stream of an app source, without a cast or the graph as an argument:
/// <c>var frames = graph.AddVideoSource(); graph.Encode("out.mp4", frames.Stream().Scale(640, 360));</c>.</summary>
public static class AppSourceStreams
{
    /// <summary>The video frames the app writes, as a stream of the source's graph.</summary>
    public static VideoStream Stream(this AppSource<VideoFrame> source) => (VideoStream)source.Stream(Graph.Holding(source));

    /// <summary>The audio frames the app writes, as a stream of the source's graph.</summary>
    public static AudioStream Stream(this AppSource<AudioFrame> source) => (AudioStream)source.Stream(Graph.Holding(source));

    /// <summary>The packets the app writes, as a stream of the source's graph.</summary>
    public static PacketStream Stream(this AppSource<Packet> source) => (PacketStream)source.Stream(Graph.Holding(source));
}
