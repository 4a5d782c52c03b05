using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// The device implementation of <see cref="DrawDetectionsNode"/> (<see cref="DrawKernels"/>), the twin of
/// <see cref="DrawDetectionsCpu"/> with the same picture bit for bit. The glyph atlas lives on the device and is
/// uploaded only when a label shows a glyph for the first time (counted as uploaded bytes); a frame's commands travel
/// as kernel parameters, one launch per primitive, so a frame's pixels never leave the device. A frame with
/// annotations is copied on the device into a new frame of the pool (device frames are never written in place,
/// another branch may hold them), the layer is cleared and painted over the annotations' rectangle and blended into
/// the copy's planes; a frame with nothing to draw passes as it came. Formats: yuv420p, yuvj420p, yuv422p, yuvj422p,
/// yuv444p, yuvj444p, nv12, gray.
/// </summary>
internal sealed class DrawDetectionsCuda : FrameTransform
{
    private static readonly HashSet<string> Formats = ["yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray"];
    private readonly DrawPlan _plan;
    private readonly FrameBlend _blend;
    private readonly ComputeDevice _device;
    private readonly MemoryBuffer2D<uint, Stride2D.DenseX> _layer;
    private MemoryBuffer1D<byte, Stride1D.Dense>? _atlas;
    private MemoryBuffer1D<int, Stride1D.Dense>? _table;
    private int _uploaded = -1;

    private DrawDetectionsCuda(DrawPlan plan, FrameBlend blend, ComputeDevice device, int width, int height)
    {
        _plan = plan;
        _blend = blend;
        _device = device;
        _layer = device.Accelerator.Allocate2DDenseX<uint>(new LongIndex2D(width, height));
    }

    /// <summary>The transform for device frames like <paramref name="first"/>; null for frames that are not in a pool of ours.</summary>
    public static DrawDetectionsCuda? Create(DrawOptions options, string fontFile, VideoFrame first, string node)
    {
        if (first.Device is not { } device) return null;
        if (!Formats.Contains(first.Format.Name) || FrameBlend.Layout(first) is not { } blend)
            throw new MediaGraphException(node, $"draw-detections: {first.Format} has no device kernel (supported: {string.Join(", ", Formats)}); convert the frames first or set the node's \"device\" option to cpu");
        var plan = new DrawPlan(options, fontFile, first.Width, first.Height, node);
        try
        {
            return new DrawDetectionsCuda(plan, blend, device, first.Width, first.Height);
        }
        catch
        {
            plan.Dispose();
            throw;
        }
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        if (!_plan.Build(frame.Metadata))
        {
            output.Add(frame);
            return;
        }
        var device = frame.Device!;
        if (!ReferenceEquals(device, _device)) throw new MediaGraphException(output.NodeName, $"draw-detections: the frames moved from {_device} to {device}");
        UploadAtlas(output.Metrics);
        var result = output.RentDeviceFrame(device, frame.Format, frame.Width, frame.Height, frame);
        try
        {
            DeviceOps.Remap(frame, result, (_, _, _) => RemapParams.Crop(0, 0));
            Draw(result);
        }
        catch
        {
            result.Dispose();
            throw;
        }
        output.Add(result);
    }

    /// <summary>Puts the atlas and its table on the device when glyphs were added since the last upload.</summary>
    private void UploadAtlas(NodeMetrics metrics)
    {
        if (_uploaded == _plan.Atlas.Version) return;
        _atlas?.Dispose();
        _table?.Dispose();
        _atlas = null;
        _table = null;
        var atlas = _plan.Atlas.Atlas.ToArray();
        var table = _plan.Atlas.Table.ToArray();
        _atlas = _device.Accelerator.Allocate1D(atlas);
        _table = _device.Accelerator.Allocate1D(table);
        metrics.CountUpload(atlas.Length + table.Length * sizeof(int));
        _uploaded = _plan.Atlas.Version;
    }

    private void Draw(VideoFrame frame)
    {
        var d = _device;
        var layer = _layer.View;
        var clear = d.GetOrLoad("draw-clear", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, int, int>(DrawKernels.Clear));
        var rect = d.GetOrLoad("draw-rect", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, RectCommand>(DrawKernels.Rect));
        var polygon = d.GetOrLoad("draw-polygon", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, PolygonCommand>(DrawKernels.Polygon));
        var glyphs = d.GetOrLoad("draw-glyphs", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, ArrayView<byte>, ArrayView<int>, GlyphCommand>(DrawKernels.Glyphs));
        var luma = d.GetOrLoad("draw-blend-luma", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, int, int, BlendParams>(DrawKernels.BlendLuma));
        var chroma = d.GetOrLoad("draw-blend-chroma", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<uint, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, int, int, BlendParams>(DrawKernels.BlendChroma));

        var (l, t, r, b) = _plan.Painted;
        clear(d.Stream, new Index2D(r - l, b - t), layer, l, t);
        foreach (var c in _plan.Commands)
        {
            var extent = new Index2D(c.Right - c.Left, c.Bottom - c.Top);
            switch (c.Kind)
            {
                case DrawCommand.Kinds.Rect: rect(d.Stream, extent, layer, c.Rect); break;
                case DrawCommand.Kinds.Polygon: polygon(d.Stream, extent, layer, c.Polygon); break;
                default: glyphs(d.Stream, extent, layer, _atlas!.View, _table!.View, c.Glyphs); break;
            }
        }
        var p = _blend.Params;
        luma(d.Stream, new Index2D(r - l, b - t), layer, frame.GetDevicePlane<byte>(0), l, t, p);
        if (_blend.Shape != FrameBlend.BlendShape.Gray)
        {
            int cx0 = l >> p.SubX, cy0 = t >> p.SubY;
            int cx1 = (r + (1 << p.SubX) - 1) >> p.SubX, cy1 = (b + (1 << p.SubY) - 1) >> p.SubY;
            var u = frame.GetDevicePlane<byte>(1);
            var v = _blend.Shape == FrameBlend.BlendShape.Planar ? frame.GetDevicePlane<byte>(2) : u;
            chroma(d.Stream, new Index2D(cx1 - cx0, cy1 - cy0), layer, u, v, cx0, cy0, p);
        }
        d.Synchronize();
    }

    public override void Dispose()
    {
        _atlas?.Dispose();
        _table?.Dispose();
        _layer.Dispose();
        _plan.Dispose();
        base.Dispose();
    }
}
