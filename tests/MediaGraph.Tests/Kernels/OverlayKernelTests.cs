using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>The overlay blend kernel on cuda-sim: bit-exact with its CPU twin (<see cref="OverlayBlend"/>, which
/// the host path runs and which matches the ffmpeg CLI's overlay filter, see OverlayTests) for every main format it
/// takes, odd sizes, and positions partly outside; and its yuv420p result against libavfilter overlay itself.</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class OverlayKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    [Theory(Timeout = 120000)]
    [InlineData("yuv420p", "yuva420p", 95, 53, 31, 21, 10, 6)]
    [InlineData("yuv420p", "yuva420p", 64, 48, 40, 30, -12, 34)]   // left and bottom edges clipped
    [InlineData("nv12", "yuva420p", 66, 38, 23, 17, 40, 4)]        // interleaved chroma, right edge clipped
    [InlineData("yuv422p", "yuva422p", 63, 41, 25, 19, 8, 3)]
    [InlineData("yuv444p", "yuva444p", 47, 33, 20, 15, 5, 7)]
    public async Task OverlayKernel_IsBitExactWithItsCpuTwin(string format, string overlayFormat, int w, int h, int ow, int oh, int x, int y)
    {
        var fmt = PixelFormat.FromName(format);
        var ofmt = PixelFormat.FromName(overlayFormat);
        var mainRaw = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", format);
        var overlayRaw = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc=size=64x48:rate=25 -frames:v 1",
            $"scale={ow}:{oh},format=rgba,geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*X/W'", overlayFormat);
        using var main = KernelTestKit.HostFrame(mainRaw, 0, w, h, fmt);
        using var overlay = KernelTestKit.HostFrame(overlayRaw, 0, ow, oh, ofmt);
        var (hsub, vsub) = DeviceOps.Subsampling(fmt);
        x &= ~((1 << hsub) - 1);
        y &= ~((1 << vsub) - 1);

        using var cpu = KernelTestKit.HostFrame(mainRaw, 0, w, h, fmt);
        var nv12 = format == "nv12";
        for (var i = 0; i < 3; i++)
        {
            var plane = nv12 && i == 2 ? 1 : i;
            var d = cpu.GetPlane(plane);
            var step = DeviceOps.Channels(fmt, plane);
            var a = OverlayPlaneParams.For(i, x, y, ow, oh, hsub, vsub, step);
            OverlayBlend.BlendPlane(cpu.GetPlaneSpan(plane), d.Pitch, d.RowBytes / step, d.Rows, nv12 && i == 2 ? 1 : 0,
                overlay.GetPlaneSpan(i), overlay.GetPlane(i).Pitch, overlay.GetPlaneSpan(3), overlay.GetPlane(3).Pitch, a);
        }

        using var src = KernelTestKit.Upload(sim.Device, main);
        using var ovl = KernelTestKit.Upload(sim.Device, overlay);
        using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, w, h, src);
        DeviceOps.Overlay(src, ovl, dst, x, y);
        using var result = KernelTestKit.Download(dst);

        var ours = KernelTestKit.Packed(result);
        Assert.True(KernelTestKit.Packed(cpu).SequenceEqual(ours), $"overlay {ow}x{oh} at ({x},{y}) on {w}x{h} {format}: device and CPU twin differ");
        Assert.False(mainRaw.SequenceEqual(ours), "the overlay changed nothing");
        if (format == "yuv420p")
        {
            var overlayPath = Path.Combine(TestMedia.OutputFolder("overlay-raw"), "o.raw");
            await File.WriteAllBytesAsync(overlayPath, overlayRaw);
            var expected = await KernelTestKit.FfmpegRawAsync(
                await KernelTestKit.RawInputAsync(mainRaw, w, h, format, "") + $" -f rawvideo -pix_fmt {overlayFormat} -s {ow}x{oh} -i \"{overlayPath}\"",
                "", format, filterComplex: $"[0][1]overlay=x={x}:y={y}");
            var psnr = KernelTestKit.PsnrPerPlane(ours, expected, w, h, fmt);
            log.WriteLine($"vs libavfilter overlay: PSNR per plane {KernelTestKit.Describe(psnr)} dB");
            Assert.True(psnr.All(p => p >= 45), $"vs libavfilter overlay: {KernelTestKit.Describe(psnr)} dB");
        }
    }
}
