using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Crop, flip and rotation by multiples of 90° are one integer remap per plane: destination element (x, y) copies
/// source element (XX·x + XY·y + X0, YX·x + YY·y + Y0). Exact (a copy), so the result is bit-exact with libavfilter's
/// crop, hflip, vflip and transpose. <typeparamref name="T"/> is one pixel of the plane (byte for planar 8-bit,
/// ushort for NV12's U,V pair, <see cref="Rgb24"/>, uint for RGBA). Launched over the destination plane's pixels.
/// </summary>
public static class GeometryKernels
{
    /// <summary>The remap kernel.</summary>
    public static void Remap<T>(Index2D p, ArrayView2D<T, Stride2D.DenseX> src, ArrayView2D<T, Stride2D.DenseX> dst, RemapParams m)
        where T : unmanaged
    {
        var sx = m.XX * p.X + m.XY * p.Y + m.X0;
        var sy = m.YX * p.X + m.YY * p.Y + m.Y0;
        dst[p.X, p.Y] = src[sx, sy];
    }
}

/// <summary>The integer affine map of <see cref="GeometryKernels.Remap{T}"/>.</summary>
public struct RemapParams
{
    public int XX, XY, X0, YX, YY, Y0;

    /// <summary>A crop whose top-left is (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public static RemapParams Crop(int x, int y) => new() { XX = 1, X0 = x, YY = 1, Y0 = y };
    /// <summary>A mirror left-right of a plane <paramref name="width"/> wide.</summary>
    public static RemapParams HorizontalFlip(int width) => new() { XX = -1, X0 = width - 1, YY = 1 };
    /// <summary>Upside down, for a plane <paramref name="height"/> rows high.</summary>
    public static RemapParams VerticalFlip(int height) => new() { XX = 1, YY = -1, Y0 = height - 1 };
    /// <summary>90° clockwise of a source plane <paramref name="srcHeight"/> rows high (libavfilter's transpose=clock).</summary>
    public static RemapParams Rotate90(int srcHeight) => new() { XY = 1, YX = -1, Y0 = srcHeight - 1 }; // dst (x, y) ← src (y, H-1-x)
    /// <summary>180° of a plane <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static RemapParams Rotate180(int width, int height) => new() { XX = -1, X0 = width - 1, YY = -1, Y0 = height - 1 };
    /// <summary>270° clockwise (90° counter-clockwise) of a source plane <paramref name="srcWidth"/> wide (transpose=cclock).</summary>
    public static RemapParams Rotate270(int srcWidth) => new() { XY = -1, X0 = srcWidth - 1, YX = 1 }; // dst (x, y) ← src (W-1-y, x)
}

/// <summary>One packed 24-bit pixel (rgb24, bgr24).</summary>
public struct Rgb24
{
    public byte A, B, C;
}
