using ILGPU.Runtime;
using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>The colour kernels on cuda-sim against swscale (the ffmpeg CLI's scale filter with the ConvertTo node's
/// flags) on the same input: every plane ≥ 45 dB, both matrices and ranges, I420 and NV12, both directions; odd sizes
/// RGB to YUV. (YUV to RGB at odd sizes measures 34 dB: swscale's chroma positions there are not yet matched.)</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class ColorKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    private const string Flags = "flags=bilinear+full_chroma_int+full_chroma_inp+accurate_rnd";

    [Theory]
    [InlineData("yuv420p", "rgb24", "bt601", "tv", 96, 54)]
    [InlineData("yuv420p", "rgb24", "bt709", "tv", 96, 54)]
    [InlineData("yuv420p", "bgra", "bt709", "pc", 96, 54)]
    [InlineData("nv12", "rgb24", "bt601", "pc", 96, 54)]
    [InlineData("nv12", "bgr24", "bt709", "tv", 96, 54)]
    [InlineData("rgb24", "yuv420p", "bt601", "tv", 96, 54)]
    [InlineData("rgb24", "yuv420p", "bt709", "pc", 95, 53)]
    [InlineData("rgba", "nv12", "bt709", "tv", 96, 54)]
    public async Task Convert_MatchesSwscaleWithin45dBPerPlane(string from, string to, string matrix, string range, int w, int h)
    {
        var src = PixelFormat.FromName(from);
        var dst = PixelFormat.FromName(to);
        var toRgb = DeviceOps.Channels(dst, 0) >= 3;
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", from);
        var side = toRgb ? "in" : "out";
        var expected = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, from),
            $"scale={side}_color_matrix={matrix}:{side}_range={range}:{Flags},format={to}", to);

        using var host = KernelTestKit.HostFrame(input, 0, w, h, src);
        using var a = KernelTestKit.Upload(sim.Device, host);
        using var b = KernelTestKit.NewDeviceFrame(sim.Device, dst, w, h, a);
        DeviceOps.Convert(a, b, bt709: matrix == "bt709", fullRange: range == "pc");
        using var result = KernelTestKit.Download(b);

        var psnr = KernelTestKit.PsnrPerPlane(KernelTestKit.Packed(result), expected, w, h, dst);
        log.WriteLine($"{from} -> {to} {matrix} {range} {w}x{h}: PSNR per plane {KernelTestKit.Describe(psnr)} dB");
        Assert.All(psnr, p => Assert.True(p >= 45, $"PSNR per plane {KernelTestKit.Describe(psnr)} dB, want >= 45"));
    }

    [Theory]
    [InlineData("yuv420p", 0.6)]
    [InlineData("rgb24", 2.2)]
    [InlineData("nv12", 1.8)]
    public async Task Gamma_IsBitExactWithLibavfiltersLut(string format, double gamma)
    {
        var fmt = PixelFormat.FromName(format);
        var g = gamma.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", "scale=95:53", format);
        var filter = format == "rgb24" ? $"lutrgb=r=gammaval({g}):g=gammaval({g}):b=gammaval({g})" : $"lutyuv=y=gammaval({g})";
        var raw = await KernelTestKit.RawInputAsync(input, 95, 53, format);
        // libavfilter's lut takes no nv12: its oracle runs on yuv420p and the result is brought back to nv12 (exact).
        var expected = format == "nv12"
            ? await KernelTestKit.FfmpegRawAsync(raw, $"format=yuv420p,{filter},format=nv12", "nv12")
            : await KernelTestKit.FfmpegRawAsync(raw, filter, format);

        using var host = KernelTestKit.HostFrame(input, 0, 95, 53, fmt);
        using var a = KernelTestKit.Upload(sim.Device, host);
        using var b = KernelTestKit.NewDeviceFrame(sim.Device, fmt, 95, 53, a);
        using var table = sim.Device.Accelerator.Allocate1D(GammaNode.Table(fmt, gamma));
        DeviceOps.Lookup(a, b, table.View);
        using var result = KernelTestKit.Download(b);

        Assert.True(expected.SequenceEqual(KernelTestKit.Packed(result)), $"{format} gamma {g}: not bit-exact");
    }
}
