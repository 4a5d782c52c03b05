using ILGPU.Runtime;
using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>Blur kernels on cuda-sim: the box blur bit-exact with libavfilter's boxblur; the gaussian bit-exact with
/// its vectorised CPU twin (and its distance to libavfilter's gblur, an IIR approximation, reported).</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class BlurKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    [Theory]
    [InlineData(96, 54, 2)]
    [InlineData(95, 53, 5)]
    public async Task BoxBlur_IsBitExactWithLibavfilterBoxblur(int w, int h, int radius)
    {
        var fmt = PixelFormat.Yuv420P;
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", "yuv420p");
        var expected = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, "yuv420p"),
            $"boxblur=luma_radius={radius}:luma_power=1:chroma_radius={radius / 2}:chroma_power=1", "yuv420p");

        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var src = KernelTestKit.Upload(sim.Device, host);
        using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, w, h, src);
        using var temp = KernelTestKit.NewDeviceFrame(sim.Device, fmt, w, h);
        DeviceOps.Blur(src, dst, temp, plane => plane == 0 ? radius : radius / 2);
        using var result = KernelTestKit.Download(dst);

        Assert.True(expected.SequenceEqual(KernelTestKit.Packed(result)), $"box blur radius {radius} {w}x{h}: not bit-exact");
    }

    [Theory]
    [InlineData("yuv420p", 95, 53, 1.5)]
    [InlineData("nv12", 96, 54, 2.0)]
    public async Task GaussianBlur_IsBitExactWithItsVectorisedCpuTwin(string format, int w, int h, double sigma)
    {
        var fmt = PixelFormat.FromName(format);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", format);
        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var cpu = VideoFrame.Allocate(w, h, fmt, new Rational(1, 25));
        var weights = new int[4][];
        for (var i = 0; i < 4; i++)
        {
            var p = host.GetPlane(i);
            weights[i] = GaussianWeights.For(i == 0 ? sigma : sigma / 2);
            if (p.Data == 0) continue;
            var step = DeviceOps.Channels(fmt, i);
            Assert.Equal(p.Pitch, cpu.GetPlane(i).Pitch);
            CpuBlur.Gaussian(host.GetPlaneSpan(i), cpu.GetPlaneSpan(i), p.RowBytes / step, p.Rows, p.Pitch, step, weights[i]);
        }

        using var src = KernelTestKit.Upload(sim.Device, host);
        using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, w, h, src);
        using var temp = KernelTestKit.NewDeviceFrame(sim.Device, fmt, w, h);
        var buffers = weights.Select(x => sim.Device.Accelerator.Allocate1D(x)).ToArray();
        DeviceOps.Blur(src, dst, temp, plane => weights[plane].Length / 2, plane => buffers[plane].View);
        foreach (var b in buffers) b.Dispose();
        using var result = KernelTestKit.Download(dst);

        var ours = KernelTestKit.Packed(result);
        Assert.True(KernelTestKit.Packed(cpu).SequenceEqual(ours), $"gaussian sigma {sigma} {format}: device and CPU twin differ");
        if (format == "yuv420p")
        {
            var gblur = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, format), $"gblur=sigma={sigma}:sigmaV={sigma}", format);
            log.WriteLine($"gaussian sigma {sigma} vs libavfilter gblur (IIR): PSNR per plane {KernelTestKit.Describe(KernelTestKit.PsnrPerPlane(ours, gblur, w, h, fmt))} dB");
        }
    }
}
