namespace MediaGraph.Brokers;

/// <summary>The <see cref="StreamParameters"/> of received chunks, made once per distinct codec form (a stream's
/// chunks all carry the same one) and disposed with the cache, after the packets that used them.</summary>
internal sealed class CodecParametersCache : IDisposable
{
    private readonly List<(byte[] Form, StreamParameters Parameters)> _known = new();

    /// <summary>The parameters for <paramref name="form"/>; throws <see cref="WireFormatException"/> for a damaged one.</summary>
    public StreamParameters Get(ReadOnlySpan<byte> form)
    {
        foreach (var (known, parameters) in _known)
            if (form.SequenceEqual(known)) return parameters;
        var made = MediaWire.CodecParametersFromWire(form);
        _known.Add((form.ToArray(), made));
        return made;
    }

    public void Dispose()
    {
        foreach (var (_, parameters) in _known) parameters.Dispose();
        _known.Clear();
    }
}
