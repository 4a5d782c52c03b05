namespace MediaGraph.Brokers;

/// <summary>What a broker message carries (the byte after the magic and version of <see cref="MediaWire"/>).</summary>
public enum WireKind : byte
{
    /// <summary>A self-contained run of compressed packets of one stream, starting at a key frame, with the stream's
    /// codec parameters: a worker decodes it without any other message.</summary>
    Chunk = 1,
    /// <summary>The per-frame results (frame metadata) a worker made from one chunk.</summary>
    Results = 2,
    /// <summary>The end of a stream: <see cref="WireMessage.Sequence"/> is the number of chunks it had.</summary>
    End = 3,
    /// <summary>A muxed segment (a playable file: an MPEG-TS or MP4 chunk an edge box cut) with its JSON sidecar, or
    /// one numbered part of it when it is larger than the broker takes in one message.</summary>
    Segment = 4,
}

/// <summary>A decoded broker message: the stream it belongs to and its place in that stream.</summary>
/// <param name="StreamId">The camera or file the message belongs to (also the broker key, so order holds per stream).</param>
/// <param name="Sequence">The chunk's number in its stream, from 0; for <see cref="WireKind.End"/> the chunk count.</param>
public abstract record WireMessage(string StreamId, long Sequence)
{
    public abstract WireKind Kind { get; }

    /// <summary>When the producer cut the chunk (Unix time in microseconds); results carry their chunk's, so a
    /// consumer measures end-to-end latency. 0 when unknown.</summary>
    public long OriginMicros { get; init; }
}

/// <summary>One compressed packet of a <see cref="ChunkMessage"/>, timestamps in the stream's time base.</summary>
public sealed record WirePacket(long Pts, long Dts, long Duration, bool IsKeyFrame, ReadOnlyMemory<byte> Data);

/// <summary>A chunk: packets of one stream from a key frame on, with the codec parameters (extradata included) in
/// <see cref="MediaWire"/>'s codec form, so the receiver can open a decoder.</summary>
public sealed record ChunkMessage(string StreamId, long Sequence, ReadOnlyMemory<byte> CodecParameters, Rational TimeBase,
    IReadOnlyList<WirePacket> Packets) : WireMessage(StreamId, Sequence)
{
    public override WireKind Kind => WireKind.Chunk;

    /// <summary>Pts of the first frame shown (the smallest pts), in <see cref="TimeBase"/>.</summary>
    public long StartPts => Packets.Count == 0 ? 0 : Packets.Min(p => p.Pts);

    /// <summary>From the first pts to the end of the last frame, in <see cref="TimeBase"/>.</summary>
    public long DurationPts => Packets.Count == 0 ? 0 : Packets.Max(p => p.Pts + p.Duration) - StartPts;
}

/// <summary>What a worker found in one frame: its timing and the frame's metadata values.</summary>
/// <param name="Pts">The frame's pts, in the results' time base.</param>
/// <param name="Duration">The frame's duration, in the results' time base.</param>
/// <param name="Metadata">The frame's metadata values: instances of types registered with
/// <see cref="MediaWire.RegisterMetadata{T}"/>, else <see cref="WireMetadata"/> (type name and JSON).</param>
public sealed record FrameResult(long Pts, long Duration, IReadOnlyList<object> Metadata)
{
    /// <summary>The value of type <typeparamref name="T"/>, if the frame had one.</summary>
    public T? Get<T>() where T : class => Metadata.OfType<T>().FirstOrDefault();
}

/// <summary>The results of one chunk, frames in presentation order.</summary>
public sealed record ResultsMessage(string StreamId, long Sequence, Rational TimeBase, IReadOnlyList<FrameResult> Frames)
    : WireMessage(StreamId, Sequence)
{
    public override WireKind Kind => WireKind.Results;

    /// <summary>Who made them (a worker's name), "" when unknown.</summary>
    public string Worker { get; init; } = "";

    /// <summary>Wall time the worker spent on the chunk (decode and work), in milliseconds.</summary>
    public double WorkMilliseconds { get; init; }

    /// <summary>Why the chunk gave no results (it could not be decoded), null when it was processed.</summary>
    public string? Error { get; init; }
}

/// <summary>The end of a stream: <paramref name="Sequence"/> chunks were published before it.</summary>
public sealed record EndMessage(string StreamId, long Sequence) : WireMessage(StreamId, Sequence)
{
    public override WireKind Kind => WireKind.End;
}

/// <summary>One part of a muxed segment (<see cref="WireKind.Segment"/>); a segment that fits one message is part 0
/// of 1. Every part carries the segment's sidecar, total size and SHA-256, so the receiver checks the reassembled
/// bytes (<see cref="SegmentReader"/>).</summary>
/// <param name="StreamId">The camera the segment comes from (the broker key: its parts and segments keep their order).</param>
/// <param name="Sequence">The segment's number in its stream, from 0.</param>
/// <param name="Sidecar">The segment's JSON sidecar (<see cref="SegmentSidecar"/>), UTF-8.</param>
/// <param name="Part">This part's number, from 0.</param>
/// <param name="Parts">How many parts the segment was split into.</param>
/// <param name="TotalBytes">The whole segment's size.</param>
/// <param name="Sha256">The whole segment's SHA-256 (32 bytes).</param>
/// <param name="Data">This part's bytes: the segment's bytes from <c>Part × the part size</c>.</param>
public sealed record SegmentPartMessage(string StreamId, long Sequence, ReadOnlyMemory<byte> Sidecar, int Part, int Parts, long TotalBytes,
    ReadOnlyMemory<byte> Sha256, ReadOnlyMemory<byte> Data) : WireMessage(StreamId, Sequence)
{
    public override WireKind Kind => WireKind.Segment;
}

/// <summary>A metadata value whose type this process did not register: its type name and JSON, kept as received.</summary>
public sealed record WireMetadata(string Type, string Json);

/// <summary>A message that is not a <see cref="MediaWire"/> message, or a damaged one; says why.</summary>
public sealed class WireFormatException(string message) : Exception(message);
