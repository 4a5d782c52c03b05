using ILGPU.Runtime;
using MediaGraph.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace MediaGraph.Tests.Kernels;

/// <summary>The tensorize kernel on cuda-sim: NV12 → letterboxed, normalised planar float tensor in a batch slot,
/// compared with the ffmpeg CLI's scale + rgb24 + pad of the same frame (upscaling, where swscale's bilinear is two taps too; the kernel always samples with two taps,
/// as model preprocessors do, so shrinking differs from swscale, which widens its filter).</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class TensorizeKernelTests(SimDeviceFixture sim, ITestOutputHelper log)
{
    [Theory]
    [InlineData("nv12", false, false)]
    [InlineData("yuv420p", true, true)]
    public async Task Tensorize_Letterboxed_MatchesFfmpegScalePadWithin45dBAndWritesOnlyItsSlot(string format, bool bgr, bool nhwc)
    {
        const int w = 96, h = 54, tw = 128, th = 128, slot = 1;
        var fmt = PixelFormat.FromName(format);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=96x54:rate=25 -frames:v 1", "", format);
        var expected = await KernelTestKit.FfmpegRawAsync(await KernelTestKit.RawInputAsync(input, w, h, format),
            "scale=128:72:flags=bilinear+full_chroma_int+accurate_rnd,format=rgb24,pad=128:128:0:28:color=0x727272", "rgb24");

        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var src = KernelTestKit.Upload(sim.Device, host);
        var plane = tw * th * 3;
        using var batch = sim.Device.Accelerator.Allocate1D<float>(3L * plane);
        batch.MemSet(sim.Device.Stream, 0xFF); // NaN everywhere: the other slots must stay untouched
        var a = TensorizeParams.For(format, w, h, tw, th, keepAspect: true, pad: 114, [0f, 0f, 0f], [1f, 1f, 1f], bgr, nhwc,
            bt709: false, fullRange: false, offset: slot * (long)plane);
        DeviceOps.Tensorize(src, batch.View, a);
        var all = batch.GetAsArray1D();

        Assert.All(all.Take(plane).Concat(all.Skip(2 * plane)), f => Assert.True(float.IsNaN(f)));
        var ours = new byte[plane];
        for (var y = 0; y < th; y++)
            for (var x = 0; x < tw; x++)
                for (var c = 0; c < 3; c++)
                {
                    var channel = bgr ? 2 - c : c; // tensor channel holding RGB component c
                    var i = nhwc ? (y * tw + x) * 3 + channel : channel * tw * th + y * tw + x;
                    ours[(y * tw + x) * 3 + c] = (byte)Math.Clamp((int)Math.Round(all[plane + i] * 255), 0, 255);
                }
        var psnr = KernelTestKit.PsnrPerPlane(ours, expected, tw, th, PixelFormat.Rgb24)[0];
        log.WriteLine($"tensorize {format} {w}x{h} -> {tw}x{th} letterbox: PSNR {psnr:0.0} dB against ffmpeg scale+pad");
        Assert.True(psnr >= 45, $"PSNR {psnr:0.0} dB, want >= 45");
    }
}
