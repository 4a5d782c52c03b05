namespace MediaGraph;

/// <summary>
/// The one place metadata is copied from one item to another (a node that makes a new frame from an old one:
/// libavfilter nodes, the decoder, transforms). Uses only <see cref="FrameMetadata"/>'s public API, so making
/// metadata copy-on-write changes this one line.
/// </summary>
internal static class MetadataCarrier
{
    /// <summary>Copies <paramref name="from"/>'s metadata onto <paramref name="to"/> (nothing when it has none).</summary>
    public static void Carry(MediaItem from, MediaItem to)
    {
        if (from.HasMetadata) from.Metadata.CopyTo(to.Metadata);
    }
}
