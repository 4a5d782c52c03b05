using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Per-sample lookup: each 8-bit sample of a plane goes through a 256-entry table chosen by its plane and channel (gamma,
/// levels, any curve computed once on the host). Exact, so a table computed as libavfilter's lut computes it gives
/// its result bit for bit. Launched over the plane's samples (width × channels, height).
/// </summary>
public static class PointKernels
{
    /// <summary>The lookup kernel: <c>dst = table[channel * 256 + src]</c>, channel = x % channels.</summary>
    public static void Lookup(Index2D p, ArrayView2D<byte, Stride2D.DenseX> src, ArrayView2D<byte, Stride2D.DenseX> dst,
        ArrayView<byte> table, int channels, int tableOffset)
    {
        var c = p.X % channels;
        dst[p.X, p.Y] = table[tableOffset + c * 256 + src[p.X, p.Y]];
    }
}
