namespace MediaGraph.Interop;

/// <summary>An open encoder (mg_encoder): converts input frames to what the codec takes, encodes, hands out packets.</summary>
internal sealed unsafe class Encoder : IDisposable
{
    private readonly EncoderHandle _handle;
    private readonly string _node;

    public Encoder(in EncoderConfig config, string codec, string node)
    {
        _node = node;
        var copy = config;
        _handle = Handles.Open<EncoderHandle>((out nint p) => NativeMethods.mg_encoder_open(in copy, out p), $"opening encoder '{codec}'", node);
        NativeMethods.mg_encoder_time_base(_handle.Ptr, out var num, out var den);
        TimeBase = new Rational(num, den);
        CodecParameters = Handles.Open<CodecParHandle>((out nint p) => NativeMethods.mg_encoder_codecpar(_handle.Ptr, out p), "reading encoder parameters", node);
        NativeStatus.ThrowIfFailed(NativeMethods.mg_codecpar_info(CodecParameters.Ptr, out var info), "describing encoder parameters", node);
        Info = info;
    }

    public Rational TimeBase { get; }
    /// <summary>The output stream's codec parameters (a reference the caller takes over and disposes).</summary>
    public CodecParHandle CodecParameters { get; }
    /// <summary>The output stream as the native layer describes it.</summary>
    public StreamInfo Info { get; }

    /// <summary>Sends a frame (0 = flush): MG_OK, or MG_AGAIN when packets must be received before the frame is taken.
    /// Throws on failure.</summary>
    public int Send(nint frame) => NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send(_handle.Ptr, frame), "encoding", _node);

    /// <summary>Sends a video frame to be encoded at <paramref name="pts"/> lasting <paramref name="duration"/> (the
    /// input time base) without touching the frame's own timing (it may be shared with other encoders): MG_OK, or
    /// MG_AGAIN when packets must be received first. Throws on failure.</summary>
    public int SendAt(nint frame, long pts, long duration)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send_at(_handle.Ptr, frame, pts, duration), "encoding", _node);

    /// <summary>MG_OK with a packet, MG_AGAIN or MG_EOF. Throws on failure.</summary>
    public int Receive(nint packet, out PacketInfo info)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_receive(_handle.Ptr, packet, out info), "encoding", _node);

    /// <summary>Frees the encoder; <see cref="CodecParameters"/> stays valid (packets in flight refer to it) and is
    /// disposed by its owner.</summary>
    public void Dispose() => _handle.Dispose();
}
