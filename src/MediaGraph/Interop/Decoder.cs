namespace MediaGraph.Interop;

/// <summary>An open decoder (mg_decoder). Send packets, receive frames; EAGAIN and EOF are states.</summary>
internal sealed class Decoder : IDisposable
{
    private readonly DecoderHandle _handle;

    /// <param name="parameters">The stream's codec parameters.</param>
    /// <param name="codecName">The stream's codec, for messages.</param>
    /// <param name="codec">A specific decoder, or null for FFmpeg's default for the codec.</param>
    /// <param name="threads">Decoder threads (0 = automatic).</param>
    /// <param name="options">Decoder options ("k=v\nk=v"), or null.</param>
    /// <param name="node">The node, for messages.</param>
    public Decoder(CodecParHandle parameters, string codecName, string? codec, int threads, string? options, string node)
    {
        _handle = Handles.Open<DecoderHandle>((out nint p) => NativeMethods.mg_decoder_open(parameters.Ptr, codec, threads, options, out p),
            $"opening the {codecName} decoder", node);
    }

    /// <summary>A decoder that decodes with NVDEC into CUDA frames on <paramref name="cuda"/>'s device when the stream
    /// allows it (see <see cref="HardwareState"/>), with <paramref name="extraHwFrames"/> output surfaces for the
    /// frames the graph holds at once.</summary>
    public Decoder(CodecParHandle parameters, string codecName, string? codec, int threads, string? options, string node, CudaDriver cuda, int extraHwFrames)
    {
        _handle = Handles.Open<DecoderHandle>((out nint p) => NativeMethods.mg_decoder_open_hw(parameters.Ptr, codec, threads, options, cuda.Ptr, extraHwFrames, out p),
            $"opening the {codecName} decoder with NVDEC", node);
    }

    /// <summary>True when the decoder's output is NVDEC's (CUDA frames); else false with the reason it decodes in
    /// software (no NVDEC for the codec, a profile or size the GPU does not take, no frame yet).</summary>
    public unsafe bool HardwareState(out string why)
    {
        var buf = stackalloc byte[256];
        var state = NativeStatus.ThrowIfFailed(NativeMethods.mg_decoder_hw_state(_handle.Ptr, buf, 256), "reading the decoder's state");
        why = NativeMethods.Utf8(buf) ?? "";
        return state == 1;
    }

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR (the caller decides what is recoverable).</summary>
    public int Send(nint packet) => NativeMethods.mg_decoder_send(_handle.Ptr, packet);

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR.</summary>
    public int Receive(nint frame) => NativeMethods.mg_decoder_receive(_handle.Ptr, frame);

    public void Dispose() => _handle.Dispose();
}
