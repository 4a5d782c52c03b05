using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>Where a frame's planes live.</summary>
public enum FrameLocation
{
    /// <summary>Host (CPU) memory.</summary>
    Host,
    /// <summary>CUDA device memory (an NVDEC surface or a kernel's output).</summary>
    Cuda,
}

/// <summary>
/// A decoded frame backed by an FFmpeg AVFrame: the buffers are FFmpeg's, reference counted natively, so handing a
/// frame to an encoder or filter graph never copies pixels. The managed object and its AVFrame shell are pooled.
/// </summary>
public abstract class FrameBase : MediaItem
{
    private readonly FrameHandle _handle;
    private protected FrameInfo Info;

    private protected FrameBase()
    {
        NativeLibraryCheck.EnsureLoaded();
        _handle = Handles.Open<FrameHandle>(NativeMethods.mg_frame_alloc, "allocating a frame");
    }

    /// <summary>The AVFrame*; throws <see cref="ObjectDisposedException"/> once the item was released, so a node
    /// handed an item that its producer also released fails instead of sending an empty frame to FFmpeg.</summary>
    internal nint Native => ReferenceCount > 0 ? _handle.Ptr : throw Released("Use of", "it was used after its last owner released it");

    /// <summary>Reads the native frame's description after the native side filled it, pts and duration included.</summary>
    internal void Refresh(Rational timeBase)
    {
        NativeMethods.mg_frame_get_info(Native, out Info);
        Pts = Info.Pts;
        Duration = Info.Duration;
        TimeBase = timeBase;
    }

    /// <summary>Writes this item's pts and duration to the native frame before it goes to FFmpeg.</summary>
    internal void SyncTiming() => NativeMethods.mg_frame_set_timing(Native, Pts, Duration);

    /// <summary>Reads a frame FFmpeg just produced (decoder, filter graph), then fills in what FFmpeg left unknown: the
    /// stream's frame rate on video, and a missing duration (one frame period, or the audio's sample count).</summary>
    internal void RefreshProduced(Rational timeBase, Rational frameRate)
    {
        Refresh(timeBase);
        CompleteTiming(frameRate);
    }

    private protected abstract void CompleteTiming(Rational frameRate);

    /// <summary>True when the planes are a pooled device buffer (see <see cref="VideoFrame.Device"/>).</summary>
    private protected virtual bool IsDeviceFrame => false;

    /// <summary>
    /// Ensures this frame's buffers are not shared with another frame, copying them when they are, so they may be
    /// written in place (GStreamer's gst_buffer_make_writable). A frame shared for another branch of a fan-out
    /// references the same buffers, so the branch that writes gets its own copy and the other branch's pixels stay
    /// as they were; a frame nobody shares keeps its buffers (no copy). Timing and metadata are kept.
    /// </summary>
    /// <exception cref="InvalidOperationException">The frame has several owners of this same object
    /// (<see cref="MediaItem.AddRef"/>): they all see one native frame, so copying could not keep a write from them.</exception>
    public void MakeWritable()
    {
        if (IsDeviceFrame)
            throw new InvalidOperationException($"{this} lives in device memory: a kernel writes its result into a new device frame instead");
        var owners = ReferenceCount;
        if (owners > 1)
            throw new InvalidOperationException(
                $"{this} has {owners} owners of the same object (AddRef), so a write would change it under the others; " +
                "each consumer that writes needs its own item");
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_make_writable(Native), "making a frame writable");
        var pts = Pts; var duration = Duration;
        NativeMethods.mg_frame_get_info(Native, out Info);
        Pts = pts; Duration = duration;
    }

    private protected override void ShareContentFrom(MediaItem source)
    {
        var frame = (FrameBase)source;
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_ref(Native, frame.Native), "sharing a frame with another branch");
        NativeMethods.mg_frame_get_info(Native, out Info);
    }

    /// <summary>Unreferences the buffers and forgets their description, so a released frame shows no planes.</summary>
    protected override void Reset()
    {
        NativeMethods.mg_frame_unref(_handle.DangerousGetHandle());
        Info = default;
    }

    internal override void FreeNative() => _handle.Dispose();
}
