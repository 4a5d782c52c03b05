using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>The managed view of a demuxer's streams: descriptions and codec parameters as Frames types (the interop
/// layer hands out only native descriptions and handles).</summary>
internal static class DemuxerStreams
{
    /// <summary>Stream <paramref name="index"/> described, with what ffprobe adds (profile, colour, tags ...).</summary>
    public static StreamDescription Describe(this Demuxer demuxer, int index)
        => StreamDescription.From(demuxer.Info(index)).WithDetails(demuxer.Details(index), demuxer.Tags(index));

    /// <summary>Every stream described, in container order.</summary>
    public static IReadOnlyList<StreamDescription> Streams(this Demuxer demuxer)
        => Enumerable.Range(0, demuxer.StreamCount).Select(demuxer.Describe).ToArray();

    /// <summary>Stream <paramref name="index"/>'s codec parameters with its description; the caller owns them.</summary>
    public static StreamParameters Parameters(this Demuxer demuxer, int index)
        => new(demuxer.CodecParameters(index), demuxer.Describe(index));
}
