namespace MediaGraph.Interop;

/// <summary>An open encoder (mg_encoder): converts input frames to what the codec takes, encodes, hands out packets.</summary>
internal sealed unsafe class Encoder : IDisposable
{
    private readonly EncoderHandle _handle;
    private readonly string _node;
    private readonly nint _cuda;          // mg_cuda* when the encoder takes CUDA frames (NVENC), else 0
    private readonly FrameHandle? _hw;    // the CUDA-frame view of the device frame being sent

    public Encoder(in EncoderConfig config, string codec, string node)
    {
        _node = node;
        _cuda = config.Cuda;
        if (_cuda != 0) _hw = Handles.Open<FrameHandle>((out nint p) => NativeMethods.mg_frame_alloc(out p), "allocating a frame", node);
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
    public int Send(nint frame)
    {
        if (_hw is null || frame == 0) return NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send(_handle.Ptr, frame), "encoding", _node);
        try { return NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send(_handle.Ptr, AsCuda(frame)), "encoding", _node); }
        finally { NativeMethods.mg_frame_unref(_hw.Ptr); }
    }

    /// <summary>A device frame (software format over device memory) as the CUDA frame NVENC takes (same memory).</summary>
    private nint AsCuda(nint frame)
    {
        NativeStatus.ThrowIfFailed(NativeMethods.mg_cuda_frame_to_hw(_cuda, _hw!.Ptr, frame), "presenting a device frame to NVENC", _node);
        return _hw.Ptr;
    }

    /// <summary>Sends a video frame to be encoded at <paramref name="pts"/> lasting <paramref name="duration"/> (the
    /// input time base) without touching the frame's own timing (it may be shared with other encoders): MG_OK, or
    /// MG_AGAIN when packets must be received first. Throws on failure.</summary>
    public int SendAt(nint frame, long pts, long duration)
    {
        if (_hw is null || frame == 0) return NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send_at(_handle.Ptr, frame, pts, duration), "encoding", _node);
        try { return NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_send_at(_handle.Ptr, AsCuda(frame), pts, duration), "encoding", _node); }
        finally { NativeMethods.mg_frame_unref(_hw.Ptr); }
    }

    /// <summary>MG_OK with a packet, MG_AGAIN or MG_EOF. Throws on failure.</summary>
    public int Receive(nint packet, out PacketInfo info)
        => NativeStatus.ThrowIfFailed(NativeMethods.mg_encoder_receive(_handle.Ptr, packet, out info), "encoding", _node);

    /// <summary>Frees the encoder; <see cref="CodecParameters"/> stays valid (packets in flight refer to it) and is
    /// disposed by its owner.</summary>
    public void Dispose()
    {
        _handle.Dispose();
        _hw?.Dispose();
    }
}
