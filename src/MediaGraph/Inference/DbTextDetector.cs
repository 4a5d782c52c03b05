using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// PP-OCR's DB text-detection post-processing, with PaddleOCR's defaults: the probability map is binarised at
/// <see cref="Threshold"/> (0.3); each connected region becomes its minimum-area rectangle; regions whose mean
/// probability is under <see cref="BoxThreshold"/> (0.6) or whose short side is under <see cref="MinSize"/> (3) are
/// dropped; the rest are grown by <see cref="UnclipRatio"/> (1.5: by area × ratio / perimeter on every side, as
/// pyclipper's offset of a rectangle) and mapped back to the frame. Result: <see cref="TextDetections"/> in reading
/// order.
/// </summary>
public sealed class DbTextDetector : PostProcessor
{
    public float Threshold { get; init; } = 0.3f;
    public float BoxThreshold { get; init; } = 0.6f;
    public float UnclipRatio { get; init; } = 1.5f;
    public int MinSize { get; init; } = 3;
    /// <summary>At most this many regions per image (PaddleOCR's max_candidates).</summary>
    public int MaxCandidates { get; init; } = 1000;

    /// <inheritdoc />
    public override string? Validate(IReadOnlyDictionary<string, NodeMetadata> outputs)
    {
        var (name, output) = outputs.First();
        return output.Dimensions.Length == 4 && output.Dimensions[1] is 1 or -1
            ? null
            : $"output '{name}' has rank {output.Dimensions.Length}; a DB text detector gives a [batch, 1, height, width] probability map";
    }

    /// <inheritdoc />
    public override object Process(ModelOutputs outputs, Letterbox box)
    {
        var shape = outputs.Shape(0);
        int h = (int)shape[2], w = (int)shape[3];
        var map = outputs.Image(0);
        var regions = Detect(map, w, h, box);
        return new TextDetections(ReadingOrder.Sort(regions, r => r.Polygon));
    }

    /// <summary>The regions of a <paramref name="width"/>×<paramref name="height"/> probability map.</summary>
    internal List<TextRegion> Detect(ReadOnlySpan<float> map, int width, int height, Letterbox box)
    {
        // The label map is as large as the probability map (a megabyte at 640x384): rented, so a stream of frames
        // does not allocate one per frame.
        var labels = System.Buffers.ArrayPool<int>.Shared.Rent(width * height);
        Array.Clear(labels, 0, width * height);
        try
        {
            return Detect(map, width, height, box, labels);
        }
        finally
        {
            System.Buffers.ArrayPool<int>.Shared.Return(labels);
        }
    }

    private List<TextRegion> Detect(ReadOnlySpan<float> map, int width, int height, Letterbox box, int[] labels)
    {
        var regions = new List<TextRegion>();
        var stack = new Stack<int>();
        var points = new List<(int X, int Y)>();
        var next = 0;
        // Only the part of the map that holds the frame (the rest is padding).
        int usedW = Math.Min(width, box.ScaledWidth), usedH = Math.Min(height, box.ScaledHeight);
        var threshold = new System.Numerics.Vector<float>(Threshold);
        var lanes = System.Numerics.Vector<float>.Count;
        for (var sy = 0; sy < usedH && regions.Count < MaxCandidates; sy++)
        {
            var row = map.Slice(sy * width, usedW);
            for (var sx = 0; sx < usedW && regions.Count < MaxCandidates; sx++)
            {
                // Most of a frame is not text: skip whole vectors below the threshold.
                if (System.Numerics.Vector.IsHardwareAccelerated && sx + lanes <= usedW
                    && !System.Numerics.Vector.GreaterThanAny(new System.Numerics.Vector<float>(row[sx..]), threshold))
                {
                    sx += lanes - 1;
                    continue;
                }
                var start = sy * width + sx;
                if (labels[start] != 0 || map[start] <= Threshold) continue;
                next++;
                points.Clear();
                labels[start] = next;
                stack.Push(start);
                while (stack.Count > 0)
                {
                    var p = stack.Pop();
                    int x = p % width, y = p / width;
                    points.Add((x, y));
                    for (var dy = -1; dy <= 1; dy++)
                        for (var dx = -1; dx <= 1; dx++)
                        {
                            int nx = x + dx, ny = y + dy;
                            if (nx < 0 || ny < 0 || nx >= usedW || ny >= usedH) continue;
                            var q = ny * width + nx;
                            if (labels[q] != 0 || map[q] <= Threshold) continue;
                            labels[q] = next;
                            stack.Push(q);
                        }
                }
                if (Region(map, width, box, points) is { } region) regions.Add(region);
            }
        }
        return regions;
    }

    /// <summary>The text region of one connected component, or null when it is too small or too weak.</summary>
    private TextRegion? Region(ReadOnlySpan<float> map, int width, Letterbox box, List<(int X, int Y)> points)
    {
        if (points.Count < 4) return null;
        var rect = Geometry.MinAreaRect(Geometry.ConvexHull(points));
        if (Math.Min(rect.Width, rect.Height) < MinSize) return null;
        var score = MeanInside(map, width, rect);
        if (score < BoxThreshold) return null;
        var area = rect.Width * rect.Height;
        var distance = area * UnclipRatio / (2 * (rect.Width + rect.Height));
        var grown = rect with { Width = rect.Width + 2 * distance, Height = rect.Height + 2 * distance };
        if (Math.Min(grown.Width, grown.Height) < MinSize + 2) return null;
        var corners = grown.Corners();
        var polygon = new PointF32[4];
        // Corners are in pixel-centre coordinates of the map; frames use pixel edges (a box over pixels 10..49
        // starts at 10 and is 40 wide), so half a pixel goes on before scaling back.
        for (var i = 0; i < 4; i++) polygon[i] = box.ToFrame(corners[i].X + 0.5f, corners[i].Y + 0.5f);
        return new TextRegion(polygon, score);
    }

    /// <summary>The mean probability inside the rectangle (PaddleOCR's "fast" box score).</summary>
    private static float MeanInside(ReadOnlySpan<float> map, int width, RotatedRect rect)
    {
        var c = rect.Corners();
        var height = map.Length / width;
        int x0 = Math.Max(0, (int)Math.Floor(c.Min(p => p.X))), x1 = Math.Min(width - 1, (int)Math.Ceiling(c.Max(p => p.X)));
        int y0 = Math.Max(0, (int)Math.Floor(c.Min(p => p.Y))), y1 = Math.Min(height - 1, (int)Math.Ceiling(c.Max(p => p.Y)));
        double sum = 0;
        var n = 0;
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
                if (Geometry.InsideConvex(c, x, y)) { sum += map[y * width + x]; n++; }
        return n == 0 ? 0 : (float)(sum / n);
    }
}

/// <summary>A rectangle at an angle: centre, side lengths and the direction of the width side (radians).</summary>
internal readonly record struct RotatedRect(float CenterX, float CenterY, float Width, float Height, float Angle)
{
    /// <summary>The corners clockwise (image coordinates, y down) from the top-left one.</summary>
    public PointF32[] Corners()
    {
        float ux = MathF.Cos(Angle), uy = MathF.Sin(Angle); // along the width
        float vx = -uy, vy = ux;                             // along the height
        float hw = Width / 2, hh = Height / 2;
        PointF32[] p =
        [
            new(CenterX - ux * hw - vx * hh, CenterY - uy * hw - vy * hh),
            new(CenterX + ux * hw - vx * hh, CenterY + uy * hw - vy * hh),
            new(CenterX + ux * hw + vx * hh, CenterY + uy * hw + vy * hh),
            new(CenterX - ux * hw + vx * hh, CenterY - uy * hw + vy * hh),
        ];
        return Geometry.OrderClockwiseFromTopLeft(p);
    }
}

/// <summary>The plane geometry the text detector needs: convex hull, minimum-area rectangle, point in polygon,
/// corner order.</summary>
internal static class Geometry
{
    /// <summary>Andrew's monotone chain over pixel centres; counter-clockwise in image coordinates.</summary>
    public static List<PointF32> ConvexHull(List<(int X, int Y)> points)
    {
        var sorted = points.Distinct().OrderBy(p => p.X).ThenBy(p => p.Y).ToArray();
        if (sorted.Length < 3) return sorted.Select(p => new PointF32(p.X, p.Y)).ToList();
        var hull = new List<(int X, int Y)>(sorted.Length * 2);
        static long Cross((int X, int Y) o, (int X, int Y) a, (int X, int Y) b) => (long)(a.X - o.X) * (b.Y - o.Y) - (long)(a.Y - o.Y) * (b.X - o.X);
        foreach (var p in sorted)
        {
            while (hull.Count >= 2 && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
            hull.Add(p);
        }
        var lower = hull.Count + 1;
        for (var i = sorted.Length - 2; i >= 0; i--)
        {
            var p = sorted[i];
            while (hull.Count >= lower && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
            hull.Add(p);
        }
        hull.RemoveAt(hull.Count - 1);
        return hull.Select(p => new PointF32(p.X, p.Y)).ToList();
    }

    /// <summary>The smallest-area rectangle holding a convex polygon (rotating calipers: one side lies on a hull edge).</summary>
    public static RotatedRect MinAreaRect(List<PointF32> hull)
    {
        if (hull.Count == 0) return default;
        if (hull.Count == 1) return new RotatedRect(hull[0].X, hull[0].Y, 0, 0, 0);
        var best = new RotatedRect(0, 0, float.MaxValue, float.MaxValue, 0);
        var bestArea = double.MaxValue;
        for (var i = 0; i < hull.Count; i++)
        {
            var a = hull[i];
            var b = hull[(i + 1) % hull.Count];
            double ex = b.X - a.X, ey = b.Y - a.Y, len = Math.Sqrt(ex * ex + ey * ey);
            if (len == 0) continue;
            ex /= len; ey /= len;
            double minU = double.MaxValue, maxU = double.MinValue, minV = double.MaxValue, maxV = double.MinValue;
            foreach (var p in hull)
            {
                var u = p.X * ex + p.Y * ey;
                var v = -p.X * ey + p.Y * ex;
                minU = Math.Min(minU, u); maxU = Math.Max(maxU, u);
                minV = Math.Min(minV, v); maxV = Math.Max(maxV, v);
            }
            var area = (maxU - minU) * (maxV - minV);
            if (area >= bestArea) continue;
            bestArea = area;
            double cu = (minU + maxU) / 2, cv = (minV + maxV) / 2;
            best = new RotatedRect((float)(cu * ex - cv * ey), (float)(cu * ey + cv * ex), (float)(maxU - minU), (float)(maxV - minV), (float)Math.Atan2(ey, ex));
        }
        // Pixel centres span one pixel less than the pixels they stand for: add the half pixel on each side back.
        best = best with { Width = best.Width + 1, Height = best.Height + 1 };
        // Prefer the description whose width side is the more horizontal one.
        if (MathF.Abs(MathF.Cos(best.Angle)) < MathF.Abs(MathF.Sin(best.Angle)))
            best = best with { Width = best.Height, Height = best.Width, Angle = best.Angle + MathF.PI / 2 };
        return best;
    }

    /// <summary>True when (x, y) lies inside or on the convex polygon <paramref name="c"/> (either winding).</summary>
    public static bool InsideConvex(PointF32[] c, float x, float y)
    {
        var sign = 0;
        for (var i = 0; i < c.Length; i++)
        {
            var a = c[i];
            var b = c[(i + 1) % c.Length];
            var cross = (b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X);
            var s = cross > 1e-4f ? 1 : cross < -1e-4f ? -1 : 0;
            if (s == 0) continue;
            if (sign == 0) sign = s;
            else if (s != sign) return false;
        }
        return true;
    }

    /// <summary>Four corners as top-left, top-right, bottom-right, bottom-left (PaddleOCR's order_points_clockwise).</summary>
    public static PointF32[] OrderClockwiseFromTopLeft(PointF32[] p)
    {
        var byX = p.OrderBy(q => q.X).ThenBy(q => q.Y).ToArray();
        var left = byX[..2].OrderBy(q => q.Y).ToArray();
        var right = byX[2..].OrderBy(q => q.Y).ToArray();
        return [left[0], right[0], right[1], left[1]];
    }
}

/// <summary>PaddleOCR's reading order: by top edge, then left to right for boxes whose tops are within 10 pixels.</summary>
internal static class ReadingOrder
{
    public static List<T> Sort<T>(List<T> items, Func<T, IReadOnlyList<PointF32>> polygon)
    {
        var sorted = items.OrderBy(i => polygon(i)[0].Y).ThenBy(i => polygon(i)[0].X).ToList();
        for (var i = 0; i < sorted.Count - 1; i++)
            for (var j = i; j >= 0; j--)
            {
                var a = polygon(sorted[j])[0];
                var b = polygon(sorted[j + 1])[0];
                if (Math.Abs(b.Y - a.Y) < 10 && b.X < a.X) (sorted[j], sorted[j + 1]) = (sorted[j + 1], sorted[j]);
                else break;
            }
        return sorted;
    }
}
