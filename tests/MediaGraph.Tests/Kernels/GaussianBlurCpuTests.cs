using MediaGraph.Kernels;
using Xunit;

namespace MediaGraph.Tests.Kernels;

/// <summary>The gaussian's vectorised, sliced CPU twin gives the bytes of the kernel's arithmetic written plainly
/// (<see cref="BlurKernels.Gaussian"/>'s formula per sample), for planar and interleaved planes, widths that leave a
/// scalar tail, any thread count, and the pitch padding left alone.</summary>
public sealed class GaussianBlurCpuTests
{
    [Theory]
    [InlineData(97, 41, 1, 2.0, 1)]
    [InlineData(97, 41, 1, 2.0, 3)]
    [InlineData(200, 64, 1, 0.8, 4)]
    [InlineData(45, 30, 2, 1.0, 2)]     // NV12 chroma: U,V interleaved
    [InlineData(640, 9, 1, 2.5, 8)]     // more threads than a slice each
    public void Blur_IsTheKernelsArithmeticByteForByte(int width, int height, int step, double sigma, int threads)
    {
        var pitch = width * step + 13;
        var random = new Random(width * 31 + height);
        var src = new byte[pitch * height];
        random.NextBytes(src);
        var weights = GaussianWeights.For(sigma);
        var expected = Reference(src, width, height, pitch, step, weights);
        var dst = new byte[pitch * height];
        Array.Fill(dst, (byte)0xAB);

        using var blur = new GaussianBlurCpu(threads);
        unsafe
        {
            fixed (byte* s = src)
            fixed (byte* d = dst)
                for (var run = 0; run < 2; run++) blur.Blur((nint)s, (nint)d, width, height, pitch, step, weights);
        }

        for (var y = 0; y < height; y++)
        {
            Assert.Equal(expected.AsSpan(y * pitch, width * step).ToArray(), dst.AsSpan(y * pitch, width * step).ToArray());
            Assert.All(dst.AsSpan(y * pitch + width * step, pitch - width * step).ToArray(), b => Assert.Equal(0xAB, b)); // padding untouched
        }
    }

    /// <summary>Two passes of the kernel's per-sample formula.</summary>
    private static byte[] Reference(byte[] src, int width, int height, int pitch, int step, int[] w)
    {
        var r = w.Length / 2;
        var temp = new byte[src.Length];
        var dst = new byte[src.Length];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width * step; x++)
            {
                var sum = 0;
                for (var k = -r; k <= r; k++) sum += w[k + r] * src[y * pitch + BlurKernels.Mirror(x / step + k, width) * step + x % step];
                temp[y * pitch + x] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
            }
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width * step; x++)
            {
                var sum = 0;
                for (var k = -r; k <= r; k++) sum += w[k + r] * temp[BlurKernels.Mirror(y + k, height) * pitch + x];
                dst[y * pitch + x] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
            }
        return dst;
    }
}
