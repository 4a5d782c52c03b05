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

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR (the caller decides what is recoverable).</summary>
    public int Send(nint packet) => NativeMethods.mg_decoder_send(_handle.Ptr, packet);

    /// <summary>MG_OK, MG_AGAIN, MG_EOF, or a negative AVERROR.</summary>
    public int Receive(nint frame) => NativeMethods.mg_decoder_receive(_handle.Ptr, frame);

    public void Dispose() => _handle.Dispose();
}
