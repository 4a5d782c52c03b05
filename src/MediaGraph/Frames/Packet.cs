using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A compressed packet (AVPacket) with its timing and the <see cref="StreamParameters"/> of the stream it belongs
/// to, so a muxer or decoder downstream knows what it carries. Reference counted and pooled.
/// </summary>
public sealed class Packet : MediaItem
{
    private readonly PacketHandle _handle;
    private PacketInfo _info;

    internal Packet()
    {
        NativeLibraryCheck.EnsureLoaded();
        _handle = Handles.Open<PacketHandle>(NativeMethods.mg_packet_alloc, "allocating a packet");
    }

    /// <summary>Creates a packet holding a copy of <paramref name="data"/> for an app source.</summary>
    public static unsafe Packet FromData(ReadOnlySpan<byte> data, StreamParameters parameters, long pts, long dts, long duration, bool keyFrame)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var packet = new Packet();
        fixed (byte* p = data)
            NativeStatus.ThrowIfFailed(NativeMethods.mg_packet_from_data(packet.Native, p, data.Length), "copying packet data");
        NativeMethods.mg_packet_set_timing(packet.Native, pts, dts, duration);
        NativeMethods.mg_packet_set_flags(packet.Native, keyFrame ? 1 : 0);
        packet.Refresh(parameters, parameters.TimeBase);
        return packet;
    }

    /// <summary>The AVPacket*; throws <see cref="ObjectDisposedException"/> once the packet was released.</summary>
    internal nint Native => ReferenceCount > 0 ? _handle.Ptr : throw Released("Use of", "it was used after its last owner released it");

    private StreamParameters? _parameters;

    /// <summary>The stream this packet belongs to. The packet holds a reference to them, so they stay valid while
    /// the packet is referenced, even after the run that made them ended. Throws <see cref="ObjectDisposedException"/>
    /// once the packet was released (it no longer carries them).</summary>
    public StreamParameters Parameters => ReferenceCount > 0 && _parameters is { } parameters
        ? parameters
        : throw Released("Reading the stream parameters of", "its last owner released it, and with it its reference to them");

    /// <summary>The parameters, or null once released (metrics, diagnostics).</summary>
    internal StreamParameters? ParametersOrNull => _parameters;

    private void Carry(StreamParameters parameters)
    {
        if (ReferenceEquals(parameters, _parameters)) return;
        if (!parameters.TryAddReference())
            throw new ObjectDisposedException(nameof(StreamParameters), $"The parameters of the {parameters.CodecName} stream were freed: no packet carries them any more and the run that made them ended.");
        _parameters?.ReleaseReference();
        _parameters = parameters;
    }

    /// <summary>Decoding timestamp in <see cref="MediaItem.TimeBase"/>.</summary>
    public long Dts { get; set; }
    public bool IsKeyFrame => (_info.Flags & 1) != 0;
    public int Size => _info.Size;
    internal override long EstimatedBytes => _info.Size;
    /// <summary>Byte position in the input, -1 when unknown.</summary>
    public long Position => _info.Pos;

    /// <summary>The compressed bytes (valid while this packet is referenced).</summary>
    public unsafe ReadOnlySpan<byte> Data => _info.Data == null ? default : new ReadOnlySpan<byte>(_info.Data, _info.Size);

    internal void Refresh(StreamParameters parameters, Rational timeBase)
    {
        NativeMethods.mg_packet_get_info(Native, out _info);
        SetFrom(in _info, parameters, timeBase);
    }

    internal void SetFrom(in PacketInfo info, StreamParameters parameters, Rational timeBase)
    {
        _info = info;
        Carry(parameters);
        TimeBase = timeBase;
        Pts = info.Pts;
        Dts = info.Dts;
        Duration = info.Duration;
    }

    private protected override MediaItem CreateUnpooled() => new Packet();

    private protected override void ShareContentFrom(MediaItem source)
    {
        var packet = (Packet)source;
        NativeStatus.ThrowIfFailed(NativeMethods.mg_packet_ref(Native, packet.Native), "sharing a packet with another branch");
        NativeMethods.mg_packet_get_info(Native, out _info);
        Carry(packet.Parameters);
        Dts = packet.Dts;
    }

    /// <summary>Writes this item's timing to the native packet before it goes to FFmpeg.</summary>
    internal void SyncTiming() => NativeMethods.mg_packet_set_timing(Native, Pts, Dts, Duration);

    /// <summary>Unreferences the payload and forgets its address, so a released packet shows no data.</summary>
    protected override void Reset()
    {
        NativeMethods.mg_packet_unref(_handle.DangerousGetHandle());
        _info = default;
        _parameters?.ReleaseReference();
        _parameters = null;
    }

    internal override void FreeNative() => _handle.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"Packet {_parameters?.CodecName} {Size} bytes {DescribePosition()}";
}
