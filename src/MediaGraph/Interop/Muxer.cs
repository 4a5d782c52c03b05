namespace MediaGraph.Interop;

/// <summary>An open output (mg_muxer): add streams, write the header, write packets interleaved, close with the trailer.</summary>
internal sealed class Muxer : IDisposable
{
    private readonly MuxerHandle _handle;
    private readonly string _node;

    public Muxer(string path, string? format, string? options, string node)
    {
        _node = node;
        Path = path;
        _handle = Handles.Open<MuxerHandle>((out nint p) => NativeMethods.mg_muxer_open(path, format, options, out p), $"opening output '{path}'", node);
    }

    public string Path { get; }
    public bool HeaderWritten { get; private set; }
    public bool Closed { get; private set; }

    public int AddStream(CodecParHandle parameters, string codecName)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_muxer_add_stream(_handle.Ptr, parameters.Ptr, out var index), $"adding a {codecName} stream to '{Path}'", _node);
        return index;
    }

    public void WriteHeader()
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_muxer_write_header(_handle.Ptr), $"writing the header of '{Path}'", _node);
        HeaderWritten = true;
    }

    /// <param name="packet">The AVPacket*.</param>
    /// <param name="timeBase">The time base of its timestamps.</param>
    /// <param name="stream">The muxer's stream index.</param>
    /// <param name="pts">Its pts, for messages.</param>
    public void Write(nint packet, Rational timeBase, int stream, long pts)
    {
        var status = NativeMethods.mg_muxer_write(_handle.Ptr, packet, stream, timeBase.Num, timeBase.Den);
        if (status < 0)
            throw NativeStatus.Create(status, $"writing to '{Path}'", _node, pts == Timestamp.None ? "pts unknown" : $"pts {Timestamp.ToSeconds(pts, timeBase):0.000} s");
    }

    /// <summary>Chunks the segment or hls muxer finished since the last call (none for other formats), oldest first.</summary>
    public List<ChunkInfo>? TakeChunks()
    {
        List<ChunkInfo>? chunks = null;
        while (NativeMethods.mg_muxer_next_chunk(_handle.Ptr, out var chunk) == NativeMethods.Ok) (chunks ??= new()).Add(chunk);
        return chunks;
    }

    /// <summary>Packets whose dts did not increase and were moved forward (damaged or joined inputs).</summary>
    public long TimestampFixes => NativeMethods.mg_muxer_timestamp_fixes(_handle.Ptr);

    /// <summary>Flushes, writes the trailer, closes the file. Idempotent.</summary>
    public void Close()
    {
        if (Closed) return;
        Closed = true;
        NativeStatus.ThrowIfFailed(NativeMethods.mg_muxer_close(_handle.Ptr), $"finishing '{Path}'", _node);
    }

    public void Dispose() => _handle.Dispose();
}
