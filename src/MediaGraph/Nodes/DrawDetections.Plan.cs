using System.Globalization;
using MediaGraph.Kernels;
using SkiaSharp;

namespace MediaGraph;

/// <summary>One primitive of a frame's annotations, in drawing order (see <see cref="DrawKernels"/>).</summary>
internal struct DrawCommand
{
    public enum Kinds : byte { Rect, Polygon, Glyphs }

    public Kinds Kind;
    /// <summary>The pixels the primitive may touch, clipped to the frame (right and bottom exclusive).</summary>
    public int Left, Top, Right, Bottom;
    public RectCommand Rect;
    public PolygonCommand Polygon;
    public GlyphCommand Glyphs;
}

/// <summary>
/// The glyphs of the label font, each rasterised once by Skia into 8-bit coverage (antialiased, from the glyph's
/// outline at a whole-pixel origin) and appended to one atlas: what the CPU twin reads on the host and the CUDA
/// implementation uploads to the device when <see cref="Version"/> changed (only when a label shows a glyph for the
/// first time). Each slot has five ints in <see cref="Table"/>: offset, width, height, left and top (from the pen on
/// the baseline).
/// </summary>
internal sealed class GlyphAtlas : IDisposable
{
    private readonly SKFont _font;
    private readonly SKPaint _paint = new() { IsAntialias = true, Style = SKPaintStyle.Fill, Color = SKColors.White };
    private readonly Dictionary<ushort, int> _slots = new();
    private byte[] _atlas = new byte[4096];
    private int[] _table = new int[64 * DrawMath.TableInts];
    private int _atlasLength, _count;

    public GlyphAtlas(SKFont font) => _font = font;

    /// <summary>Changes whenever glyphs were added.</summary>
    public int Version { get; private set; }

    public ReadOnlySpan<byte> Atlas => _atlas.AsSpan(0, Math.Max(1, _atlasLength));

    public ReadOnlySpan<int> Table => _table.AsSpan(0, Math.Max(1, _count) * DrawMath.TableInts);

    /// <summary>The slot of <paramref name="glyph"/>, rasterising it the first time.</summary>
    public int SlotOf(ushort glyph)
    {
        if (_slots.TryGetValue(glyph, out var slot)) return slot;
        slot = _count++;
        if (_table.Length < _count * DrawMath.TableInts) Array.Resize(ref _table, _table.Length * 2);
        int left = 0, top = 0, width = 0, height = 0;
        using var path = _font.GetGlyphPath(glyph);
        if (path is not null && !path.IsEmpty)
        {
            var b = path.Bounds;
            left = (int)MathF.Floor(b.Left) - 1;
            top = (int)MathF.Floor(b.Top) - 1;
            width = (int)MathF.Ceiling(b.Right) + 1 - left;
            height = (int)MathF.Ceiling(b.Bottom) + 1 - top;
            using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Alpha8, SKAlphaType.Premul));
            bitmap.Erase(SKColors.Transparent);
            using (var canvas = new SKCanvas(bitmap))
            {
                canvas.Translate(-left, -top);
                canvas.DrawPath(path, _paint);
            }
            while (_atlas.Length < _atlasLength + width * height) Array.Resize(ref _atlas, _atlas.Length * 2);
            var pixels = bitmap.GetPixelSpan();
            for (var row = 0; row < height; row++)
                pixels.Slice(row * bitmap.RowBytes, width).CopyTo(_atlas.AsSpan(_atlasLength + row * width));
        }
        var at = slot * DrawMath.TableInts;
        (_table[at], _table[at + 1], _table[at + 2], _table[at + 3], _table[at + 4]) = (_atlasLength, width, height, left, top);
        _atlasLength += width * height;
        _slots[glyph] = slot;
        Version++;
        return slot;
    }

    public (int Width, int Height, int Left, int Top) Size(int slot)
    {
        var at = slot * DrawMath.TableInts;
        return (_table[at + 1], _table[at + 2], _table[at + 3], _table[at + 4]);
    }

    public void Dispose() => _paint.Dispose();
}

/// <summary>
/// Turns a frame's inference results into <see cref="DrawCommand"/>s, the same for the CPU twin and the CUDA
/// implementation: per result its fill (when <see cref="DrawOptions.FillOpacity"/> &gt; 0), its outline (a box's
/// rectangle outline centred on the box edges, or the polygon of a text region or line stroked with round joins;
/// polygons of more than eight vertices are drawn as their bounding box), the label's background in the result's
/// colour just above the box (inside its top edge when there is no room) and the label's glyphs in black or white,
/// whichever reads better on that colour. Geometry is kept to 1/256 pixel; glyphs sit on whole pixels.
/// </summary>
internal sealed class DrawPlan : IDisposable
{
    /// <summary>Twelve colours that stay apart from each other on video (Tableau 10 plus two).</summary>
    private static readonly uint[] Palette =
    [
        Rgb(0x1F, 0x77, 0xB4), Rgb(0xFF, 0x7F, 0x0E), Rgb(0x2C, 0xA0, 0x2C), Rgb(0xD6, 0x27, 0x28),
        Rgb(0x94, 0x67, 0xBD), Rgb(0x8C, 0x56, 0x4B), Rgb(0xE3, 0x77, 0xC2), Rgb(0x17, 0xBE, 0xCF),
        Rgb(0xBC, 0xBD, 0x22), Rgb(0x7F, 0x7F, 0x7F), Rgb(0x00, 0xFF, 0x7F), Rgb(0xFF, 0xD7, 0x00),
    ];

    private const uint Black = 0xFF000000, White = 0xFFFFFFFF;
    private readonly DrawOptions _options;
    private readonly SKTypeface _typeface;
    private readonly SKFont _font;
    private readonly uint? _single;
    private readonly int _width, _height;
    private readonly List<string> _parts = new(4);
    private ushort[] _glyphs = new ushort[64];
    private SKPoint[] _positions = new SKPoint[64];

    public DrawPlan(DrawOptions options, string fontFile, int width, int height, string node)
    {
        _options = options;
        _width = width;
        _height = height;
        _typeface = SKTypeface.FromFile(fontFile)
            ?? throw new MediaGraphException(node, $"draw-detections: '{fontFile}' is not a font Skia can read (give a TrueType or OpenType file)");
        _font = new SKFont(_typeface, (float)options.FontSize) { Edging = SKFontEdging.Antialias, Subpixel = true };
        Atlas = new GlyphAtlas(_font);
        if (options.ColorBy == ColorBy.Single && DrawDetectionsNode.ParseColor(options.Color) is var (r, g, b)) _single = Rgb(r, g, b);
    }

    public GlyphAtlas Atlas { get; }

    /// <summary>The commands of the last <see cref="Build"/>, in drawing order.</summary>
    public List<DrawCommand> Commands { get; } = new();

    /// <summary>The union of the commands' pixels (left, top, right, bottom), widened to even edges (within the frame).</summary>
    public (int Left, int Top, int Right, int Bottom) Painted { get; private set; }

    /// <summary>Builds the commands for a frame's results; false when nothing lands on the frame.</summary>
    public bool Build(FrameMetadata metadata)
    {
        Commands.Clear();
        Painted = (int.MaxValue, int.MaxValue, int.MinValue, int.MinValue);
        metadata.TryGet<Tracks>(out var tracks);
        if (metadata.TryGet<Detections>(out var detections))
            for (var i = 0; i < detections.Items.Count; i++)
            {
                var d = detections.Items[i];
                var id = tracks?.Source == TrackSource.Detections ? tracks.IdOf(i) : null;
                Add(d.Box, null, Color(id, d.Class), Label(id, d.Label ?? d.Class.ToString(CultureInfo.InvariantCulture), d.Score, null));
            }
        if (metadata.TryGet<TextLines>(out var lines))
            for (var i = 0; i < lines.Lines.Count; i++)
            {
                var l = lines.Lines[i];
                var id = tracks?.Source == TrackSource.TextLines ? tracks.IdOf(i) : null;
                Add(l.Bounds, l.Polygon, Color(id, 0), Label(id, null, l.Confidence, l.Text));
            }
        if (metadata.TryGet<TextDetections>(out var regions))
            for (var i = 0; i < regions.Regions.Count; i++)
            {
                var r = regions.Regions[i];
                var id = tracks?.Source == TrackSource.TextRegions ? tracks.IdOf(i) : null;
                Add(r.Bounds, r.Polygon, Color(id, 0), Label(id, null, r.Score, null));
            }
        return Commands.Count > 0;
    }

    private uint Color(int? track, int @class)
    {
        if (_single is { } single) return single;
        var key = _options.ColorBy == ColorBy.Track && track is { } id ? id : @class;
        return Palette[(int)((uint)key % Palette.Length)];
    }

    private string? Label(int? track, string? label, float score, string? text)
    {
        var fields = _options.Label;
        if (fields == LabelFields.None) return null;
        _parts.Clear();
        if (fields.HasFlag(LabelFields.Track) && track is { } id) _parts.Add(string.Create(CultureInfo.InvariantCulture, $"#{id}"));
        if (fields.HasFlag(LabelFields.Label) && label is not null) _parts.Add(label);
        if (fields.HasFlag(LabelFields.Text) && text is not null) _parts.Add(text);
        if (fields.HasFlag(LabelFields.Score)) _parts.Add(score.ToString("0.00", CultureInfo.InvariantCulture));
        return _parts.Count == 0 ? null : string.Join(" ", _parts);
    }

    private void Add(BoxF32 box, IReadOnlyList<PointF32>? polygon, uint color, string? label)
    {
        var half = _options.LineWidth / 2f;
        var radius = Q(half);
        var fillAlpha = (uint)Math.Round(_options.FillOpacity * 255);
        if (polygon is { Count: >= 3 and <= 8 } && _options.Polygons)
        {
            var p = new PolygonCommand { Count = polygon.Count, Radius = radius };
            for (var i = 0; i < polygon.Count; i++)
            {
                var next = polygon[(i + 1) % polygon.Count];
                long dx = Q(next.X) - Q(polygon[i].X), dy = Q(next.Y) - Q(polygon[i].Y);
                p.Set(i, Q(polygon[i].X), Q(polygon[i].Y), radius * DrawMath.IntSqrt(dx * dx + dy * dy));
            }
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue;
            for (var i = 0; i < polygon.Count; i++)
            {
                x0 = Math.Min(x0, p.X(i)); x1 = Math.Max(x1, p.X(i));
                y0 = Math.Min(y0, p.Y(i)); y1 = Math.Max(y1, p.Y(i));
            }
            if (fillAlpha > 0)
            {
                var fill = p;
                fill.Fill = 1;
                fill.Color = (color & 0xFFFFFF) | (fillAlpha << 24);
                AddPolygon(fill, x0, y0, x1, y1);
            }
            p.Color = color;
            AddPolygon(p, x0 - radius, y0 - radius, x1 + radius, y1 + radius);
        }
        else
        {
            int bx0 = Q(box.X), by0 = Q(box.Y), bx1 = Q(box.X + box.Width), by1 = Q(box.Y + box.Height);
            if (fillAlpha > 0)
                AddRect(new RectCommand { X0 = bx0, Y0 = by0, X1 = bx1, Y1 = by1, Color = (color & 0xFFFFFF) | (fillAlpha << 24) });
            AddRect(new RectCommand
            {
                X0 = bx0 - radius, Y0 = by0 - radius, X1 = bx1 + radius, Y1 = by1 + radius,
                IX0 = bx0 + radius, IY0 = by0 + radius, IX1 = bx1 - radius, IY1 = by1 - radius, Color = color,
            });
        }
        if (label is not null) AddLabel(box, half, color, label);
    }

    private void AddLabel(BoxF32 box, float half, uint color, string label)
    {
        var metrics = _font.Metrics;
        var pad = MathF.Max(2, (float)_options.FontSize / 8);
        var width = _font.MeasureText(label) + 2 * pad;
        var height = metrics.Descent - metrics.Ascent + 2 * pad;
        var left = MathF.Min(box.X - half, _width - width);
        var top = box.Y - half - height;
        if (top < 0) top = box.Y + half; // no room above: inside the box's top edge
        left = MathF.Max(0, left);
        AddRect(new RectCommand { X0 = Q(left), Y0 = Q(top), X1 = Q(left + width), Y1 = Q(top + height), Color = color });

        int r = (int)(color & 0xFF), g = (int)((color >> 8) & 0xFF), b = (int)((color >> 16) & 0xFF);
        var ink = 0.299 * r + 0.587 * g + 0.114 * b > 140 ? Black : White;
        var count = _font.CountGlyphs(label);
        if (_glyphs.Length < count)
        {
            _glyphs = new ushort[count * 2];
            _positions = new SKPoint[count * 2];
        }
        var glyphs = _glyphs.AsSpan(0, count);
        _font.GetGlyphs(label, glyphs);
        var positions = _positions.AsSpan(0, count);
        _font.GetGlyphPositions(glyphs, positions);
        var origin = (X: (int)MathF.Round(left + pad), Y: (int)MathF.Round(top + pad - metrics.Ascent));
        for (var start = 0; start < count; start += 8)
        {
            var c = new GlyphCommand { OriginX = origin.X, OriginY = origin.Y, Color = ink };
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = int.MinValue, y1 = int.MinValue;
            for (var i = start; i < Math.Min(count, start + 8); i++)
            {
                var slot = Atlas.SlotOf(glyphs[i]);
                var pen = (int)MathF.Round(positions[i].X);
                var (w, h, gl, gt) = Atlas.Size(slot);
                if (w == 0 || h == 0) continue;
                c.Set(c.Count++, slot, pen);
                x0 = Math.Min(x0, origin.X + pen + gl); x1 = Math.Max(x1, origin.X + pen + gl + w);
                y0 = Math.Min(y0, origin.Y + gt); y1 = Math.Max(y1, origin.Y + gt + h);
            }
            if (c.Count == 0) continue;
            AddCommand(new DrawCommand { Kind = DrawCommand.Kinds.Glyphs, Glyphs = c }, x0, y0, x1, y1);
        }
    }

    private void AddRect(RectCommand rect)
        => AddCommand(new DrawCommand { Kind = DrawCommand.Kinds.Rect, Rect = rect }, Floor(rect.X0), Floor(rect.Y0), Ceil(rect.X1), Ceil(rect.Y1));

    private void AddPolygon(PolygonCommand polygon, int x0, int y0, int x1, int y1)
        => AddCommand(new DrawCommand { Kind = DrawCommand.Kinds.Polygon, Polygon = polygon }, Floor(x0), Floor(y0), Ceil(x1) + 1, Ceil(y1) + 1);

    /// <summary>Adds a command touching pixels [x0, x1) × [y0, y1), clipped to the frame; dropped when nothing is left.</summary>
    private void AddCommand(DrawCommand command, int x0, int y0, int x1, int y1)
    {
        x0 = Math.Max(0, x0); y0 = Math.Max(0, y0);
        x1 = Math.Min(_width, x1); y1 = Math.Min(_height, y1);
        if (x1 <= x0 || y1 <= y0) return;
        (command.Left, command.Top, command.Right, command.Bottom) = (x0, y0, x1, y1);
        (command.Rect.Left, command.Rect.Top) = (x0, y0);
        (command.Polygon.Left, command.Polygon.Top) = (x0, y0);
        (command.Glyphs.Left, command.Glyphs.Top) = (x0, y0);
        Commands.Add(command);
        // The painted rectangle (cleared, then blended) starts and ends on even pixels, so every subsampled chroma
        // sample it touches reads only layer pixels cleared for this frame.
        var p = Painted;
        Painted = (Math.Min(p.Left, x0 & ~1), Math.Min(p.Top, y0 & ~1),
            Math.Max(p.Right, Math.Min(_width, (x1 + 1) & ~1)), Math.Max(p.Bottom, Math.Min(_height, (y1 + 1) & ~1)));
    }

    private static int Q(float v) => (int)MathF.Round(v * 256);
    private static int Floor(int q) => q >> 8;
    private static int Ceil(int q) => (q + 255) >> 8;
    private static uint Rgb(byte r, byte g, byte b) => r | ((uint)g << 8) | ((uint)b << 16) | 0xFF000000;

    public void Dispose()
    {
        Atlas.Dispose();
        _font.Dispose();
        _typeface.Dispose();
    }
}
