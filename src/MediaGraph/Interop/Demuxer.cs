namespace MediaGraph.Interop;

/// <summary>An open input (mg_demuxer): streams, codec parameters and packets.</summary>
internal sealed unsafe class Demuxer : IDisposable
{
    private readonly DemuxerHandle _handle;

    private Demuxer(DemuxerHandle handle, string url)
    {
        _handle = handle;
        Url = url;
    }

    public string Url { get; }

    public static Demuxer Open(string url, string? format, string? options, string? node)
    {
        NativeLibraryCheck.EnsureLoaded();
        var native = url == "-" ? "pipe:0" : url; // "-" is standard input, as for the ffmpeg CLI
        var handle = Handles.Open<DemuxerHandle>((out nint p) => NativeMethods.mg_demuxer_open(native, format, options, out p), $"opening '{url}'", node);
        return new Demuxer(handle, url);
    }

    public int StreamCount => NativeMethods.mg_demuxer_stream_count(_handle.Ptr);

    /// <summary>Stream <paramref name="index"/> as the native layer describes it (see <c>DemuxerStreams</c> for the
    /// managed description).</summary>
    public StreamInfo Info(int index)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_demuxer_stream_info(_handle.Ptr, index, out var info), $"describing stream {index} of '{Url}'");
        return info;
    }

    /// <summary>A new reference to stream <paramref name="index"/>'s codec parameters; the caller owns it.</summary>
    public CodecParHandle CodecParameters(int index)
        => Handles.Open<CodecParHandle>((out nint p) => NativeMethods.mg_demuxer_codecpar(_handle.Ptr, index, out p), $"reading parameters of stream {index} of '{Url}'");

    /// <summary>Container start time in microseconds, or <see cref="Timestamp.None"/>.</summary>
    public long StartTime => NativeMethods.mg_demuxer_start_time(_handle.Ptr);
    /// <summary>Container duration in microseconds, or <see cref="Timestamp.None"/>.</summary>
    public long Duration => NativeMethods.mg_demuxer_duration(_handle.Ptr);
    /// <summary>True for formats whose timestamps may jump (MPEG-TS, MPEG-PS).</summary>
    public bool TimestampsMayJump => NativeMethods.mg_demuxer_ts_discontinuous(_handle.Ptr) != 0;
    public string FormatName => NativeMethods.Utf8(NativeMethods.mg_demuxer_format_name(_handle.Ptr)) ?? "";

    /// <summary>The best stream of a kind, or -1.</summary>
    public int BestStream(MediaKind kind)
    {
        var r = NativeMethods.mg_demuxer_best_stream(_handle.Ptr, kind == MediaKind.Video ? 0 : 1);
        return r < 0 ? -1 : r;
    }

    /// <summary>Reads the next packet into <paramref name="packet"/>; false at end of input.</summary>
    public bool Read(nint packet, out PacketInfo info, string node)
    {
        var status = NativeMethods.mg_demuxer_read(_handle.Ptr, packet, out info);
        if (status < 0) throw NativeStatus.Create(status, $"reading '{Url}'", node); // message built only on failure: no allocation per packet
        return status == NativeMethods.Ok;
    }

    /// <summary>Makes a blocked open or read return promptly (thread-safe).</summary>
    public void Interrupt()
    {
        if (!_handle.IsClosed) NativeMethods.mg_demuxer_interrupt(_handle.DangerousGetHandle());
    }

    public void Dispose() => _handle.Dispose();
}
