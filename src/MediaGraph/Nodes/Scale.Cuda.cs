using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// The device implementation of <see cref="ScaleNode"/>: the scale kernel (<see cref="ScaleKernels"/>) with swscale's
/// geometry for bilinear, bicubic and area, per plane (odd 4:2:0 sizes round chroma up, as FFmpeg). Output size
/// follows libavfilter's scale (-1 / -2 keep the aspect ratio), and the sample aspect ratio is adjusted the same way.
/// Formats: yuv420p, yuv422p, yuv444p, nv12, gray, rgb24, bgr24, rgba, bgra. A pixel format conversion is the
/// ConvertTo node's job; other algorithms (lanczos, neighbor) run on the CPU (the node's "device" option: cpu).
/// </summary>
internal sealed class ScaleCuda : FrameTransform
{
    private static readonly HashSet<string> Formats = ["yuv420p", "yuvj420p", "yuv422p", "yuv444p", "nv12", "gray", "rgb24", "bgr24", "rgba", "bgra"];
    private readonly ScaleNode _node;
    private readonly int _width, _height;
    private readonly (int X, int Y, int Width, int Height)? _inner;

    private ScaleCuda(ScaleNode node, int width, int height, (int, int, int, int)? inner)
    {
        _node = node;
        _width = width;
        _height = height;
        _inner = inner;
    }

    public static ScaleCuda? Create(ScaleNode node, VideoFrame first)
    {
        if (first.Device is null) return null; // a hardware decoder's frames: not ours to view
        if (node.Algorithm is not (ScaleAlgorithm.Bilinear or ScaleAlgorithm.Bicubic or ScaleAlgorithm.Area))
            throw new MediaGraphException(node.Name, $"scale: {node.Algorithm} has no device kernel (bilinear, bicubic and area do); set the node's \"device\" option to cpu to run it with swscale");
        if (node.PixelFormat is { } pf && PixelFormat.FromName(pf) != first.Format)
            throw new MediaGraphException(node.Name, $"scale: converting {first.Format} to {pf} on the device is ConvertTo's job; add .ConvertTo() or run the scale on the cpu");
        if (!Formats.Contains(first.Format.Name))
            throw new MediaGraphException(node.Name, $"scale: {first.Format} has no device kernel (supported: {string.Join(", ", Formats)})");
        var (w, h) = OutputSize(node.Width, node.Height, first.Width, first.Height);
        if (!node.Pad) return new ScaleCuda(node, w, h, null);
        // pad computes the picture's place from the size asked for, then rounds its own size to whole chroma samples
        var inner = Letterbox(w, h, first);
        (w, h) = PaddedSize(w, h, first.Format);
        return new ScaleCuda(node, w, h, inner);
    }

    /// <summary>libavfilter's scale: -1 keeps the aspect ratio, -n also makes the size a multiple of n.</summary>
    internal static (int Width, int Height) OutputSize(int w, int h, int inW, int inH)
    {
        int factorW = w < -1 ? -w : 1, factorH = h < -1 ? -h : 1;
        if (w < 0 && h < 0) (w, h) = (inW, inH);
        if (w < 0) w = (int)Rescale(h, inW, (long)inH * factorW) * factorW;
        if (h < 0) h = (int)Rescale(w, inH, (long)inW * factorH) * factorH;
        return (Math.Max(1, w), Math.Max(1, h));

        static long Rescale(long a, long b, long c) => (a * b + c / 2) / c; // av_rescale, round to nearest
    }

    /// <summary>libavfilter's pad rounds its size down to whole chroma samples (80x81 yuv420p pads to 80x80).</summary>
    internal static (int Width, int Height) PaddedSize(int w, int h, PixelFormat format)
    {
        var (hsub, vsub) = DeviceOps.Subsampling(format);
        return (w & ~((1 << hsub) - 1), h & ~((1 << vsub) - 1));
    }

    /// <summary>libavfilter's scale with force_original_aspect_ratio=decrease, then pad centred ((ow-iw)/2, rounded
    /// down to whole chroma samples).</summary>
    internal static (int X, int Y, int Width, int Height) Letterbox(int w, int h, VideoFrame input)
    {
        static long Rescale(long a, long b, long c) => (a * b + c / 2) / c;
        var iw = (int)Math.Min(w, Rescale(h, input.Width, input.Height));
        var ih = (int)Math.Min(h, Rescale(w, input.Height, input.Width));
        var (hsub, vsub) = DeviceOps.Subsampling(input.Format);
        var x = (w - iw) / 2 & ~((1 << hsub) - 1);
        var y = (h - ih) / 2 & ~((1 << vsub) - 1);
        return (x, y, iw, ih);
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        var device = frame.Device!;
        var result = output.RentDeviceFrame(device, frame.Format, _width, _height, frame);
        try
        {
            DeviceOps.Scale(frame, result, _node.Algorithm, _inner, output.StreamOn(device));
            var sar = frame.SampleAspectRatio;
            if (sar.Num != 0 && _inner is null) result.SetSampleAspectRatio(Reduce((long)_height * frame.Width * sar.Num, (long)_width * frame.Height * sar.Den));
        }
        catch
        {
            result.Dispose();
            throw;
        }
        output.Add(result);
    }

    private static Rational Reduce(long num, long den)
    {
        var g = (long)System.Numerics.BigInteger.GreatestCommonDivisor(num, den);
        return new Rational((int)(num / g), (int)(den / g));
    }
}
