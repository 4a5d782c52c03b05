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

    public static Demuxer Open(string url, string? format, string? options, string? node) => Open(url, format, options, 0, 0, node, default);

    /// <summary>Opens <paramref name="url"/> with a demuxer <paramref name="format"/> (null probes) and
    /// demuxer/protocol <paramref name="options"/> ("k=v\nk=v"); <paramref name="node"/> names the failure.</summary>
    /// <param name="url">The input.</param>
    /// <param name="format">Input format name, or null.</param>
    /// <param name="options">Demuxer and protocol options, or null.</param>
    /// <param name="openTimeoutUs">Deadline for opening and reading the stream info, in microseconds (0 = none).</param>
    /// <param name="readTimeoutUs">Deadline for each read, in microseconds (0 = none).</param>
    /// <param name="node">The node, for messages.</param>
    /// <param name="cancellationToken">Aborts a blocked open (<see cref="OperationCanceledException"/>).</param>
    public static Demuxer Open(string url, string? format, string? options, long openTimeoutUs, long readTimeoutUs, string? node, CancellationToken cancellationToken)
    {
        NativeLibraryCheck.EnsureLoaded();
        cancellationToken.ThrowIfCancellationRequested();
        var native = url == "-" ? "pipe:0" : url; // "-" is standard input, as for the ffmpeg CLI
        // A flag in native memory that FFmpeg's interrupt callback reads while the open blocks; freed only after the
        // registration that sets it is gone (Dispose waits for a callback that is running).
        var cancel = (int*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(sizeof(int));
        try
        {
            using (cancellationToken.Register(static p => Volatile.Write(ref *(int*)(nint)p!, 1), (nint)cancel))
            {
                try
                {
                    var handle = Handles.Open<DemuxerHandle>((out nint p) => NativeMethods.mg_demuxer_open_timed(native, format, options, openTimeoutUs, readTimeoutUs, (nint)cancel, out p), $"opening '{url}'", node);
                    return new Demuxer(handle, url);
                }
                catch (MediaGraphException e) when (cancellationToken.IsCancellationRequested && e.ErrorCode == NativeStatus.Exit)
                {
                    throw new OperationCanceledException($"opening '{url}' was cancelled", e, cancellationToken);
                }
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(cancel);
        }
    }

    public int StreamCount => NativeMethods.mg_demuxer_stream_count(_handle.Ptr);

    /// <summary>Stream <paramref name="index"/> as the native layer describes it (see <c>DemuxerStreams</c> for the
    /// managed description).</summary>
    public StreamInfo Info(int index)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_demuxer_stream_info(_handle.Ptr, index, out var info), $"describing stream {index} of '{Url}'");
        return info;
    }

    /// <summary>What ffprobe's format section adds: long name, size, bit rate, tag count.</summary>
    public FormatDetails FormatDetails()
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_demuxer_format_details(_handle.Ptr, out var details), $"describing '{Url}'");
        return details;
    }

    /// <summary>What ffprobe's stream section adds for stream <paramref name="index"/>: profile, level, colour,
    /// channel layout, both frame rates, disposition, tag count.</summary>
    public StreamDetails Details(int index)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_demuxer_stream_details(_handle.Ptr, index, out var details), $"describing stream {index} of '{Url}'");
        return details;
    }

    /// <summary>The metadata of the input (<paramref name="stream"/> -1) or of a stream, in the container's order.</summary>
    public IReadOnlyDictionary<string, string> Tags(int stream)
    {
        Dictionary<string, string>? tags = null;
        for (var i = 0; Tag(stream, i, 256, 1024) is var (key, value); i++)
            (tags ??= new(StringComparer.Ordinal)).TryAdd(key, value); // a repeated key (AV_DICT_MULTIKEY): the first wins, as in av_dict_get
        return tags ?? (IReadOnlyDictionary<string, string>)System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;
    }

    private (string Key, string Value)? Tag(int stream, int i, int keySize, int valueSize)
    {
        var key = new byte[keySize];
        var value = new byte[valueSize];
        int status, keyLength, valueLength;
        fixed (byte* k = key)
        fixed (byte* v = value)
            status = NativeMethods.mg_demuxer_tag(_handle.Ptr, stream, i, k, keySize, out keyLength, v, valueSize, out valueLength);
        NativeStatus.ThrowIfFailed(status, $"reading tag {i} of {(stream < 0 ? "" : $"stream {stream} of ")}'{Url}'");
        if (status == NativeMethods.Eof) return null;
        if (keyLength >= keySize || valueLength >= valueSize) return Tag(stream, i, keyLength + 1, valueLength + 1);
        return (System.Text.Encoding.UTF8.GetString(key, 0, keyLength), System.Text.Encoding.UTF8.GetString(value, 0, valueLength));
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
        _handle.FollowLog(); // opened by validation, read by the run's node
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
