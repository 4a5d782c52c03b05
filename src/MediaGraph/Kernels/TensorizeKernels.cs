using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Turns a video frame into a model's input tensor in one pass, written straight into a batch slot: bilinear resize
/// (swscale's centre mapping) into a rectangle of the tensor (keep-aspect letterbox: the rest is the pad value),
/// YUV → RGB (BT.601/709, limited/full) for yuv420p/nv12 sources, channel order RGB or BGR, normalised as
/// <c>(v / 255 − mean[c]) / std[c]</c>, planar (NCHW) or interleaved (NHWC) float. Primitive parameters only (no
/// inference types): the inference layer maps its preprocessing spec onto <see cref="TensorizeParams"/>.
/// Launched over the tensor's width × height.
/// </summary>
public static class TensorizeKernels
{
    /// <summary>The kernel. For RGB sources <paramref name="u"/> and <paramref name="v"/> are ignored (pass y).</summary>
    public static void Tensorize(Index2D p,
        ArrayView2D<byte, Stride2D.DenseX> y, ArrayView2D<byte, Stride2D.DenseX> u, ArrayView2D<byte, Stride2D.DenseX> v,
        ArrayView<float> dst, TensorizeParams a)
    {
        float r, g, b;
        var ox = p.X - a.InnerX;
        var oy = p.Y - a.InnerY;
        var padding = ox < 0 || oy < 0 || ox >= a.InnerWidth || oy >= a.InnerHeight;
        if (padding)
        {
            r = g = b = a.Pad;
        }
        else
        {
            var sx = (ox + 0.5f) * a.RatioX - 0.5f;
            var sy = (oy + 0.5f) * a.RatioY - 0.5f;
            if (a.SourceChannels >= 3)
            {
                r = Sample(y, sx, sy, a.SrcWidth, a.SrcHeight, a.SourceChannels, a.R);
                g = Sample(y, sx, sy, a.SrcWidth, a.SrcHeight, a.SourceChannels, a.G);
                b = Sample(y, sx, sy, a.SrcWidth, a.SrcHeight, a.SourceChannels, a.B);
            }
            else
            {
                var cw = (a.SrcWidth + 1) / 2;
                var ch = (a.SrcHeight + 1) / 2;
                var cx = (sx + 0.5f) * cw / a.SrcWidth - 0.5f;
                var cy = (sy + 0.5f) * ch / a.SrcHeight - 0.5f;
                var yy = (Sample(y, sx, sy, a.SrcWidth, a.SrcHeight, 1, 0) - a.YOffset) * a.YScale;
                var uu = (Sample(u, cx, cy, cw, ch, a.ChromaStep, 0) - 128f) * a.CScale;
                var vv = (Sample(v, cx, cy, cw, ch, a.ChromaStep, a.VOffset) - 128f) * a.CScale;
                r = yy + a.RV * vv;
                g = yy + a.GU * uu + a.GV * vv;
                b = yy + a.BU * uu;
            }
            r = IntrinsicMath.Clamp(r, 0f, 255f);
            g = IntrinsicMath.Clamp(g, 0f, 255f);
            b = IntrinsicMath.Clamp(b, 0f, 255f);
        }
        var c0 = a.Bgr != 0 ? b : r;
        var c2 = a.Bgr != 0 ? r : b;
        var plane = (long)a.Width * a.Height;
        var i = (long)p.Y * a.Width + p.X;
        var n0 = (c0 / 255f - a.Mean0) / a.Std0;
        var n1 = (g / 255f - a.Mean1) / a.Std1;
        var n2 = (c2 / 255f - a.Mean2) / a.Std2;
        if (padding && a.PadIsTensorValue != 0) n0 = n1 = n2 = a.Pad;
        if (a.Nhwc != 0)
        {
            dst[a.Offset + i * 3] = n0;
            dst[a.Offset + i * 3 + 1] = n1;
            dst[a.Offset + i * 3 + 2] = n2;
        }
        else
        {
            dst[a.Offset + i] = n0;
            dst[a.Offset + plane + i] = n1;
            dst[a.Offset + 2 * plane + i] = n2;
        }
    }

    private static float Sample(ArrayView2D<byte, Stride2D.DenseX> plane, float fx, float fy, int w, int h, int step, int offset)
    {
        fx = IntrinsicMath.Clamp(fx, 0f, w - 1);
        fy = IntrinsicMath.Clamp(fy, 0f, h - 1);
        var x0 = (int)fx;
        var y0 = (int)fy;
        var x1 = IntrinsicMath.Min(x0 + 1, w - 1);
        var y1 = IntrinsicMath.Min(y0 + 1, h - 1);
        var ax = fx - x0;
        var ay = fy - y0;
        float p00 = plane[x0 * step + offset, y0], p10 = plane[x1 * step + offset, y0];
        float p01 = plane[x0 * step + offset, y1], p11 = plane[x1 * step + offset, y1];
        return (1 - ay) * ((1 - ax) * p00 + ax * p10) + ay * ((1 - ax) * p01 + ax * p11);
    }
}

/// <summary>Arguments of <see cref="TensorizeKernels.Tensorize"/>; <see cref="For"/> makes them from primitive options.</summary>
public struct TensorizeParams
{
    public int Width, Height, InnerX, InnerY, InnerWidth, InnerHeight, SrcWidth, SrcHeight;
    public float RatioX, RatioY, Pad;
    public int SourceChannels, R, G, B, ChromaStep, VOffset;
    public float YOffset, YScale, CScale, RV, GU, GV, BU;
    public float Mean0, Mean1, Mean2, Std0, Std1, Std2;
    public int Bgr, Nhwc;
    public long Offset;
    /// <summary>Non-zero: <see cref="Pad"/> is written into the padding as it is (a tensor value, the same in every
    /// channel, as a model's preprocessing pads after normalising); zero: it is a 0..255 pixel value, normalised
    /// like the picture (ffmpeg's pad before the normalisation).</summary>
    public int PadIsTensorValue;

    /// <summary>The arguments for a <paramref name="srcWidth"/>×<paramref name="srcHeight"/> frame of
    /// <paramref name="sourceFormat"/> (nv12, yuv420p, rgb24, bgr24, rgba, bgra) into a <paramref name="width"/>×
    /// <paramref name="height"/> tensor at float <paramref name="offset"/> (a batch slot: slot × 3 × width × height).</summary>
    /// <param name="keepAspect">Letterbox: scale to fit, centre, fill the rest with <paramref name="pad"/> (0..255).</param>
    /// <param name="mean">Per output channel, in 0..1 units.</param>
    /// <param name="std">Per output channel, in 0..1 units.</param>
    /// <param name="bgr">Channel order BGR (else RGB).</param>
    /// <param name="nhwc">Interleaved NHWC (else planar NCHW).</param>
    public static TensorizeParams For(string sourceFormat, int srcWidth, int srcHeight, int width, int height, bool keepAspect, float pad,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> std, bool bgr, bool nhwc, bool bt709, bool fullRange, long offset)
    {
        if (mean.Length != 3 || std.Length != 3) throw new ArgumentException("tensorize: mean and std have three values each");
        var (iw, ih) = (width, height);
        if (keepAspect)
        {
            var scale = Math.Min((double)width / srcWidth, (double)height / srcHeight);
            iw = Math.Clamp((int)Math.Round(srcWidth * scale), 1, width);
            ih = Math.Clamp((int)Math.Round(srcHeight * scale), 1, height);
        }
        var colour = sourceFormat is "nv12" or "yuv420p" or "yuvj420p"
            ? ColorParams.For(srcWidth, srcHeight, bt709, fullRange || sourceFormat == "yuvj420p", sourceFormat == "nv12", "rgb24")
            : ColorParams.For(srcWidth, srcHeight, bt709, fullRange, false, sourceFormat);
        var rgbSource = sourceFormat is "rgb24" or "bgr24" or "rgba" or "bgra";
        return new TensorizeParams
        {
            Width = width, Height = height, InnerX = (width - iw) / 2, InnerY = (height - ih) / 2, InnerWidth = iw, InnerHeight = ih,
            SrcWidth = srcWidth, SrcHeight = srcHeight, RatioX = (float)srcWidth / iw, RatioY = (float)srcHeight / ih, Pad = pad,
            SourceChannels = rgbSource ? colour.Channels : 1, R = colour.R, G = colour.G, B = colour.B,
            ChromaStep = colour.ChromaStep, VOffset = colour.VOffset,
            YOffset = colour.YOffset, YScale = colour.YScale, CScale = colour.CScale, RV = colour.RV, GU = colour.GU, GV = colour.GV, BU = colour.BU,
            Mean0 = mean[0], Mean1 = mean[1], Mean2 = mean[2], Std0 = std[0], Std1 = std[1], Std2 = std[2],
            Bgr = bgr ? 1 : 0, Nhwc = nhwc ? 1 : 0, Offset = offset,
        };
    }
}
