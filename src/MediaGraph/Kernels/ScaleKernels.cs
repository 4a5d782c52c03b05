using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>The interpolation of a scale kernel, as swscale defines it: a weight for a tap at normalised distance
/// <c>d</c> (source pixels divided by the downscale ratio when shrinking) and its support.</summary>
public interface IScaleFilter
{
    /// <summary>Support radius in normalised pixels (taps with a larger distance weigh 0).</summary>
    float Radius { get; }
    /// <summary>Weight of a tap at normalised distance <paramref name="d"/> (≥ 0); <paramref name="ratio"/> is
    /// source/destination size.</summary>
    float Weight(float d, float ratio);
}

/// <summary>swscale's bilinear: a tent, stretched over the ratio when downscaling.</summary>
public readonly struct BilinearFilter : IScaleFilter
{
    public float Radius => 1f;
    public float Weight(float d, float ratio) => IntrinsicMath.Max(0f, 1f - d);
}

/// <summary>swscale's bicubic (B = 0, C = 0.6, its default parameters).</summary>
public readonly struct BicubicFilter : IScaleFilter
{
    public float Radius => 2f;
    public float Weight(float d, float ratio)
    {
        const float B = 0f, C = 0.6f;
        if (d < 1f) return ((12f - 9f * B - 6f * C) * d * d * d + (-18f + 12f * B + 6f * C) * d * d + (6f - 2f * B)) / 6f;
        if (d < 2f) return ((-B - 6f * C) * d * d * d + (6f * B + 30f * C) * d * d + (-12f * B - 48f * C) * d + (8f * B + 24f * C)) / 6f;
        return 0f;
    }
}

/// <summary>swscale's area: the overlap of a destination pixel's footprint with each source pixel.</summary>
public readonly struct AreaFilter : IScaleFilter
{
    public float Radius => 1.5f;
    public float Weight(float d, float ratio)
    {
        var x = (d - 0.5f) * ratio;
        return x < -0.5f ? 1f : x < 0.5f ? 0.5f - x : 0f;
    }
}

/// <summary>
/// Scales one plane (<c>channels</c> interleaved samples per pixel: 1 for a planar plane, 2 for NV12's U,V pairs,
/// 3 or 4 for packed RGB) the way swscale does: each output pixel's centre maps to <c>(x + 0.5) * ratio - 0.5</c> in
/// the source (chroma of 4:2:0 is scaled as its own plane, swscale's default siting), taps are weighted by the
/// filter, normalised to 1, and edge taps are clamped to the border. Pixels outside <c>inner</c> (keep-aspect
/// padding) get <c>pad</c>. Launched over the destination plane's pixels.
/// </summary>
public static class ScaleKernels
{
    /// <summary>The kernel for <typeparamref name="TFilter"/>.</summary>
    public static void Scale<TFilter>(
        Index2D p,
        ArrayView2D<byte, Stride2D.DenseX> src,
        ArrayView2D<byte, Stride2D.DenseX> dst,
        ScalePlaneParams a,
        TFilter filter)
        where TFilter : struct, IScaleFilter
    {
        var c = p.X % a.Channels;
        var ox = p.X / a.Channels - a.InnerX;
        var oy = p.Y - a.InnerY;
        if (ox < 0 || oy < 0 || ox >= a.InnerWidth || oy >= a.InnerHeight)
        {
            dst[p.X, p.Y] = (byte)(c == 0 ? a.Pad0 : a.Pad1);
            return;
        }
        var rx = a.RatioX;
        var ry = a.RatioY;
        var sx = IntrinsicMath.Max(1f, rx);
        var sy = IntrinsicMath.Max(1f, ry);
        var cx = (ox + 0.5f) * rx - 0.5f;
        var cy = (oy + 0.5f) * ry - 0.5f;
        var reachX = filter.Radius * sx;
        var reachY = filter.Radius * sy;
        var x0 = CeilToInt(cx - reachX);
        var x1 = FloorToInt(cx + reachX);
        var y0 = CeilToInt(cy - reachY);
        var y1 = FloorToInt(cy + reachY);
        var sum = 0f;
        var weights = 0f;
        for (var y = y0; y <= y1; y++)
        {
            var wy = filter.Weight(IntrinsicMath.Abs(y - cy) / sy, ry);
            if (wy == 0f) continue;
            var yy = IntrinsicMath.Clamp(y, 0, a.SrcHeight - 1);
            var row = 0f;
            var rowWeights = 0f;
            for (var x = x0; x <= x1; x++)
            {
                var wx = filter.Weight(IntrinsicMath.Abs(x - cx) / sx, rx);
                if (wx == 0f) continue;
                var xx = IntrinsicMath.Clamp(x, 0, a.SrcWidth - 1);
                row += wx * src[xx * a.Channels + c, yy];
                rowWeights += wx;
            }
            sum += wy * row;
            weights += wy * rowWeights;
        }
        var v = weights != 0f ? sum / weights : 0f;
        dst[p.X, p.Y] = (byte)IntrinsicMath.Clamp((int)(v + 0.5f), 0, 255);
    }

    private static int FloorToInt(float v)
    {
        var i = (int)v;
        return v < i ? i - 1 : i;
    }

    private static int CeilToInt(float v)
    {
        var i = (int)v;
        return v > i ? i + 1 : i;
    }
}

/// <summary>What the scale kernel needs about one plane: sizes in pixels, ratios, the inner (unpadded) rectangle and
/// the pad value (per channel: first, and the others).</summary>
public struct ScalePlaneParams
{
    public int Channels;
    public int SrcWidth, SrcHeight;
    public int InnerX, InnerY, InnerWidth, InnerHeight;
    public float RatioX, RatioY;
    public int Pad0, Pad1;
}
