using System.Runtime.InteropServices;

namespace MediaGraph.Interop;

/// <summary>Base for handles to shim objects: released exactly once through the matching mg_X_free.</summary>
internal abstract class NativeHandle : SafeHandle
{
    protected NativeHandle() : base(0, ownsHandle: true) { }
    public override bool IsInvalid => handle == 0;
    /// <summary>The raw pointer for a native call; throws when the handle was already released.</summary>
    public nint Ptr => IsClosed ? throw new ObjectDisposedException(GetType().Name) : handle;

    /// <summary>Routes FFmpeg's log lines of this object's contexts to a log sink (0 unbinds); false for kinds that
    /// have no context of their own (packets, frames, parameters).</summary>
    internal virtual bool SetLog(nint sink) => false;

    private NativeLog? _log;

    /// <summary>Binds this object's FFmpeg log to the ambient <see cref="NativeLog.Current"/> (the node using it now)
    /// when that changed: an input opened while the graph was validated is read by a node of the run.</summary>
    internal void FollowLog()
    {
        var log = NativeLog.Current;
        if (ReferenceEquals(log, _log)) return;
        _log = log;
        SetLog(log?.Sink ?? 0);
    }
}

internal sealed class DemuxerHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_demuxer_set_log(p, 0); NativeMethods.mg_demuxer_free(ref p); return true; }
    internal override bool SetLog(nint sink) => NativeMethods.mg_demuxer_set_log(Ptr, sink) >= 0;
}

internal sealed class DecoderHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_decoder_set_log(p, 0); NativeMethods.mg_decoder_free(ref p); return true; }
    internal override bool SetLog(nint sink) => NativeMethods.mg_decoder_set_log(Ptr, sink) >= 0;
}

internal sealed class EncoderHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_encoder_set_log(p, 0); NativeMethods.mg_encoder_free(ref p); return true; }
    internal override bool SetLog(nint sink) => NativeMethods.mg_encoder_set_log(Ptr, sink) >= 0;
}

internal sealed class MuxerHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_muxer_set_log(p, 0); NativeMethods.mg_muxer_free(ref p); return true; }
    internal override bool SetLog(nint sink) => NativeMethods.mg_muxer_set_log(Ptr, sink) >= 0;
}

internal sealed class FilterGraphHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_filter_graph_set_log(p, 0); NativeMethods.mg_filter_graph_free(ref p); return true; }
    internal override bool SetLog(nint sink) => NativeMethods.mg_filter_graph_set_log(Ptr, sink) >= 0;
}

internal sealed class CodecParHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_codecpar_free(ref p); return true; }
}

internal sealed class FrameHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_frame_free(ref p); return true; }
}

internal sealed class PacketHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_packet_free(ref p); return true; }
}

/// <summary>Creates handles from "out nint" native constructors, checking the status once.</summary>
internal static class Handles
{
    internal delegate int Opener(out nint p);

    public static T Open<T>(Opener open, string operation, string? node = null) where T : NativeHandle, new()
    {
        var status = open(out var p);
        NativeStatus.ThrowIfFailed(status, operation, node);
        var h = new T();
        Marshal.InitHandle(h, p);
        h.FollowLog(); // FFmpeg's lines about it go to the node that opened it
        return h;
    }
}
