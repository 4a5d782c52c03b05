namespace MediaGraph;

/// <summary>
/// One finished chunk of a segmented output (<c>EncodeOptions.Format = "segment"</c>, <c>"stream_segment"</c> or
/// <c>"hls"</c>): its file is closed and complete when <see cref="MuxNode.ChunkCompleted"/> reports it, so it can be
/// uploaded, moved or announced at once.
/// </summary>
/// <param name="Path">The chunk's file (absolute for local files; as the muxer named it for URLs).</param>
/// <param name="Index">0 for the output's first chunk, then 1, 2, ...</param>
/// <param name="Start">Where the chunk starts on the output's timeline (its first video frame's pts; the first stream's
/// when there is no video).</param>
/// <param name="Duration">From <see cref="Start"/> to the end of its last frame: the durations of an output's chunks add
/// up to the output's duration.</param>
/// <param name="Frames">Video frames in the chunk (0 when the output has no video).</param>
/// <param name="Packets">Packets of every stream in the chunk.</param>
public sealed record OutputChunk(string Path, long Index, TimeSpan Start, TimeSpan Duration, long Frames, long Packets);
