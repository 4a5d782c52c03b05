using Microsoft.Extensions.Logging;

namespace MediaGraph;

public sealed partial class NodeSession
{
    /// <summary>A session for the video node that <paramref name="build"/> adds on a video stream
    /// (<c>v => v.Scale(640, 360)</c>, <c>v => v.Deinterlace()</c>, <c>v => v.Filter("hflip")</c>).</summary>
    public static NodeSession ForVideo(Func<VideoStream, MediaStream> build, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        return For([MediaKind.Video], (_, inputs) => build((VideoStream)inputs[0]).Port.Node, logger);
    }

    /// <summary>A session for the audio node that <paramref name="build"/> adds on an audio stream.</summary>
    public static NodeSession ForAudio(Func<AudioStream, MediaStream> build, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(build);
        return For([MediaKind.Audio], (_, inputs) => build((AudioStream)inputs[0]).Port.Node, logger);
    }

    /// <summary>A session for the node that <paramref name="build"/> adds on streams of the given kinds, in order:
    /// <c>NodeSession.For([MediaKind.Video, MediaKind.Video], (g, s) => g.Filter("[0][1]overlay=10:10", s).Node)</c>.
    /// The node must take exactly those streams, in that order, as its inputs.</summary>
    public static NodeSession For(IReadOnlyList<MediaKind> inputs, Func<Graph, MediaStream[], Node> build, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(build);
        var graph = new Graph();
        var streams = inputs.Select(kind => kind switch
        {
            MediaKind.Video => graph.AddVideoSource().Stream(graph),
            MediaKind.Audio => graph.AddAudioSource().Stream(graph),
            _ => graph.AddPacketSource().Stream(graph),
        }).ToArray();
        var node = build(graph, streams) ?? throw new ArgumentException("the function returned no node", nameof(build));
        if (node.Inputs.Count != streams.Length || node.Inputs.Where((input, i) => input.Source != streams[i].Port).Any())
            throw new ArgumentException($"the function must add one node that takes exactly the {streams.Length} stream(s) it is given, in order", nameof(build));
        return Create(node, logger);
    }
}
