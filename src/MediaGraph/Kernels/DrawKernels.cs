using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// The annotation kernels of DrawDetections on device frames, and (in <see cref="DrawMath"/>) the per-pixel
/// arithmetic its CPU twin runs too, so both give the same picture bit for bit. Drawing happens in two steps, as on
/// the host: the annotations are painted, in order, into a premultiplied RGBA layer (one <c>uint</c> per pixel, R in
/// the low byte) by one launch per primitive over its bounding rectangle — an axis-aligned rectangle or a rectangle
/// outline (exact area coverage, 1/256 pixel geometry), a polygon's stroke or fill (4×4 samples per pixel, integer
/// tests) or up to eight glyphs of a label (coverage from the glyph atlas that Skia rasterised once on the host) —
/// each composited with the "over" operator in 8-bit integers; then the layer's painted rectangle is blended into
/// the frame's YUV planes with the frame's matrix and range in fixed point (<see cref="BlendParams"/>). No float
/// touches a pixel, so a GPU's fused multiply-adds cannot make the two paths differ.
/// </summary>
public static class DrawKernels
{
    /// <summary>Clears the layer's rectangle at (<paramref name="left"/>, <paramref name="top"/>) (launched over its size).</summary>
    public static void Clear(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, int left, int top)
        => layer[left + p.X, top + p.Y] = 0;

    /// <summary>Paints a rectangle or rectangle outline (<see cref="RectCommand"/>) into the layer, launched over
    /// the command's pixel rectangle.</summary>
    public static void Rect(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, RectCommand c)
    {
        int x = c.Left + p.X, y = c.Top + p.Y;
        var coverage = DrawMath.RectCoverage(x, y, c);
        if (coverage != 0) layer[x, y] = DrawMath.Over(layer[x, y], c.Color, coverage);
    }

    /// <summary>Paints a polygon's stroke or fill (<see cref="PolygonCommand"/>) into the layer, launched over the
    /// command's pixel rectangle.</summary>
    public static void Polygon(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, PolygonCommand c)
    {
        int x = c.Left + p.X, y = c.Top + p.Y;
        var coverage = DrawMath.PolygonCoverage(x, y, c);
        if (coverage != 0) layer[x, y] = DrawMath.Over(layer[x, y], c.Color, coverage);
    }

    /// <summary>Paints up to eight glyphs of a label (<see cref="GlyphCommand"/>) into the layer, one after the other
    /// as Skia draws a string, launched over the command's pixel rectangle. <paramref name="atlas"/> holds the glyphs'
    /// 8-bit coverage, <paramref name="table"/> five ints per glyph slot (offset, width, height, left, top).</summary>
    public static void Glyphs(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, ArrayView<byte> atlas, ArrayView<int> table, GlyphCommand c)
    {
        int x = c.Left + p.X, y = c.Top + p.Y;
        var value = layer[x, y];
        var before = value;
        for (var i = 0; i < c.Count; i++)
        {
            var slot = c.Slot(i) * DrawMath.TableInts;
            int width = table[slot + 1], height = table[slot + 2];
            var gx = x - (c.OriginX + c.Pen(i) + table[slot + 3]);
            var gy = y - (c.OriginY + table[slot + 4]);
            if (gx < 0 || gy < 0 || gx >= width || gy >= height) continue;
            int coverage = atlas[table[slot] + gy * width + gx];
            if (coverage != 0) value = DrawMath.Over(value, c.Color, coverage);
        }
        if (value != before) layer[x, y] = value;
    }

    /// <summary>Blends the layer into the luma plane over the rectangle at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static void BlendLuma(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, ArrayView2D<byte, Stride2D.DenseX> luma, int left, int top, BlendParams b)
    {
        int x = left + p.X, y = top + p.Y;
        var px = layer[x, y];
        if (px >> 24 == 0) return;
        luma[x, y] = (byte)DrawMath.BlendLuma(luma[x, y], px, b);
    }

    /// <summary>Blends the layer into the chroma planes over the chroma rectangle at (<paramref name="left"/>,
    /// <paramref name="top"/>): each chroma sample takes the layer summed over the luma pixels it covers. Planar
    /// (<paramref name="u"/> and <paramref name="v"/> two planes, step 1) or NV12 (one plane twice, step 2, Cr at +1).</summary>
    public static void BlendChroma(Index2D p, ArrayView2D<uint, Stride2D.DenseX> layer, ArrayView2D<byte, Stride2D.DenseX> u,
        ArrayView2D<byte, Stride2D.DenseX> v, int left, int top, BlendParams b)
    {
        int cx = left + p.X, cy = top + p.Y;
        int sa = 0, sr = 0, sg = 0, sb = 0, n = 0;
        var y1 = IntrinsicMath.Min((cy + 1) << b.SubY, b.Height);
        var x1 = IntrinsicMath.Min((cx + 1) << b.SubX, b.Width);
        for (var yy = cy << b.SubY; yy < y1; yy++)
            for (var xx = cx << b.SubX; xx < x1; xx++)
            {
                var px = layer[xx, yy];
                sr += (int)(px & 0xFF); sg += (int)((px >> 8) & 0xFF); sb += (int)((px >> 16) & 0xFF); sa += (int)(px >> 24);
                n++;
            }
        if (sa == 0) return;
        var ui = cx * b.Step;
        var vi = ui + b.Step - 1;
        u[ui, cy] = (byte)DrawMath.BlendChroma(u[ui, cy], sa, sr, sg, sb, n, b, false);
        v[vi, cy] = (byte)DrawMath.BlendChroma(v[vi, cy], sa, sr, sg, sb, n, b, true);
    }
}

/// <summary>A rectangle (or the outline between an outer and an inner rectangle) in 1/256 pixels, in a straight
/// colour with alpha; <see cref="Left"/>/<see cref="Top"/> is where the launch starts.</summary>
public struct RectCommand
{
    /// <summary>The first pixel of the launch.</summary>
    public int Left, Top;
    /// <summary>The outer rectangle, 1/256 pixels (right and bottom exclusive).</summary>
    public int X0, Y0, X1, Y1;
    /// <summary>The hole (an outline's inside), 1/256 pixels; empty when <see cref="IX1"/> ≤ <see cref="IX0"/>.</summary>
    public int IX0, IY0, IX1, IY1;
    /// <summary>Straight RGBA, R in the low byte.</summary>
    public uint Color;
}

/// <summary>A polygon of up to eight vertices (1/256 pixels): its outline stroked with round joins of
/// <see cref="Radius"/>, or (with <see cref="Fill"/>) its inside by the even-odd rule.</summary>
public struct PolygonCommand
{
    /// <summary>The first pixel of the launch.</summary>
    public int Left, Top;
    /// <summary>How many vertices (3 to 8).</summary>
    public int Count;
    /// <summary>1: fill; 0: stroke.</summary>
    public int Fill;
    /// <summary>Half the line width, 1/256 pixels.</summary>
    public int Radius;
    /// <summary>The vertices, 1/256 pixels.</summary>
    public int X0, Y0, X1, Y1, X2, Y2, X3, Y3, X4, Y4, X5, Y5, X6, Y6, X7, Y7;
    /// <summary>Radius × ⌊|edge i|⌋ (1/65536 pixels²) of each edge, computed once on the host.</summary>
    public long L0, L1, L2, L3, L4, L5, L6, L7;
    /// <summary>Straight RGBA, R in the low byte.</summary>
    public uint Color;

    /// <summary>Vertex <paramref name="i"/> (0 to 7).</summary>
    public readonly int X(int i) => i switch { 0 => X0, 1 => X1, 2 => X2, 3 => X3, 4 => X4, 5 => X5, 6 => X6, _ => X7 };
    /// <inheritdoc cref="X"/>
    public readonly int Y(int i) => i switch { 0 => Y0, 1 => Y1, 2 => Y2, 3 => Y3, 4 => Y4, 5 => Y5, 6 => Y6, _ => Y7 };
    /// <summary>Radius × ⌊|edge i|⌋ of edge <paramref name="i"/> (from vertex i to the next).</summary>
    public readonly long L(int i) => i switch { 0 => L0, 1 => L1, 2 => L2, 3 => L3, 4 => L4, 5 => L5, 6 => L6, _ => L7 };

    /// <summary>Sets vertex <paramref name="i"/>.</summary>
    public void Set(int i, int x, int y, long l)
    {
        switch (i)
        {
            case 0: (X0, Y0, L0) = (x, y, l); break;
            case 1: (X1, Y1, L1) = (x, y, l); break;
            case 2: (X2, Y2, L2) = (x, y, l); break;
            case 3: (X3, Y3, L3) = (x, y, l); break;
            case 4: (X4, Y4, L4) = (x, y, l); break;
            case 5: (X5, Y5, L5) = (x, y, l); break;
            case 6: (X6, Y6, L6) = (x, y, l); break;
            default: (X7, Y7, L7) = (x, y, l); break;
        }
    }
}

/// <summary>Up to eight glyphs of a label: atlas slots and pen offsets (whole pixels from the label's origin), drawn
/// in a straight colour; the origin is the pen's start on the baseline.</summary>
public struct GlyphCommand
{
    /// <summary>The first pixel of the launch.</summary>
    public int Left, Top;
    /// <summary>The pen's start and the baseline.</summary>
    public int OriginX, OriginY;
    /// <summary>How many glyphs (1 to 8).</summary>
    public int Count;
    /// <summary>Atlas slots of the glyphs.</summary>
    public int S0, S1, S2, S3, S4, S5, S6, S7;
    /// <summary>Pen offsets of the glyphs from <see cref="OriginX"/>.</summary>
    public int P0, P1, P2, P3, P4, P5, P6, P7;
    /// <summary>Straight RGBA, R in the low byte.</summary>
    public uint Color;

    /// <summary>The atlas slot of glyph <paramref name="i"/>.</summary>
    public readonly int Slot(int i) => i switch { 0 => S0, 1 => S1, 2 => S2, 3 => S3, 4 => S4, 5 => S5, 6 => S6, _ => S7 };
    /// <summary>The pen offset of glyph <paramref name="i"/>.</summary>
    public readonly int Pen(int i) => i switch { 0 => P0, 1 => P1, 2 => P2, 3 => P3, 4 => P4, 5 => P5, 6 => P6, _ => P7 };

    /// <summary>Sets glyph <paramref name="i"/>.</summary>
    public void Set(int i, int slot, int pen)
    {
        switch (i)
        {
            case 0: (S0, P0) = (slot, pen); break;
            case 1: (S1, P1) = (slot, pen); break;
            case 2: (S2, P2) = (slot, pen); break;
            case 3: (S3, P3) = (slot, pen); break;
            case 4: (S4, P4) = (slot, pen); break;
            case 5: (S5, P5) = (slot, pen); break;
            case 6: (S6, P6) = (slot, pen); break;
            default: (S7, P7) = (slot, pen); break;
        }
    }
}

/// <summary>How the layer goes into YUV: the matrix's coefficients in 1/65536 (luma R, G, B; Cb and Cr per R, G,
/// B, each set summing to 65536 or 0 so grey stays grey), the range, the chroma subsampling and the frame's size.</summary>
public struct BlendParams
{
    /// <summary>Luma weights of R, G, B (sum 65536).</summary>
    public int KR, KG, KB;
    /// <summary>Cb weights of R, G, B (sum 0).</summary>
    public int UR, UG, UB;
    /// <summary>Cr weights of R, G, B (sum 0).</summary>
    public int VR, VG, VB;
    /// <summary>Black's luma (16 limited, 0 full) and the luma and chroma scales (219 and 224 limited, 255 full).</summary>
    public int YOffset, YScale, CScale;
    /// <summary>log2 of the chroma subsampling.</summary>
    public int SubX, SubY;
    /// <summary>Bytes between chroma samples of one plane (2 for NV12).</summary>
    public int Step;
    /// <summary>The frame's size in luma pixels.</summary>
    public int Width, Height;

    /// <summary>The parameters for a BT.709 (<paramref name="bt709"/>) or BT.601 matrix, full or limited range.</summary>
    public static BlendParams For(bool bt709, bool full, int subX, int subY, int step, int width, int height)
    {
        var (kr, kb) = bt709 ? (0.2126, 0.0722) : (0.299, 0.114);
        var kg = 1 - kr - kb;
        int KR = Q(kr), KB = Q(kb);
        int UR = Q(-kr / (2 * (1 - kb))), UG = Q(-kg / (2 * (1 - kb)));
        int VG = Q(-kg / (2 * (1 - kr))), VB = Q(-kb / (2 * (1 - kr)));
        return new BlendParams
        {
            KR = KR, KG = 65536 - KR - KB, KB = KB,
            UR = UR, UG = UG, UB = -UR - UG,
            VR = -VG - VB, VG = VG, VB = VB,
            YOffset = full ? 0 : 16, YScale = full ? 255 : 219, CScale = full ? 255 : 224,
            SubX = subX, SubY = subY, Step = step, Width = width, Height = height,
        };

        static int Q(double v) => (int)Math.Round(v * 65536);
    }
}

/// <summary>The per-pixel arithmetic shared by <see cref="DrawKernels"/> and the CPU twin (integers only).</summary>
public static class DrawMath
{
    /// <summary>Ints per glyph slot in the atlas table: offset, width, height, left, top.</summary>
    public const int TableInts = 5;

    /// <summary>Composites <paramref name="color"/> (straight RGBA) at <paramref name="coverage"/>/255 over the
    /// premultiplied <paramref name="dst"/>.</summary>
    public static uint Over(uint dst, uint color, int coverage)
    {
        var sa = ((int)(color >> 24) * coverage + 127) / 255;
        if (sa == 0) return dst;
        var keep = 255 - sa;
        var r = Channel((int)(color & 0xFF), (int)(dst & 0xFF), sa, keep);
        var g = Channel((int)((color >> 8) & 0xFF), (int)((dst >> 8) & 0xFF), sa, keep);
        var b = Channel((int)((color >> 16) & 0xFF), (int)((dst >> 16) & 0xFF), sa, keep);
        var a = IntrinsicMath.Min(255, sa + ((int)(dst >> 24) * keep + 127) / 255);
        return (uint)r | ((uint)g << 8) | ((uint)b << 16) | ((uint)a << 24);
    }

    private static int Channel(int color, int dst, int sa, int keep) => IntrinsicMath.Min(255, (color * sa + 127) / 255 + (dst * keep + 127) / 255);

    /// <summary>0–255: how much of pixel (<paramref name="x"/>, <paramref name="y"/>) the command's outer
    /// rectangle covers outside its hole (exact area).</summary>
    public static int RectCoverage(int x, int y, RectCommand c)
    {
        var area = Overlap(x, y, c.X0, c.Y0, c.X1, c.Y1);
        if (c.IX1 > c.IX0 && c.IY1 > c.IY0) area -= Overlap(x, y, c.IX0, c.IY0, c.IX1, c.IY1);
        return (area * 255 + 32768) >> 16;
    }

    private static int Overlap(int x, int y, int x0, int y0, int x1, int y1)
    {
        var ox = IntrinsicMath.Clamp(IntrinsicMath.Min(x1, (x + 1) << 8) - IntrinsicMath.Max(x0, x << 8), 0, 256);
        var oy = IntrinsicMath.Clamp(IntrinsicMath.Min(y1, (y + 1) << 8) - IntrinsicMath.Max(y0, y << 8), 0, 256);
        return ox * oy;
    }

    /// <summary>0–255: the share of the pixel's 4×4 samples inside the polygon's stroke or fill.</summary>
    public static int PolygonCoverage(int x, int y, PolygonCommand c)
    {
        var r = c.Radius;
        int px0 = x << 8, py0 = y << 8;
        // Edges whose stroke cannot reach the pixel are skipped (an exact test, the same on both paths).
        var near = 0;
        for (var i = 0; i < c.Count; i++)
        {
            var j = i + 1 == c.Count ? 0 : i + 1;
            int ax = c.X(i), ay = c.Y(i), bx = c.X(j), by = c.Y(j);
            if (c.Fill != 0 || (IntrinsicMath.Max(ax, bx) + r >= px0 && IntrinsicMath.Min(ax, bx) - r <= px0 + 256 &&
                IntrinsicMath.Max(ay, by) + r >= py0 && IntrinsicMath.Min(ay, by) - r <= py0 + 256))
                near |= 1 << i;
        }
        if (near == 0) return 0;
        var inside = 0;
        for (var sy = 0; sy < 4; sy++)
            for (var sx = 0; sx < 4; sx++)
            {
                var qx = px0 + 32 + 64 * sx;
                var qy = py0 + 32 + 64 * sy;
                if (c.Fill != 0 ? InsideFill(qx, qy, c) : InsideStroke(qx, qy, c, near)) inside++;
            }
        return (inside * 255 + 8) / 16;
    }

    private static bool InsideStroke(int qx, int qy, PolygonCommand c, int near)
    {
        long r = c.Radius;
        for (var i = 0; i < c.Count; i++)
        {
            if ((near & (1 << i)) == 0) continue;
            var j = i + 1 == c.Count ? 0 : i + 1;
            long ax = c.X(i), ay = c.Y(i);
            long dx = c.X(j) - ax, dy = c.Y(j) - ay, vx = qx - ax, vy = qy - ay;
            if (vx * vx + vy * vy <= r * r) return true; // the round join at vertex i
            var dot = dx * vx + dy * vy;
            if (dot < 0 || dot > dx * dx + dy * dy) continue;
            var cross = dx * vy - dy * vx;
            if (cross < 0) cross = -cross;
            if (cross <= c.L(i)) return true;
        }
        return false;
    }

    private static bool InsideFill(int qx, int qy, PolygonCommand c)
    {
        var inside = false;
        for (var i = 0; i < c.Count; i++)
        {
            var j = i + 1 == c.Count ? 0 : i + 1;
            long ax = c.X(i), ay = c.Y(i), bx = c.X(j), by = c.Y(j);
            if ((ay > qy) == (by > qy)) continue;
            // qx left of the edge's crossing at qy: (qx − ax)(by − ay) < (qy − ay)(bx − ax), flipped when by < ay
            var lhs = (qx - ax) * (by - ay);
            var rhs = (qy - ay) * (bx - ax);
            if (by > ay ? lhs < rhs : lhs > rhs) inside = !inside;
        }
        return inside;
    }

    /// <summary>⌊√<paramref name="value"/>⌋ in integers (the same on every machine).</summary>
    public static long IntSqrt(long value)
    {
        if (value <= 0) return 0;
        var x = (long)Math.Sqrt(value);
        while (x * x > value) x--;
        while ((x + 1) * (x + 1) <= value) x++;
        return x;
    }

    /// <summary>A luma sample after the premultiplied layer pixel <paramref name="px"/> went over it.</summary>
    public static int BlendLuma(int d, uint px, BlendParams b)
    {
        long a = px >> 24, r = px & 0xFF, g = (px >> 8) & 0xFF, bl = (px >> 16) & 0xFF;
        // d·(1 − a) + a·offset + scale·y', in 1/(255·65536)
        var n = d * (255 - a) * 65536 + a * b.YOffset * 65536 + b.YScale * (b.KR * r + b.KG * g + b.KB * bl);
        return Round(n, 255L * 65536);
    }

    /// <summary>A Cb (or, with <paramref name="cr"/>, Cr) sample after the layer, summed over its
    /// <paramref name="n"/> luma pixels (alpha <paramref name="sa"/>, premultiplied colour), went over it.</summary>
    public static int BlendChroma(int d, int sa, int sr, int sg, int sb, int n, BlendParams b, bool cr)
    {
        long w = cr ? (long)b.VR * sr + (long)b.VG * sg + (long)b.VB * sb : (long)b.UR * sr + (long)b.UG * sg + (long)b.UB * sb;
        var n255 = 255L * n;
        var num = d * (n255 - sa) * 65536 + sa * 128L * 65536 + b.CScale * w;
        return Round(num, n255 * 65536);
    }

    /// <summary>numerator / denominator rounded half away from zero, clamped to 0–255.</summary>
    private static int Round(long numerator, long denominator)
    {
        var q = numerator >= 0 ? (numerator + denominator / 2) / denominator : -((-numerator + denominator / 2) / denominator);
        return (int)IntrinsicMath.Clamp(q, 0L, 255L);
    }
}
