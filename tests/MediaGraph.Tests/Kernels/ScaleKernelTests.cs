using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>The scale kernel on cuda-sim against swscale (the ffmpeg CLI's scale filter) with the same algorithm on
/// the same input: every plane ≥ 45 dB PSNR, even and odd 4:2:0 sizes, up and down.</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class ScaleKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    [Theory]
    [InlineData(96, 54, 160, 120, "bilinear", "yuv420p")]
    [InlineData(96, 54, 40, 22, "bilinear", "yuv420p")]
    [InlineData(95, 53, 47, 31, "bilinear", "yuv420p")]
    [InlineData(95, 53, 161, 121, "bilinear", "yuv420p")]
    [InlineData(96, 54, 160, 120, "bilinear", "nv12")]
    [InlineData(95, 53, 64, 35, "bilinear", "rgb24")]
    [InlineData(96, 54, 160, 120, "bicubic", "yuv420p")]
    [InlineData(95, 53, 47, 31, "bicubic", "yuv420p")]
    [InlineData(96, 54, 40, 22, "area", "yuv420p")]
    [InlineData(95, 53, 47, 31, "area", "yuv420p")]
    public async Task Scale_MatchesSwscaleWithin45dBPerPlane(int w, int h, int ow, int oh, string algorithm, string format)
    {
        var fmt = PixelFormat.FromName(format);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", format);
        var expected = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, format), $"scale={ow}:{oh}:flags={algorithm}", format);

        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var src = KernelTestKit.Upload(sim.Device, host);
        using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, ow, oh, src);
        DeviceOps.Scale(src, dst, Enum.Parse<ScaleAlgorithm>(algorithm, ignoreCase: true));
        using var result = KernelTestKit.Download(dst);

        var psnr = KernelTestKit.PsnrPerPlane(KernelTestKit.Packed(result), expected, ow, oh, fmt);
        log.WriteLine($"{format} {w}x{h} -> {ow}x{oh} {algorithm}: PSNR per plane {KernelTestKit.Describe(psnr)} dB");
        Assert.All(psnr, p => Assert.True(p >= 45, $"PSNR per plane {KernelTestKit.Describe(psnr)} dB, want >= 45"));
    }
}

/// <summary>Keep-aspect scaling with padding (letterbox) on cuda-sim against libavfilter's
/// scale=…:force_original_aspect_ratio=decrease,pad=…(ow-iw)/2… on the same input: every plane ≥ 45 dB. (An odd
/// requested size, 95x53 into 80x81, measures 25 dB: pad's placement there is not matched yet.)</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class LetterboxKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    [Theory]
    [InlineData(96, 54, 64, 64)]
    [InlineData(95, 53, 96, 96)]
    [InlineData(54, 96, 100, 60)]
    public async Task ScaleWithPad_MatchesScaleAndPadWithin45dBPerPlane(int w, int h, int ow, int oh)
    {
        var fmt = PixelFormat.Yuv420P;
        var node = new ScaleNode(ow, oh, ScaleAlgorithm.Bilinear, pad: true);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", "yuv420p");
        var expected = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, "yuv420p"), node.FilterDescription, "yuv420p");

        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var src = KernelTestKit.Upload(sim.Device, host);
        var inner = ScaleCuda.Letterbox(ow, oh, src);
        (ow, oh) = ScaleCuda.PaddedSize(ow, oh, fmt); // as pad: whole chroma samples
        using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, ow, oh, src);
        DeviceOps.Scale(src, dst, ScaleAlgorithm.Bilinear, inner);
        using var result = KernelTestKit.Download(dst);

        var psnr = KernelTestKit.PsnrPerPlane(KernelTestKit.Packed(result), expected, ow, oh, fmt);
        log.WriteLine($"{w}x{h} -> {ow}x{oh} letterbox: inner {inner}, PSNR per plane {KernelTestKit.Describe(psnr)} dB");
        Assert.All(psnr, p => Assert.True(p >= 45, $"PSNR per plane {KernelTestKit.Describe(psnr)} dB, want >= 45"));
    }
}
