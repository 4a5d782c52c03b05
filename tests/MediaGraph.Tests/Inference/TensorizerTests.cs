using MediaGraph.Tests.Runtime;
using Xunit;

namespace MediaGraph.Tests.Inference;

/// <summary>The CPU path of a preprocessing spec, with FFmpeg's own scaler as the oracle of the resized pixels.</summary>
public sealed class TensorizerTests
{
    /// <summary>A 79x61 (odd) yuv444p frame of testsrc2 and the same frame FFmpeg scales to <paramref name="w"/>x<paramref name="h"/>
    /// (bilinear, as the tensorizer asks swscale) as packed rgb24.</summary>
    private static async Task<(VideoFrame Frame, byte[] Rgb)> FrameAndOracleAsync(int w, int h)
    {
        var yuv = Path.Combine(TestMedia.OutputFolder(), "frame.yuv");
        var rgb = Path.Combine(TestMedia.OutputFolder(), "frame.rgb");
        await TestMedia.RunFfmpegAsync($"-f lavfi -i testsrc2=size=80x62 -frames:v 1 -vf format=yuv444p,crop=79:61:0:0 -pix_fmt yuv444p -f rawvideo \"{yuv}\"");
        await TestMedia.RunFfmpegAsync($"-f rawvideo -pix_fmt yuv444p -s 79x61 -i \"{yuv}\" -vf scale=w={w}:h={h}:flags=bilinear,format=gbrp,format=rgb24 -f rawvideo \"{rgb}\"");
        var bytes = await File.ReadAllBytesAsync(yuv);
        var frame = VideoFrame.Allocate(79, 61, PixelFormat.Yuv444P, new Rational(1, 25));
        var offset = 0;
        for (var p = 0; p < 3; p++)
        {
            var plane = frame.GetPlane(p);
            var span = frame.GetPlaneSpan(p);
            for (var row = 0; row < plane.Rows; row++, offset += plane.RowBytes)
                bytes.AsSpan(offset, plane.RowBytes).CopyTo(span.Slice(row * plane.Pitch));
        }
        return (frame, await File.ReadAllBytesAsync(rgb));
    }

    [Fact]
    public async Task CpuTensorizer_NchwBgrMeanStd_MatchesSwscaleNormalised()
    {
        var spec = new PreprocessSpec(40, 30, keepAspect: false, ColorOrder.Bgr, mean: [0.485f, 0.456f, 0.406f], std: [0.229f, 0.224f, 0.225f]);
        var (frame, rgb) = await FrameAndOracleAsync(40, 30);
        using (frame)
        using (var tensorizer = new CpuTensorizer(spec, frame, "test"))
        {
            var slot = new float[spec.ImageLength];
            tensorizer.Write(frame, slot);
            for (var c = 0; c < 3; c++)
                for (var i = 0; i < 40 * 30; i++)
                {
                    var pixel = rgb[i * 3 + (2 - c)]; // channel 0 is blue
                    var expected = (pixel / 255f - spec.Mean[c]) / spec.Std[c];
                    Assert.True(Math.Abs(expected - slot[c * 1200 + i]) < 1e-4, $"channel {c} pixel {i}: {slot[c * 1200 + i]}, swscale gives {expected}");
                }
        }
    }

    [Fact]
    public async Task CpuTensorizer_KeepAspect_ScalesToFitAndPadsRightAndBottom()
    {
        // 79x61 into 64x64: the width decides (64/79), so the picture is 64x49 and 15 rows of padding follow.
        var spec = new PreprocessSpec(64, 64, keepAspect: true, ColorOrder.Rgb, layout: TensorLayout.Nhwc, padValue: -1);
        var (frame, rgb) = await FrameAndOracleAsync(64, 49);
        using (frame)
        using (var tensorizer = new CpuTensorizer(spec, frame, "test"))
        {
            var slot = new float[spec.ImageLength];
            var box = tensorizer.Write(frame, slot);
            Assert.Equal((64, 49), (box.ScaledWidth, box.ScaledHeight));
            for (var i = 0; i < 64 * 49 * 3; i++) Assert.Equal(rgb[i] / 255f, slot[i], 5);
            Assert.All(slot[(64 * 49 * 3)..], v => Assert.Equal(-1f, v));
            var corner = box.ToFrame(64, 49);
            Assert.Equal(79, corner.X, 2);
            Assert.Equal(61, corner.Y, 2);
        }
    }

    [OptimizedBuildFact]
    public async Task CpuTensorizer_SteadyState_AllocatesNothing()
    {
        var spec = PreprocessSpec.PaddleTextDetection(64, 64);
        var (frame, _) = await FrameAndOracleAsync(64, 49);
        using (frame)
        using (var tensorizer = new CpuTensorizer(spec, frame, "test"))
        {
            var slot = new float[spec.ImageLength];
            for (var i = 0; i < 10; i++) tensorizer.Write(frame, slot);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 100; i++) tensorizer.Write(frame, slot);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
