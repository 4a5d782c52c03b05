namespace MediaGraph.Interop;

/// <summary>An open decoder (mg_decoder). Send packets, receive frames; EAGAIN and EOF are states.</summary>
internal sealed class Decoder : IDisposable
{
    private readonly DecoderHandle _handle;

    public Decoder(StreamParameters parameters, string? codec, int threads, string? options, string node)
    {
        _handle = Handles.Open<DecoderHandle>((out nint p) => NativeMethods.mg_decoder_open(parameters.Handle.Ptr, codec, threads, options, out p),
            $"opening the {parameters.CodecName} decoder", node);
    }

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR (the caller decides what is recoverable).</summary>
    public int Send(nint packet) => NativeMethods.mg_decoder_send(_handle.Ptr, packet);

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR.</summary>
    public int Receive(nint frame) => NativeMethods.mg_decoder_receive(_handle.Ptr, frame);

    public void Dispose() => _handle.Dispose();
}
