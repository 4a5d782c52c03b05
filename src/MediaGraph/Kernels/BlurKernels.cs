using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Separable blurs of one 8-bit plane, one direction per launch (horizontal into a temporary plane, then vertical),
/// in integer arithmetic so the result is exact: the box blur is libavfilter's boxblur (power 1): a window of
/// 2r + 1 samples mirrored at the edges (sample −1 is sample 0), the sum times <c>⌊(2^16 + (2r+1)/2) / (2r+1)⌋</c>,
/// rounded, shifted by 16; the gaussian uses Q14 weights (see <see cref="GaussianWeights"/>) with the same edges and
/// is bit-exact with the vectorised CPU twin (<see cref="CpuBlur"/>). <c>step</c> is the distance between
/// horizontal neighbours in elements (2 for NV12's U,V). Launched over the plane's elements.
/// </summary>
public static class BlurKernels
{
    /// <summary>One pass of the box blur; <paramref name="vertical"/> picks the direction.</summary>
    public static void Box(Index2D p, ArrayView2D<byte, Stride2D.DenseX> src, ArrayView2D<byte, Stride2D.DenseX> dst,
        int radius, int vertical, int step, int length)
    {
        var pos = vertical != 0 ? p.Y : p.X / step;
        var n = 2 * radius + 1;
        var inv = ((1 << 16) + n / 2) / n;
        var sum = 0;
        for (var k = -radius; k <= radius; k++)
        {
            var i = Mirror(pos + k, length);
            sum += vertical != 0 ? src[p.X, i] : src[i * step + p.X % step, p.Y];
        }
        dst[p.X, p.Y] = (byte)((sum * inv + (1 << 15)) >> 16);
    }

    /// <summary>One pass of the gaussian blur with Q14 <paramref name="weights"/> (2r + 1 of them).</summary>
    public static void Gaussian(Index2D p, ArrayView2D<byte, Stride2D.DenseX> src, ArrayView2D<byte, Stride2D.DenseX> dst,
        ArrayView<int> weights, int radius, int vertical, int step, int length)
    {
        var pos = vertical != 0 ? p.Y : p.X / step;
        var sum = 0;
        for (var k = -radius; k <= radius; k++)
        {
            var i = Mirror(pos + k, length);
            sum += weights[k + radius] * (vertical != 0 ? src[p.X, i] : src[i * step + p.X % step, p.Y]);
        }
        dst[p.X, p.Y] = (byte)IntrinsicMath.Clamp((sum + (1 << 13)) >> 14, 0, 255);
    }

    /// <summary>boxblur's edge: index −1 reads 0, −2 reads 1; len reads len − 1.</summary>
    public static int Mirror(int i, int length) => i < 0 ? -i - 1 : i >= length ? 2 * length - i - 1 : i;
}

/// <summary>The gaussian's integer weights: <c>exp(−k²/2σ²)</c> for k in −r..r (r = ⌈3σ⌉), scaled to sum to 2^14
/// exactly (the rounding remainder goes to the centre).</summary>
public static class GaussianWeights
{
    /// <summary>The radius for <paramref name="sigma"/>.</summary>
    public static int Radius(double sigma) => Math.Max(1, (int)Math.Ceiling(3 * sigma));

    /// <summary>The 2r + 1 weights.</summary>
    public static int[] For(double sigma)
    {
        var r = Radius(sigma);
        var w = new double[2 * r + 1];
        for (var k = -r; k <= r; k++) w[k + r] = Math.Exp(-k * k / (2 * sigma * sigma));
        var total = w.Sum();
        var q = w.Select(v => (int)Math.Round(v / total * (1 << 14))).ToArray();
        q[r] += (1 << 14) - q.Sum();
        return q;
    }
}
