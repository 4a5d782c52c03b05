namespace MediaGraph;

/// <summary>What kind of media a stream or edge carries.</summary>
public enum MediaKind
{
    Video,
    Audio,
    /// <summary>Compressed packets of any media.</summary>
    Packets,
    /// <summary>Data, subtitles, attachments.</summary>
    Other,
}
