using System.Numerics.Tensors;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// The CPU path of a <see cref="PreprocessSpec"/>: swscale (through a libavfilter scale) resizes and converts the
/// frame to 8-bit planar GBR (NCHW) or packed RGB/BGR (NHWC) at the fitted size, then vectorised code
/// (<see cref="TensorPrimitives"/>) widens each row to floats, scales, subtracts the mean and divides by the std
/// straight into the batch slot; the padding is filled. The scaled frame is one reused native frame, the row
/// buffers are allocated once: a steady stream allocates nothing.
/// </summary>
public sealed class CpuTensorizer : IFrameTensorizer
{
    private readonly PreprocessSpec _spec;
    private readonly FilterGraph _graph;
    private readonly VideoFrame _scaled;
    private readonly Letterbox _box;
    private readonly float[] _row;
    private readonly float[] _mul, _add; // per channel (NCHW) or per packed row element (NHWC)
    private readonly float[] _addRows = []; // NCHW: each channel's addend, a row long
    private readonly int[] _planeOfChannel = new int[3];

    /// <summary>A tensorizer for host frames like <paramref name="first"/>.</summary>
    public CpuTensorizer(PreprocessSpec spec, VideoFrame first, string node)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(first);
        if (first.Location != FrameLocation.Host) throw new ArgumentException($"{node}: the CPU tensorizer takes host frames, not {first.Location} ones", nameof(first));
        _spec = spec;
        _box = spec.Fit(first.Width, first.Height);
        var nchw = spec.Layout == TensorLayout.Nchw;
        // gbrp planes are G, B, R: channel c of the model's order reads plane _planeOfChannel[c].
        var packed = spec.Order == ColorOrder.Rgb ? "rgb24" : "bgr24";
        var description = $"scale=w={_box.ScaledWidth}:h={_box.ScaledHeight}:flags=bilinear,format=pix_fmts={(nchw ? "gbrp" : packed)}";
        _graph = new FilterGraph(description, 1, node);
        try
        {
            var info = new StreamInfo
            {
                MediaType = 0, Width = first.Width, Height = first.Height, PixFmt = first.Format.Id,
                SarNum = first.SampleAspectRatio.Num, SarDen = Math.Max(1, first.SampleAspectRatio.Den),
                TbNum = 1, TbDen = 1000, FrNum = 25, FrDen = 1,
            };
            _graph.SetInput(0, info);
            _graph.Configure();
        }
        catch
        {
            _graph.Dispose();
            throw;
        }
        _scaled = new VideoFrame();
        int[] rgbPlanes = [2, 0, 1], bgrPlanes = [1, 0, 2];
        (spec.Order == ColorOrder.Rgb ? rgbPlanes : bgrPlanes).CopyTo(_planeOfChannel, 0);
        var rowLength = nchw ? _box.ScaledWidth : 3 * _box.ScaledWidth;
        _row = new float[rowLength];
        _mul = new float[nchw ? 3 : rowLength];
        _add = new float[nchw ? 3 : rowLength];
        for (var i = 0; i < _mul.Length; i++)
        {
            var c = i % 3;
            _mul[i] = spec.Scale / spec.Std[c];
            _add[i] = -spec.Mean[c] / spec.Std[c];
        }
        if (nchw)
        {
            _addRows = new float[3 * _box.ScaledWidth];
            for (var c = 0; c < 3; c++) _addRows.AsSpan(c * _box.ScaledWidth, _box.ScaledWidth).Fill(_add[c]);
        }
    }

    /// <summary>Where frames of this format land in the model's input.</summary>
    public Letterbox Box => _box;

    /// <inheritdoc />
    public Letterbox Write(VideoFrame frame, TensorBatch batch, int index) => batch is HostTensorBatch host
        ? Write(frame, host.Image(index))
        : throw new ArgumentException($"the CPU tensorizer writes host batches, not {batch.Location} ones", nameof(batch));

    /// <summary>Writes <paramref name="frame"/> into <paramref name="image"/> (exactly <see cref="PreprocessSpec.ImageLength"/>
    /// floats) and returns where it landed.</summary>
    public Letterbox Write(VideoFrame frame, Span<float> image)
    {
        if (image.Length != _spec.ImageLength) throw new ArgumentException($"the batch slot holds {image.Length} floats; the spec needs {_spec.ImageLength}", nameof(image));
        if (frame.Width != _box.FrameWidth || frame.Height != _box.FrameHeight)
            throw new ArgumentException($"this tensorizer was made for {_box.FrameWidth}x{_box.FrameHeight} frames, not {frame.Width}x{frame.Height}", nameof(frame));
        _graph.Push(0, frame.Native);
        if (_graph.Pull(0, _scaled.Native) != NativeMethods.Ok)
            throw new InvalidOperationException("the scaler gave no frame back for a frame pushed in");
        try
        {
            _scaled.Refresh(frame.TimeBase);
            if (_spec.Layout == TensorLayout.Nchw) WritePlanar(image);
            else WritePacked(image);
        }
        finally
        {
            NativeMethods.mg_frame_unref(_scaled.Native);
        }
        return _box;
    }

    private void WritePlanar(Span<float> image)
    {
        int w = _spec.Width, h = _spec.Height, sw = _box.ScaledWidth, sh = _box.ScaledHeight;
        for (var c = 0; c < 3; c++)
        {
            var plane = _scaled.GetPlane(_planeOfChannel[c]);
            var source = _scaled.GetPlaneSpan(_planeOfChannel[c]);
            var target = image.Slice(c * w * h, w * h);
            for (var y = 0; y < sh; y++)
            {
                var dst = target.Slice(y * w, sw);
                TensorPrimitives.ConvertTruncating<byte, float>(source.Slice(y * plane.Pitch, sw), dst);
                TensorPrimitives.MultiplyAdd(dst, _mul[c], _addRows.AsSpan(c * sw, sw), dst);
                if (sw < w) target.Slice(y * w + sw, w - sw).Fill(_spec.PadValue);
            }
            if (sh < h) target.Slice(sh * w).Fill(_spec.PadValue);
        }
    }

    private void WritePacked(Span<float> image)
    {
        int w = _spec.Width, h = _spec.Height, sw = _box.ScaledWidth, sh = _box.ScaledHeight;
        var plane = _scaled.GetPlane(0);
        var source = _scaled.GetPlaneSpan(0);
        for (var y = 0; y < sh; y++)
        {
            var dst = image.Slice(y * w * 3, sw * 3);
            TensorPrimitives.ConvertTruncating<byte, float>(source.Slice(y * plane.Pitch, sw * 3), dst);
            TensorPrimitives.MultiplyAdd(dst, _mul, _add, dst);
            if (sw < w) image.Slice((y * w + sw) * 3, (w - sw) * 3).Fill(_spec.PadValue);
        }
        if (sh < h) image.Slice(sh * w * 3).Fill(_spec.PadValue);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _graph.Dispose();
        _scaled.Dispose();
    }
}
