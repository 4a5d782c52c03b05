using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// The device path of a <see cref="PreprocessSpec"/>: the tensorize kernel (<see cref="TensorizeKernels"/>) reads a
/// device frame and writes image <c>i</c> of a <see cref="DeviceTensorBatch"/> in one pass (bilinear resize with
/// the spec's top-left letterbox, YUV → RGB with the frame's matrix and range, channel order, normalisation, layout),
/// so the frame never visits the host. The kernel is queued on the batch's stream (the node's): that stream first
/// waits on the GPU for the frame's "ready" fence, and the frame carries the stream's "done reading" fence after it,
/// like every device node. Formats: nv12, yuv420p, yuvj420p, rgb24, bgr24, rgba, bgra. Made once per input format;
/// allocates nothing per frame.
/// </summary>
/// <remarks>The kernel samples with two taps whatever the ratio, as model preprocessors (OpenCV's resize) do; the
/// CPU path's swscale widens its filter when shrinking, so the two agree closely when the spec upscales or keeps the
/// frame's size, and differ more when it shrinks a lot.</remarks>
public sealed class CudaTensorizer : IFrameTensorizer
{
    /// <summary>The pixel formats the kernel reads.</summary>
    public static IReadOnlyList<string> Formats { get; } = ["nv12", "yuv420p", "yuvj420p", "rgb24", "bgr24", "rgba", "bgra"];

    private readonly PreprocessSpec _spec;
    private readonly TensorizeParams _params;
    private readonly Letterbox _box;
    private readonly string _node;

    /// <summary>A tensorizer for device frames like <paramref name="first"/>; throws a <see cref="MediaGraphException"/>
    /// naming <paramref name="node"/> for a host frame or a format the kernel does not read.</summary>
    public CudaTensorizer(PreprocessSpec spec, VideoFrame first, string node)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(first);
        _node = node;
        if (first.Location != FrameLocation.Cuda || first.Device is null)
            throw new MediaGraphException(node, $"the device tensorizer takes frames in device memory that MediaGraph can view, not {first}; download them or tensorize on the host");
        var format = first.Format.Name;
        if (!Formats.Contains(format))
            throw new MediaGraphException(node, $"the device tensorizer reads {string.Join(", ", Formats)}, not {format}: convert on the device first (ConvertTo(\"nv12\")) or tensorize on the host (InferOptions.Tensorize = Host)");
        _spec = spec;
        _box = spec.Fit(first.Width, first.Height);
        var (space, range) = first.Color;
        // The spec is (pixel * Scale - mean) / std; the kernel computes (pixel / 255 - mean') / std': the same with
        // mean' = mean / (255 * Scale) and std' = std / (255 * Scale).
        var k = spec.Scale * 255f;
        float[] mean = [spec.Mean[0] / k, spec.Mean[1] / k, spec.Mean[2] / k];
        float[] std = [spec.Std[0] / k, spec.Std[1] / k, spec.Std[2] / k];
        var a = TensorizeParams.For(format, first.Width, first.Height, spec.Width, spec.Height, keepAspect: false, spec.PadValue, mean, std,
            bgr: spec.Order == ColorOrder.Bgr, nhwc: spec.Layout == TensorLayout.Nhwc, bt709: space == 1, fullRange: range == 2, offset: 0);
        // The spec's letterbox: the picture at the top-left at the fitted size (coordinates map back by one scale),
        // the rest the spec's pad value as it is (a tensor value, not a pixel to normalise).
        a.InnerX = 0;
        a.InnerY = 0;
        a.InnerWidth = _box.ScaledWidth;
        a.InnerHeight = _box.ScaledHeight;
        a.RatioX = (float)first.Width / _box.ScaledWidth;
        a.RatioY = (float)first.Height / _box.ScaledHeight;
        a.PadIsTensorValue = 1;
        _params = a;
    }

    /// <summary>Where frames of this format land in the model's input.</summary>
    public Letterbox Box => _box;

    /// <inheritdoc />
    public Letterbox Write(VideoFrame frame, TensorBatch batch, int index)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (batch is not DeviceTensorBatch device)
            throw new ArgumentException($"the device tensorizer writes device batches, not {batch.Location} ones", nameof(batch));
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, batch.Capacity);
        if (frame.Width != _box.FrameWidth || frame.Height != _box.FrameHeight)
            throw new ArgumentException($"this tensorizer was made for {_box.FrameWidth}x{_box.FrameHeight} frames, not {frame.Width}x{frame.Height}", nameof(frame));
        if (!ReferenceEquals(frame.Device, device.Device))
            throw new MediaGraphException(_node, $"{frame} lives on {frame.Device?.ToString() ?? "the host"}, not on {device.Device}, where the batch is");
        var a = _params;
        a.Offset = (long)index * _spec.ImageLength;
        DeviceOps.Tensorize(frame, device.View, a, device.Stream);
        return _box;
    }

    /// <inheritdoc />
    public void Dispose() { }
}
