using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Alpha blending of a prepared overlay picture (planar YUV with alpha, subsampled like the main picture) onto one
/// plane of the main picture, with libavfilter overlay's arithmetic (FFmpeg 5.1, <c>blend_plane</c> for straight
/// alpha on 8-bit YUV): <c>d = ((d·(255 − α) + s·α + 128)·257) &gt;&gt; 16</c>; chroma takes the mean of the alpha
/// samples it covers (four for 4:2:0, two for 4:2:2), except on the last row and column of the overlay's chroma
/// plane, where libavfilter averages fewer. The kernel runs over the whole destination plane and copies what lies
/// outside the overlay, so the output is a new device frame; <see cref="OverlayBlend"/> is its CPU twin, which
/// blends in place over the overlapping rectangle only.
/// </summary>
public static class OverlayKernels
{
    /// <summary>The blend kernel, launched over the destination plane's samples (pixels × <see cref="OverlayPlaneParams.Step"/>, rows).
    /// <paramref name="first"/> and <paramref name="second"/> are the overlay's planes for interleaved channel 0 and
    /// 1 (the same plane when the main plane has one channel; U and V for NV12's chroma).</summary>
    public static void Blend(Index2D p, ArrayView2D<byte, Stride2D.DenseX> main, ArrayView2D<byte, Stride2D.DenseX> dst,
        ArrayView2D<byte, Stride2D.DenseX> first, ArrayView2D<byte, Stride2D.DenseX> second,
        ArrayView2D<byte, Stride2D.DenseX> alpha, OverlayPlaneParams a)
    {
        int d = main[p.X, p.Y];
        var px = p.X / a.Step;
        var k = px - a.X;
        var j = p.Y - a.Y;
        if (k >= 0 && j >= 0 && k < a.Width && j < a.Height)
        {
            int s = p.X - px * a.Step == 0 ? first[k, j] : second[k, j];
            var ax = k << a.HSub;
            var ay = j << a.VSub;
            int a0 = alpha[ax, ay];
            int w;
            if (a.HSub != 0 && a.VSub != 0 && j + 1 < a.Height && k + 1 < a.Width)
                w = (a0 + alpha[ax, ay + 1] + alpha[ax + 1, ay] + alpha[ax + 1, ay + 1]) >> 2;
            else if (a.HSub != 0 || a.VSub != 0)
            {
                var h = a.HSub != 0 && k + 1 < a.Width ? (a0 + alpha[ax + 1, ay]) >> 1 : a0;
                var v = a.VSub != 0 && j + 1 < a.Height ? (a0 + alpha[ax, ay + 1]) >> 1 : a0;
                w = (v + h) >> 1;
            }
            else w = a0;
            d = OverlayBlend.Mix(d, s, w);
        }
        dst[p.X, p.Y] = (byte)d;
    }
}

/// <summary>Where the overlay's plane lies on a main plane, in that plane's samples (see <see cref="OverlayKernels"/>).</summary>
public struct OverlayPlaneParams
{
    /// <summary>The overlay's top-left in the main plane's pixels (x &gt;&gt; hsub, y &gt;&gt; vsub; may be negative).</summary>
    public int X, Y;
    /// <summary>The overlay plane's size in pixels (its width and height rounded up by the subsampling).</summary>
    public int Width, Height;
    /// <summary>Samples per pixel of the main plane (2 for NV12's interleaved chroma, else 1).</summary>
    public int Step;
    /// <summary>log2 of the subsampling between the alpha plane and this plane (0 for luma).</summary>
    public int HSub, VSub;

    /// <summary>The parameters for plane <paramref name="plane"/> of a main picture of subsampling
    /// (<paramref name="hsub"/>, <paramref name="vsub"/>), with the overlay <paramref name="width"/>×<paramref name="height"/> at
    /// (<paramref name="x"/>, <paramref name="y"/>) in luma pixels.</summary>
    public static OverlayPlaneParams For(int plane, int x, int y, int width, int height, int hsub, int vsub, int step)
    {
        var chroma = plane is 1 or 2;
        var hs = chroma ? hsub : 0;
        var vs = chroma ? vsub : 0;
        return new OverlayPlaneParams
        {
            X = x >> hs, Y = y >> vs,
            Width = -((-width) >> hs), Height = -((-height) >> vs),
            Step = step, HSub = hs, VSub = vs,
        };
    }
}

/// <summary>The CPU twin of <see cref="OverlayKernels.Blend"/>: blends in place over the rectangle where the overlay
/// and the main plane overlap; bit-exact with the kernel.</summary>
public static class OverlayBlend
{
    /// <summary>libavfilter's straight-alpha mix of 8-bit samples (FAST_DIV255).</summary>
    public static int Mix(int main, int overlay, int alpha) => (((main * (255 - alpha) + overlay * alpha) + 128) * 257) >> 16;

    /// <summary>Blends one channel of the overlay into a main plane in place: <paramref name="dst"/> is the plane
    /// (<paramref name="dstPitch"/> bytes a row, <paramref name="dstWidth"/>×<paramref name="dstHeight"/> pixels of
    /// <see cref="OverlayPlaneParams.Step"/> samples, this channel at <paramref name="channel"/>), <paramref name="src"/>
    /// the overlay's plane for the channel and <paramref name="alpha"/> its full-size alpha plane.</summary>
    public static void BlendPlane(Span<byte> dst, int dstPitch, int dstWidth, int dstHeight, int channel,
        ReadOnlySpan<byte> src, int srcPitch, ReadOnlySpan<byte> alpha, int alphaPitch, in OverlayPlaneParams a)
    {
        var j0 = Math.Max(-a.Y, 0);
        var j1 = Math.Min(dstHeight - a.Y, a.Height);
        var k0 = Math.Max(-a.X, 0);
        var k1 = Math.Min(dstWidth - a.X, a.Width);
        if (k1 <= k0) return;
        var step = a.Step;
        for (var j = j0; j < j1; j++)
        {
            var d = dst.Slice((a.Y + j) * dstPitch);
            var s = src.Slice(j * srcPitch);
            var ar = alpha.Slice((j << a.VSub) * alphaPitch);
            if (a.HSub == 0 && a.VSub == 0)
            {
                if (step == 1) MixRow(d.Slice(a.X + k0, k1 - k0), s.Slice(k0, k1 - k0), ar.Slice(k0, k1 - k0));
                else
                    for (var k = k0; k < k1; k++)
                    {
                        ref var o = ref d[(a.X + k) * step + channel];
                        o = (byte)Mix(o, s[k], ar[k]);
                    }
                continue;
            }
            var lastRow = !(j + 1 < a.Height);
            var below = lastRow ? ar : ar.Slice(alphaPitch);
            for (var k = k0; k < k1; k++)
            {
                var ax = k << a.HSub;
                int a0 = ar[ax];
                int w;
                var lastColumn = !(k + 1 < a.Width);
                if (a.HSub != 0 && a.VSub != 0 && !lastRow && !lastColumn)
                    w = (a0 + below[ax] + ar[ax + 1] + below[ax + 1]) >> 2;
                else
                {
                    var h = a.HSub != 0 && !lastColumn ? (a0 + ar[ax + 1]) >> 1 : a0;
                    var v = a.VSub != 0 && !lastRow ? (a0 + below[ax]) >> 1 : a0;
                    w = (v + h) >> 1;
                }
                ref var o = ref d[(a.X + k) * step + channel];
                o = (byte)Mix(o, s[k], w);
            }
        }
    }

    /// <summary>One row of full-resolution samples, 16 at a time (the same arithmetic in 16-bit lanes).</summary>
    private static void MixRow(Span<byte> d, ReadOnlySpan<byte> s, ReadOnlySpan<byte> a)
    {
        var i = 0;
        if (System.Runtime.Intrinsics.Vector128.IsHardwareAccelerated)
        {
            var c255 = System.Runtime.Intrinsics.Vector128.Create((ushort)255);
            var c128 = System.Runtime.Intrinsics.Vector128.Create((ushort)128);
            for (; i + 16 <= d.Length; i += 16)
            {
                var dv = System.Runtime.Intrinsics.Vector128.Create(d.Slice(i, 16));
                var sv = System.Runtime.Intrinsics.Vector128.Create(s.Slice(i, 16));
                var av = System.Runtime.Intrinsics.Vector128.Create(a.Slice(i, 16));
                var (dl, dh) = System.Runtime.Intrinsics.Vector128.Widen(dv);
                var (sl, sh) = System.Runtime.Intrinsics.Vector128.Widen(sv);
                var (al, ah) = System.Runtime.Intrinsics.Vector128.Widen(av);
                var lo = Div255(dl * (c255 - al) + sl * al + c128);
                var hi = Div255(dh * (c255 - ah) + sh * ah + c128);
                System.Runtime.Intrinsics.Vector128.CopyTo(System.Runtime.Intrinsics.Vector128.Narrow(lo, hi), d.Slice(i, 16));
            }
        }
        for (; i < d.Length; i++) d[i] = (byte)Mix(d[i], s[i], a[i]);
    }

    /// <summary>(x · 257) &gt;&gt; 16 for x ≤ 65,153 (255·255 + 128), without 32-bit lanes: x + (x &gt;&gt; 8), then &gt;&gt; 8.</summary>
    private static System.Runtime.Intrinsics.Vector128<ushort> Div255(System.Runtime.Intrinsics.Vector128<ushort> x)
        => System.Runtime.Intrinsics.Vector128.ShiftRightLogical(x + System.Runtime.Intrinsics.Vector128.ShiftRightLogical(x, 8), 8);
}
