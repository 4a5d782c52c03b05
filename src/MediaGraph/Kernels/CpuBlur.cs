using System.Runtime.Intrinsics;

namespace MediaGraph.Kernels;

/// <summary>
/// The gaussian blur's CPU twin, vectorised with <see cref="System.Runtime.Intrinsics"/>: the same Q14 weights,
/// mirrored edges and rounding as <see cref="BlurKernels.Gaussian"/>, so CPU and device give the same bytes. Each
/// pass handles four outputs at a time (widened to 32-bit lanes) in the interior and single samples at the edges.
/// </summary>
public static class CpuBlur
{
    /// <summary>Blurs one plane: <paramref name="width"/> elements of <paramref name="step"/>-interleaved samples
    /// per row (width counts pixels), <paramref name="height"/> rows, <paramref name="pitch"/> bytes apart.</summary>
    public static void Gaussian(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, int pitch, int step, int[] weights)
    {
        var r = weights.Length / 2;
        var temp = new byte[pitch * height];
        for (var y = 0; y < height; y++)
            for (var c = 0; c < step; c++)
                Pass(src.Slice(y * pitch), temp.AsSpan(y * pitch), width, step, c, step, weights, r);
        // Vertical: rows are contiguous runs of width * step bytes; the k-th neighbour row is pitch * k away.
        var rowBytes = width * step;
        Span<int> rows = stackalloc int[weights.Length];
        for (var y = 0; y < height; y++)
        {
            for (var k = -r; k <= r; k++) rows[k + r] = BlurKernels.Mirror(y + k, height) * pitch;
            var x = 0;
            for (; x + 4 <= rowBytes; x += 4)
            {
                var acc = Vector128<int>.Zero;
                for (var k = 0; k < weights.Length; k++)
                {
                    var s = temp.AsSpan(rows[k] + x, 4);
                    acc += Vector128.Create((int)s[0], s[1], s[2], s[3]) * weights[k];
                }
                var v = Vector128.ShiftRightArithmetic(acc + Vector128.Create(1 << 13), 14);
                v = Vector128.Min(Vector128.Max(v, Vector128<int>.Zero), Vector128.Create(255));
                dst[y * pitch + x] = (byte)v[0]; dst[y * pitch + x + 1] = (byte)v[1];
                dst[y * pitch + x + 2] = (byte)v[2]; dst[y * pitch + x + 3] = (byte)v[3];
            }
            for (; x < rowBytes; x++)
            {
                var sum = 0;
                for (var k = 0; k < weights.Length; k++) sum += weights[k] * temp[rows[k] + x];
                dst[y * pitch + x] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
            }
        }
    }

    /// <summary>The horizontal pass of one row's channel <paramref name="c"/>.</summary>
    private static void Pass(ReadOnlySpan<byte> row, Span<byte> output, int length, int stride, int c, int step, int[] weights, int r)
    {
        var x = 0;
        while (x < length)
        {
            if (step == 1 && x >= r && x + 4 + r <= length)
            {
                // interior of a planar row: four outputs at once from contiguous neighbours
                var acc = Vector128<int>.Zero;
                for (var k = -r; k <= r; k++)
                {
                    var s = row.Slice(x + k, 4);
                    acc += Vector128.Create((int)s[0], s[1], s[2], s[3]) * weights[k + r];
                }
                var v = Vector128.ShiftRightArithmetic(acc + Vector128.Create(1 << 13), 14);
                v = Vector128.Min(Vector128.Max(v, Vector128<int>.Zero), Vector128.Create(255));
                output[x] = (byte)v[0]; output[x + 1] = (byte)v[1]; output[x + 2] = (byte)v[2]; output[x + 3] = (byte)v[3];
                x += 4;
                continue;
            }
            var sum = 0;
            for (var k = -r; k <= r; k++) sum += weights[k + r] * row[BlurKernels.Mirror(x + k, length) * stride + c];
            output[x * stride + c] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
            x++;
        }
    }
}
