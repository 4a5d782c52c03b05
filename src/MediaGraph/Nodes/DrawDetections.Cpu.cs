using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>The host implementation of <see cref="DrawDetectionsNode"/>, the CPU twin of
/// <see cref="DrawDetectionsCuda"/>: the frame's <see cref="DrawPlan"/> is painted, command by command, into a
/// premultiplied RGBA layer of the frame's size with the arithmetic of <see cref="DrawMath"/> (glyph coverage from
/// the Skia-rasterised <see cref="GlyphAtlas"/>), and <see cref="FrameBlend"/> blends the layer's painted rectangle
/// into the frame in place.</summary>
internal sealed class DrawDetectionsCpu : FrameTransform
{
    private readonly DrawPlan _plan;
    private readonly FrameBlend _blend;
    private readonly uint[] _layer;
    private readonly int _width;

    public DrawDetectionsCpu(DrawOptions options, string fontFile, int width, int height, FrameBlend blend, string node)
    {
        _plan = new DrawPlan(options, fontFile, width, height, node);
        _blend = blend;
        _width = width;
        _layer = new uint[width * height];
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        if (_plan.Build(frame.Metadata))
        {
            Paint(_plan, _layer, _width);
            frame.MakeWritable(); // a copy only when another branch shares the pixels
            _blend.Blend(frame, _layer, _width, _plan.Painted);
        }
        output.Add(frame);
    }

    /// <summary>Clears the plan's painted rectangle of <paramref name="layer"/> (rows <paramref name="width"/>
    /// pixels) and paints the commands into it, as the device kernels do.</summary>
    internal static void Paint(DrawPlan plan, Span<uint> layer, int width)
    {
        var (l, t, r, b) = plan.Painted;
        for (var y = t; y < b; y++) layer.Slice(y * width + l, r - l).Clear();
        var atlas = plan.Atlas.Atlas;
        var table = plan.Atlas.Table;
        foreach (var c in plan.Commands)
            for (var y = c.Top; y < c.Bottom; y++)
            {
                var row = layer.Slice(y * width);
                for (var x = c.Left; x < c.Right; x++)
                {
                    ref var px = ref row[x];
                    switch (c.Kind)
                    {
                        case DrawCommand.Kinds.Rect:
                            var rc = DrawMath.RectCoverage(x, y, c.Rect);
                            if (rc != 0) px = DrawMath.Over(px, c.Rect.Color, rc);
                            break;
                        case DrawCommand.Kinds.Polygon:
                            var pc = DrawMath.PolygonCoverage(x, y, c.Polygon);
                            if (pc != 0) px = DrawMath.Over(px, c.Polygon.Color, pc);
                            break;
                        default:
                            var g = c.Glyphs;
                            for (var i = 0; i < g.Count; i++)
                            {
                                var slot = g.Slot(i) * DrawMath.TableInts;
                                int w = table[slot + 1], h = table[slot + 2];
                                var gx = x - (g.OriginX + g.Pen(i) + table[slot + 3]);
                                var gy = y - (g.OriginY + table[slot + 4]);
                                if (gx < 0 || gy < 0 || gx >= w || gy >= h) continue;
                                int coverage = atlas[table[slot] + gy * w + gx];
                                if (coverage != 0) px = DrawMath.Over(px, g.Color, coverage);
                            }
                            break;
                    }
                }
            }
    }

    public override void Dispose()
    {
        _plan.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// Blends a premultiplied RGBA layer (one <c>uint</c> per pixel, R in the low byte) into a host frame in place, in
/// the frame's own format: packed RGB by the "over" operator; YUV by the same operator on Y'CbCr computed with the
/// frame's matrix (BT.709 when the frame says so, else BT.601) and range (full for yuvj formats and frames marked
/// full) in fixed point (<see cref="DrawMath.BlendLuma"/>, <see cref="DrawMath.BlendChroma"/>: the device kernels'
/// arithmetic), which is exact because Y'CbCr is affine in R'G'B'; a subsampled chroma sample takes the layer summed
/// over the luma pixels it covers.
/// </summary>
internal sealed class FrameBlend
{
    internal enum BlendShape { Packed, Planar, SemiPlanar, Gray }

    private int _bpp, _r, _g, _b, _a = -1;

    public const string Supported = "yuv420p, yuvj420p, yuv422p, yuvj422p, yuv444p, yuvj444p, nv12, gray, rgb24, bgr24, rgba, bgra, argb, abgr";

    /// <summary>How the frames are laid out.</summary>
    internal BlendShape Shape { get; private set; }

    /// <summary>The fixed-point matrix, range and subsampling of YUV and gray frames.</summary>
    internal BlendParams Params { get; private set; }

    /// <summary>The blend for frames like <paramref name="frame"/>; null when its format is not supported.</summary>
    public static FrameBlend? Layout(VideoFrame frame)
    {
        var name = frame.Format.Name;
        var blend = new FrameBlend();
        int sx = 0, sy = 0, step = 1;
        switch (name)
        {
            case "rgb24": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b) = (BlendShape.Packed, 3, 0, 1, 2); return blend;
            case "bgr24": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b) = (BlendShape.Packed, 3, 2, 1, 0); return blend;
            case "rgba": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (BlendShape.Packed, 4, 0, 1, 2, 3); return blend;
            case "bgra": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (BlendShape.Packed, 4, 2, 1, 0, 3); return blend;
            case "argb": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (BlendShape.Packed, 4, 1, 2, 3, 0); return blend;
            case "abgr": (blend.Shape, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (BlendShape.Packed, 4, 3, 2, 1, 0); return blend;
            case "yuv420p" or "yuvj420p": (blend.Shape, sx, sy) = (BlendShape.Planar, 1, 1); break;
            case "yuv422p" or "yuvj422p": (blend.Shape, sx, sy) = (BlendShape.Planar, 1, 0); break;
            case "yuv444p" or "yuvj444p": (blend.Shape, sx, sy) = (BlendShape.Planar, 0, 0); break;
            case "nv12": (blend.Shape, sx, sy, step) = (BlendShape.SemiPlanar, 1, 1, 2); break;
            case "gray": blend.Shape = BlendShape.Gray; break;
            default: return null;
        }
        var (space, range) = frame.Color;
        var full = name.StartsWith("yuvj", StringComparison.Ordinal) || name == "gray" || range == 2;
        blend.Params = BlendParams.For(space == 1, full, sx, sy, step, frame.Width, frame.Height);
        return blend;
    }

    /// <summary>Blends the layer's <paramref name="area"/> (premultiplied RGBA, rows <paramref name="layerWidth"/>
    /// pixels apart, the frame's size) into <paramref name="frame"/>.</summary>
    public unsafe void Blend(VideoFrame frame, ReadOnlySpan<uint> layer, int layerWidth, (int Left, int Top, int Right, int Bottom) area)
    {
        if (Shape == BlendShape.Packed)
        {
            var plane = frame.GetPlane(0);
            for (var y = area.Top; y < area.Bottom; y++)
            {
                var s = layer.Slice(y * layerWidth);
                var d = (byte*)plane.Data + (long)y * plane.Pitch;
                for (var x = area.Left; x < area.Right; x++)
                {
                    var px = s[x];
                    var a = (byte)(px >> 24);
                    if (a == 0) continue;
                    var p = d + x * _bpp;
                    var keep = 255 - a;
                    p[_r] = Over(p[_r], (byte)px, keep);
                    p[_g] = Over(p[_g], (byte)(px >> 8), keep);
                    p[_b] = Over(p[_b], (byte)(px >> 16), keep);
                    if (_a >= 0) p[_a] = Over(p[_a], a, keep);
                }
            }
            return;
        }
        var b = Params;
        var luma = frame.GetPlane(0);
        for (var y = area.Top; y < area.Bottom; y++)
        {
            var s = layer.Slice(y * layerWidth);
            var d = (byte*)luma.Data + (long)y * luma.Pitch;
            for (var x = area.Left; x < area.Right; x++)
                if (s[x] >> 24 != 0) d[x] = (byte)DrawMath.BlendLuma(d[x], s[x], b);
        }
        if (Shape == BlendShape.Gray) return;
        // Chroma: each sample covers (1 << sx) × (1 << sy) luma pixels; the layer is summed over them.
        int cx0 = area.Left >> b.SubX, cy0 = area.Top >> b.SubY;
        int cx1 = (area.Right + (1 << b.SubX) - 1) >> b.SubX, cy1 = (area.Bottom + (1 << b.SubY) - 1) >> b.SubY;
        var u = frame.GetPlane(1);
        var v = Shape == BlendShape.Planar ? frame.GetPlane(2) : u;
        for (var cy = cy0; cy < cy1; cy++)
        {
            var du = (byte*)u.Data + (long)cy * u.Pitch;
            var dv = (byte*)v.Data + (long)cy * v.Pitch;
            for (var cx = cx0; cx < cx1; cx++)
            {
                int sa = 0, sr = 0, sg = 0, sb = 0, n = 0;
                for (var yy = cy << b.SubY; yy < Math.Min((cy + 1) << b.SubY, frame.Height); yy++)
                    for (var xx = cx << b.SubX; xx < Math.Min((cx + 1) << b.SubX, frame.Width); xx++)
                    {
                        var px = layer[yy * layerWidth + xx];
                        sr += (int)(px & 0xFF); sg += (int)((px >> 8) & 0xFF); sb += (int)((px >> 16) & 0xFF); sa += (int)(px >> 24);
                        n++;
                    }
                if (sa == 0) continue;
                var ui = cx * b.Step;
                var vi = ui + b.Step - 1;
                du[ui] = (byte)DrawMath.BlendChroma(du[ui], sa, sr, sg, sb, n, b, false);
                dv[vi] = (byte)DrawMath.BlendChroma(dv[vi], sa, sr, sg, sb, n, b, true);
            }
        }
    }

    private static byte Over(byte dst, byte srcPremul, int keep) => (byte)Math.Min(255, srcPremul + (dst * keep + 127) / 255);
}
