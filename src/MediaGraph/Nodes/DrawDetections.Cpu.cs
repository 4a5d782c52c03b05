using System.Globalization;
using SkiaSharp;

namespace MediaGraph;

/// <summary>The host implementation of <see cref="DrawDetectionsNode"/>: Skia paints the frame's annotations into a
/// transparent RGBA layer of the frame's size, and <see cref="FrameBlend"/> blends the layer's painted rectangle
/// into the frame in place.</summary>
internal sealed class DrawDetectionsCpu : FrameTransform
{
    /// <summary>Twelve colours that stay apart from each other on video (Tableau 10 plus two).</summary>
    private static readonly SKColor[] Palette =
    [
        new(0x1F, 0x77, 0xB4), new(0xFF, 0x7F, 0x0E), new(0x2C, 0xA0, 0x2C), new(0xD6, 0x27, 0x28),
        new(0x94, 0x67, 0xBD), new(0x8C, 0x56, 0x4B), new(0xE3, 0x77, 0xC2), new(0x17, 0xBE, 0xCF),
        new(0xBC, 0xBD, 0x22), new(0x7F, 0x7F, 0x7F), new(0x00, 0xFF, 0x7F), new(0xFF, 0xD7, 0x00),
    ];

    private readonly DrawOptions _options;
    private readonly FrameBlend _blend;
    private readonly SKSurface _surface;
    private readonly SKTypeface _typeface;
    private readonly SKFont _font;
    private readonly SKPaint _stroke, _fill, _text;
    private readonly SKPath _path = new();
    private readonly SKColor? _single;
    private readonly int _width, _height;
    private SKRectI _painted;

    public DrawDetectionsCpu(DrawOptions options, string fontFile, int width, int height, FrameBlend blend, string node)
    {
        _options = options;
        _blend = blend;
        _width = width;
        _height = height;
        _typeface = SKTypeface.FromFile(fontFile)
            ?? throw new MediaGraphException(node, $"draw-detections: '{fontFile}' is not a font Skia can read (give a TrueType or OpenType file)");
        _surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new MediaGraphException(node, $"draw-detections: Skia could not make a {width}x{height} drawing surface");
        _font = new SKFont(_typeface, (float)options.FontSize) { Edging = SKFontEdging.Antialias, Subpixel = true };
        _stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = options.LineWidth, StrokeJoin = SKStrokeJoin.Miter };
        _fill = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        _text = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        if (options.ColorBy == ColorBy.Single && DrawDetectionsNode.ParseColor(options.Color) is var (r, g, b)) _single = new SKColor(r, g, b);
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        if (Paint(frame.Metadata))
        {
            frame.MakeWritable(); // a copy only when another branch shares the pixels
            using var pixmap = _surface.PeekPixels();
            _blend.Blend(frame, pixmap.GetPixels(), pixmap.RowBytes, _painted);
        }
        output.Add(frame);
    }

    /// <summary>Paints the frame's results into the layer; false when there is nothing to draw.</summary>
    internal bool Paint(FrameMetadata metadata)
    {
        metadata.TryGet<Tracks>(out var tracks);
        var canvas = _surface.Canvas;
        var painted = SKRectI.Empty;
        var any = false;
        void Begin()
        {
            if (any) return;
            canvas.Clear(SKColors.Transparent);
            any = true;
        }
        if (metadata.TryGet<Detections>(out var detections))
            for (var i = 0; i < detections.Items.Count; i++)
            {
                var d = detections.Items[i];
                var id = tracks?.Source == TrackSource.Detections ? tracks.IdOf(i) : null;
                Begin();
                Draw(canvas, d.Box, null, Color(id, d.Class), Label(id, d.Label ?? d.Class.ToString(CultureInfo.InvariantCulture), d.Score, null), ref painted);
            }
        if (metadata.TryGet<TextLines>(out var lines))
            for (var i = 0; i < lines.Lines.Count; i++)
            {
                var l = lines.Lines[i];
                var id = tracks?.Source == TrackSource.TextLines ? tracks.IdOf(i) : null;
                Begin();
                Draw(canvas, l.Bounds, l.Polygon, Color(id, 0), Label(id, null, l.Confidence, l.Text), ref painted);
            }
        if (metadata.TryGet<TextDetections>(out var regions))
            for (var i = 0; i < regions.Regions.Count; i++)
            {
                var r = regions.Regions[i];
                var id = tracks?.Source == TrackSource.TextRegions ? tracks.IdOf(i) : null;
                Begin();
                Draw(canvas, r.Bounds, r.Polygon, Color(id, 0), Label(id, null, r.Score, null), ref painted);
            }
        if (!any) return false;
        painted.Intersect(new SKRectI(0, 0, _width, _height));
        _painted = painted;
        return !painted.IsEmpty;
    }

    private SKColor Color(int? track, int @class)
    {
        if (_single is { } single) return single;
        var key = _options.ColorBy == ColorBy.Track && track is { } id ? id : @class;
        return Palette[(int)((uint)key % Palette.Length)];
    }

    private string? Label(int? track, string? label, float score, string? text)
    {
        var fields = _options.Label;
        if (fields == LabelFields.None) return null;
        var parts = new List<string>(4);
        if (fields.HasFlag(LabelFields.Track) && track is { } id) parts.Add(string.Create(CultureInfo.InvariantCulture, $"#{id}"));
        if (fields.HasFlag(LabelFields.Label) && label is not null) parts.Add(label);
        if (fields.HasFlag(LabelFields.Text) && text is not null) parts.Add(text);
        if (fields.HasFlag(LabelFields.Score)) parts.Add(score.ToString("0.00", CultureInfo.InvariantCulture));
        return parts.Count == 0 ? null : string.Join(" ", parts);
    }

    private void Draw(SKCanvas canvas, BoxF32 box, IReadOnlyList<PointF32>? polygon, SKColor color, string? label, ref SKRectI painted)
    {
        var half = _options.LineWidth / 2f;
        _path.Reset();
        if (polygon is { Count: >= 3 } && _options.Polygons)
        {
            _path.MoveTo(polygon[0].X, polygon[0].Y);
            for (var i = 1; i < polygon.Count; i++) _path.LineTo(polygon[i].X, polygon[i].Y);
            _path.Close();
        }
        else _path.AddRect(new SKRect(box.X, box.Y, box.X + box.Width, box.Y + box.Height));
        if (_options.FillOpacity > 0)
        {
            _fill.Color = color.WithAlpha((byte)Math.Round(_options.FillOpacity * 255));
            canvas.DrawPath(_path, _fill);
        }
        _stroke.Color = color;
        canvas.DrawPath(_path, _stroke);
        var bounds = _path.Bounds;
        bounds.Inflate(half + 2, half + 2); // antialiasing reaches a pixel past the stroke
        Union(ref painted, bounds);
        if (label is null) return;

        var metrics = _font.Metrics;
        var pad = MathF.Max(2, (float)_options.FontSize / 8);
        var width = _font.MeasureText(label) + 2 * pad;
        var height = metrics.Descent - metrics.Ascent + 2 * pad;
        var left = MathF.Min(box.X - half, _width - width);
        var top = box.Y - half - height;
        if (top < 0) top = box.Y + half; // no room above: inside the box's top edge
        left = MathF.Max(0, left);
        var rect = new SKRect(left, top, left + width, top + height);
        _fill.Color = color;
        canvas.DrawRect(rect, _fill);
        var luma = 0.299 * color.Red + 0.587 * color.Green + 0.114 * color.Blue;
        _text.Color = luma > 140 ? SKColors.Black : SKColors.White;
        canvas.DrawText(label, left + pad, top + pad - metrics.Ascent, SKTextAlign.Left, _font, _text);
        rect.Inflate(1, 1);
        Union(ref painted, rect);
    }

    private static void Union(ref SKRectI painted, SKRect rect)
    {
        var r = SKRectI.Round(new SKRect(MathF.Floor(rect.Left), MathF.Floor(rect.Top), MathF.Ceiling(rect.Right), MathF.Ceiling(rect.Bottom)));
        if (painted.IsEmpty) painted = r;
        else painted.Union(r);
    }

    public override void Dispose()
    {
        _path.Dispose();
        _text.Dispose();
        _fill.Dispose();
        _stroke.Dispose();
        _font.Dispose();
        _surface.Dispose();
        _typeface.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// Blends a premultiplied RGBA layer into a host frame in place, in the frame's own format: packed RGB by the
/// "over" operator; YUV by the same operator on Y'CbCr computed with the frame's matrix (BT.709 when the frame says
/// so, else BT.601) and range (full for yuvj formats and frames marked full), which is exact because Y'CbCr is
/// affine in R'G'B'; a subsampled chroma sample takes the layer averaged over the luma pixels it covers.
/// </summary>
internal sealed class FrameBlend
{
    private enum Kind { Packed, Planar, SemiPlanar, Gray }

    private Kind _kind;
    private int _bpp, _r, _g, _b, _a = -1, _sx, _sy;
    private double _kr, _kb, _yOffset, _yScale, _cScale;

    public const string Supported = "yuv420p, yuvj420p, yuv422p, yuvj422p, yuv444p, yuvj444p, nv12, gray, rgb24, bgr24, rgba, bgra, argb, abgr";

    /// <summary>The blend for frames like <paramref name="frame"/>; null when its format is not supported.</summary>
    public static FrameBlend? Layout(VideoFrame frame)
    {
        var name = frame.Format.Name;
        var blend = new FrameBlend();
        switch (name)
        {
            case "rgb24": (blend._kind, blend._bpp, blend._r, blend._g, blend._b) = (Kind.Packed, 3, 0, 1, 2); return blend;
            case "bgr24": (blend._kind, blend._bpp, blend._r, blend._g, blend._b) = (Kind.Packed, 3, 2, 1, 0); return blend;
            case "rgba": (blend._kind, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (Kind.Packed, 4, 0, 1, 2, 3); return blend;
            case "bgra": (blend._kind, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (Kind.Packed, 4, 2, 1, 0, 3); return blend;
            case "argb": (blend._kind, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (Kind.Packed, 4, 1, 2, 3, 0); return blend;
            case "abgr": (blend._kind, blend._bpp, blend._r, blend._g, blend._b, blend._a) = (Kind.Packed, 4, 3, 2, 1, 0); return blend;
            case "yuv420p" or "yuvj420p": (blend._kind, blend._sx, blend._sy) = (Kind.Planar, 1, 1); break;
            case "yuv422p" or "yuvj422p": (blend._kind, blend._sx, blend._sy) = (Kind.Planar, 1, 0); break;
            case "yuv444p" or "yuvj444p": (blend._kind, blend._sx, blend._sy) = (Kind.Planar, 0, 0); break;
            case "nv12": (blend._kind, blend._sx, blend._sy) = (Kind.SemiPlanar, 1, 1); break;
            case "gray": blend._kind = Kind.Gray; break;
            default: return null;
        }
        var (space, range) = frame.Color;
        var full = name.StartsWith("yuvj", StringComparison.Ordinal) || name == "gray" || range == 2;
        (blend._kr, blend._kb) = space == 1 ? (0.2126, 0.0722) : (0.299, 0.114);
        (blend._yOffset, blend._yScale, blend._cScale) = full ? (0.0, 255.0, 255.0) : (16.0, 219.0, 224.0);
        return blend;
    }

    /// <summary>Blends the layer's <paramref name="area"/> (premultiplied RGBA at <paramref name="layer"/>, rows
    /// <paramref name="layerPitch"/> bytes apart, the frame's size) into <paramref name="frame"/>.</summary>
    public unsafe void Blend(VideoFrame frame, nint layer, int layerPitch, SKRectI area)
    {
        var src = (byte*)layer;
        if (_kind == Kind.Packed)
        {
            var plane = frame.GetPlane(0);
            for (var y = area.Top; y < area.Bottom; y++)
            {
                var s = src + (long)y * layerPitch;
                var d = (byte*)plane.Data + (long)y * plane.Pitch;
                for (var x = area.Left; x < area.Right; x++)
                {
                    var a = s[4 * x + 3];
                    if (a == 0) continue;
                    var p = d + x * _bpp;
                    var keep = 255 - a;
                    p[_r] = Over(p[_r], s[4 * x], keep);
                    p[_g] = Over(p[_g], s[4 * x + 1], keep);
                    p[_b] = Over(p[_b], s[4 * x + 2], keep);
                    if (_a >= 0) p[_a] = Over(p[_a], a, keep);
                }
            }
            return;
        }
        var kg = 1 - _kr - _kb;
        var luma = frame.GetPlane(0);
        for (var y = area.Top; y < area.Bottom; y++)
        {
            var s = src + (long)y * layerPitch;
            var d = (byte*)luma.Data + (long)y * luma.Pitch;
            for (var x = area.Left; x < area.Right; x++)
            {
                var a = s[4 * x + 3];
                if (a == 0) continue;
                var af = a / 255.0;
                var yPremul = (_kr * s[4 * x] + kg * s[4 * x + 1] + _kb * s[4 * x + 2]) / 255.0; // a · y', y' in 0..1
                d[x] = Clamp(d[x] * (1 - af) + af * _yOffset + _yScale * yPremul);
            }
        }
        if (_kind == Kind.Gray) return;
        // Chroma: each sample covers (1 << sx) × (1 << sy) luma pixels; the layer is averaged over them.
        int cx0 = area.Left >> _sx, cy0 = area.Top >> _sy;
        int cx1 = (area.Right + (1 << _sx) - 1) >> _sx, cy1 = (area.Bottom + (1 << _sy) - 1) >> _sy;
        var u = frame.GetPlane(1);
        var v = _kind == Kind.Planar ? frame.GetPlane(2) : u;
        for (var cy = cy0; cy < cy1; cy++)
        {
            var du = (byte*)u.Data + (long)cy * u.Pitch;
            var dv = (byte*)v.Data + (long)cy * v.Pitch;
            for (var cx = cx0; cx < cx1; cx++)
            {
                double sa = 0, sr = 0, sg = 0, sb = 0;
                var n = 0;
                for (var yy = cy << _sy; yy < Math.Min((cy + 1) << _sy, frame.Height); yy++)
                {
                    var s = src + (long)yy * layerPitch;
                    for (var xx = cx << _sx; xx < Math.Min((cx + 1) << _sx, frame.Width); xx++)
                    {
                        sa += s[4 * xx + 3]; sr += s[4 * xx]; sg += s[4 * xx + 1]; sb += s[4 * xx + 2];
                        n++;
                    }
                }
                if (sa == 0) continue;
                var af = sa / (255.0 * n);
                double r = sr / (255.0 * n), g = sg / (255.0 * n), b = sb / (255.0 * n); // premultiplied, 0..1
                var yp = _kr * r + kg * g + _kb * b;
                var pb = (b - yp) / (2 * (1 - _kb));
                var pr = (r - yp) / (2 * (1 - _kr));
                ref var cb = ref (_kind == Kind.Planar ? ref du[cx] : ref du[2 * cx]);
                ref var cr = ref (_kind == Kind.Planar ? ref dv[cx] : ref du[2 * cx + 1]);
                cb = Clamp(cb * (1 - af) + af * 128 + _cScale * pb);
                cr = Clamp(cr * (1 - af) + af * 128 + _cScale * pr);
            }
        }
    }

    private static byte Over(byte dst, byte srcPremul, int keep) => (byte)Math.Min(255, srcPremul + (dst * keep + 127) / 255);

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);
}
