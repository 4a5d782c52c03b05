using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// yadif ("yet another deinterlacing filter") on one 8-bit plane, with libavfilter's vf_yadif semantics so the result
/// is bit-exact with it: rows of the kept field are copied from the current frame; each row of the other field is
/// the spatial prediction (the best of five edge directions) clamped by the temporal one from the previous and next
/// frames (<c>prev2</c>/<c>next2</c> pick which pair, by field). Rows 1 and h-2 skip the spatial-interlacing check,
/// and the three pixels at each end of a row skip the edge-direction search, as in FFmpeg.
/// <c>step</c> is the distance between horizontal neighbours in elements (2 for NV12's interleaved U,V).
/// Launched over the plane's elements (width × height).
/// </summary>
public static class DeinterlaceKernels
{
    /// <summary>One plane of one output frame (or field).</summary>
    public static void Yadif(
        Index2D p,
        ArrayView2D<byte, Stride2D.DenseX> prev,
        ArrayView2D<byte, Stride2D.DenseX> cur,
        ArrayView2D<byte, Stride2D.DenseX> next,
        ArrayView2D<byte, Stride2D.DenseX> dst,
        YadifParams a)
    {
        int x = p.X, y = p.Y, w = a.Width, h = a.Height, s = a.Step;
        if (((y ^ a.KeepParity) & 1) == 0)
        {
            dst[x, y] = cur[x, y];
            return;
        }
        var up = y > 0 ? y - 1 : y + 1;        // mrefs
        var down = y + 1 < h ? y + 1 : y - 1;  // prefs
        var firstPair = a.FilterParity != 0;   // prev2 = prev, next2 = cur; else prev2 = cur, next2 = next
        int p2 = firstPair ? prev[x, y] : cur[x, y];
        int n2 = firstPair ? cur[x, y] : next[x, y];
        int c = cur[x, up];
        int d = (p2 + n2) >> 1;
        int e = cur[x, down];
        var td0 = IntrinsicMath.Abs(p2 - n2);
        var td1 = (IntrinsicMath.Abs(prev[x, up] - c) + IntrinsicMath.Abs(prev[x, down] - e)) >> 1;
        var td2 = (IntrinsicMath.Abs(next[x, up] - c) + IntrinsicMath.Abs(next[x, down] - e)) >> 1;
        var diff = IntrinsicMath.Max(IntrinsicMath.Max(td0 >> 1, td1), td2);
        var spatialPred = (c + e) >> 1;

        var px = x / s; // pixel index of this element
        if (px >= 3 && px < w - 3)
        {
            var score = IntrinsicMath.Abs(cur[x - s, up] - cur[x - s, down]) + IntrinsicMath.Abs(c - e) + IntrinsicMath.Abs(cur[x + s, up] - cur[x + s, down]) - 1;
            // CHECK(-1) then, only when it won, CHECK(-2); the same to the right.
            var s1 = Score(cur, x, up, down, -1, s);
            if (s1 < score)
            {
                score = s1;
                spatialPred = (cur[x - s, up] + cur[x + s, down]) >> 1;
                var s2 = Score(cur, x, up, down, -2, s);
                if (s2 < score)
                {
                    score = s2;
                    spatialPred = (cur[x - 2 * s, up] + cur[x + 2 * s, down]) >> 1;
                }
            }
            var s3 = Score(cur, x, up, down, 1, s);
            if (s3 < score)
            {
                score = s3;
                spatialPred = (cur[x + s, up] + cur[x - s, down]) >> 1;
                var s4 = Score(cur, x, up, down, 2, s);
                if (s4 < score)
                {
                    spatialPred = (cur[x + 2 * s, up] + cur[x - 2 * s, down]) >> 1;
                }
            }
        }

        if (y != 1 && y + 2 != h)
        {
            var up2 = ClampRow(2 * up - y, h);
            var down2 = ClampRow(2 * down - y, h);
            int b = ((firstPair ? prev[x, up2] : cur[x, up2]) + (firstPair ? cur[x, up2] : next[x, up2])) >> 1;
            int f = ((firstPair ? prev[x, down2] : cur[x, down2]) + (firstPair ? cur[x, down2] : next[x, down2])) >> 1;
            var max = IntrinsicMath.Max(IntrinsicMath.Max(d - e, d - c), IntrinsicMath.Min(b - c, f - e));
            var min = IntrinsicMath.Min(IntrinsicMath.Min(d - e, d - c), IntrinsicMath.Max(b - c, f - e));
            diff = IntrinsicMath.Max(IntrinsicMath.Max(diff, min), -max);
        }
        if (spatialPred > d + diff) spatialPred = d + diff;
        else if (spatialPred < d - diff) spatialPred = d - diff;
        dst[x, y] = (byte)spatialPred;
    }

    private static int Score(ArrayView2D<byte, Stride2D.DenseX> cur, int x, int up, int down, int j, int s)
        => IntrinsicMath.Abs(cur[x + (j - 1) * s, up] - cur[x - (j + 1) * s, down])
         + IntrinsicMath.Abs(cur[x + j * s, up] - cur[x - j * s, down])
         + IntrinsicMath.Abs(cur[x + (j + 1) * s, up] - cur[x - (j - 1) * s, down]);

    private static int ClampRow(int row, int h) => IntrinsicMath.Clamp(row, 0, h - 1);
}

/// <summary>Per-plane arguments of <see cref="DeinterlaceKernels.Yadif"/>.</summary>
public struct YadifParams
{
    /// <summary>Plane width in pixels and height in rows; horizontal neighbour distance in elements.</summary>
    public int Width, Height, Step;
    /// <summary>Rows with <c>(y ^ KeepParity) &amp; 1 == 0</c> are copied (vf_yadif's td->parity).</summary>
    public int KeepParity;
    /// <summary>vf_yadif's filter_line parity (parity ^ tff): 1 pairs prev with cur, 0 pairs cur with next.</summary>
    public int FilterParity;
}
