using MediaGraph.Kernels;
using Xunit;

namespace MediaGraph.Tests.Kernels;

/// <summary>Crop, flip and rotation kernels on cuda-sim are bit-exact with libavfilter's crop, hflip, vflip and
/// transpose on the same input, for planar 4:2:0 (odd sizes too), NV12 and RGB.</summary>
[Collection(SimDeviceCollection.Name)]
public sealed class GeometryKernelTests(SimDeviceFixture sim)
{
    [Theory]
    [InlineData("yuv420p", 96, 54)]
    [InlineData("yuv420p", 95, 53)]
    [InlineData("nv12", 96, 54)]
    [InlineData("rgb24", 95, 53)]
    public async Task CropFlipRotate_AreBitExactWithLibavfilter(string format, int w, int h)
    {
        var fmt = PixelFormat.FromName(format);
        var input = await KernelTestKit.FfmpegRawAsync("-f lavfi -i testsrc2=size=192x108:rate=25 -frames:v 1", $"scale={w}:{h}", format);
        var raw = await KernelTestKit.RawInputAsync(input, w, h, format);
        var (hsub, vsub) = DeviceOps.Subsampling(fmt);
        // crop x/y are whole chroma samples, as libavfilter's crop rounds them
        var cases = new (string Filter, int W, int H, Func<int, int, int, RemapParams> Map)[]
        {
            ("crop=50:30:10:6", 50, 30, (i, pw, ph) => RemapParams.Crop(i > 0 && hsub > 0 && DeviceOps.Channels(fmt, i) != 3 ? 10 >> hsub : 10, i > 0 && vsub > 0 && DeviceOps.Channels(fmt, i) != 3 ? 6 >> vsub : 6)),
            ("hflip", w, h, (i, pw, ph) => RemapParams.HorizontalFlip(pw)),
            ("vflip", w, h, (i, pw, ph) => RemapParams.VerticalFlip(ph)),
            ("transpose=clock", h, w, (i, pw, ph) => RemapParams.Rotate90(ph)),
            ("transpose=cclock", h, w, (i, pw, ph) => RemapParams.Rotate270(pw)),
            ("hflip,vflip", w, h, (i, pw, ph) => RemapParams.Rotate180(pw, ph)),
        };
        using var host = KernelTestKit.HostFrame(input, 0, w, h, fmt);
        using var src = KernelTestKit.Upload(sim.Device, host);
        foreach (var (filter, ow, oh, map) in cases)
        {
            if (format == "nv12" && filter.StartsWith("transpose", StringComparison.Ordinal)) continue; // libavfilter's transpose does not take nv12
            var expected = await KernelTestKit.FfmpegRawAsync(raw, filter, format);
            using var dst = KernelTestKit.NewDeviceFrame(sim.Device, fmt, ow, oh, src);
            DeviceOps.Remap(src, dst, map);
            using var result = KernelTestKit.Download(dst);
            Assert.True(expected.SequenceEqual(KernelTestKit.Packed(result)), $"{format} {w}x{h} {filter}: not bit-exact");
        }
    }
}
