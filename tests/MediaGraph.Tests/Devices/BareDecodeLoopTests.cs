using MediaGraph.Interop;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>The bare decode loop in the native library (native/bench.c), the baseline of the graph's decode benchmark:
/// on the CPU it decodes every frame ffprobe counts; asked for NVDEC without a GPU it says why or fails naming the
/// cause; bad input fails naming the file. (Its NVDEC path is unverified on hardware until a GPU is lent.)</summary>
public sealed class BareDecodeLoopTests
{
    private static bool NoGpu => CudaDriver.Probe(out _) == 0;

    [Fact(Timeout = 120000)]
    public async Task Software_DecodesEveryFrameFfprobeCounts_Mpeg2()
    {
        var probed = await Ffprobe.StreamAsync(TestMedia.CityCC0);
        var r = BareDecodeLoop.Run(TestMedia.CityCC0, BareDecodeMode.Software);
        Assert.Equal(probed.Frames, r.Frames);
        Assert.False(r.Hardware);
        Assert.Equal((720, 405), (r.Width, r.Height));
    }

    [Fact(Timeout = 120000)]
    public async Task Software_DecodesEveryFrameFfprobeCounts_H264WithBFramesAndOneThread()
    {
        // B-frames: the decoder holds frames back until the flush at the end, which the loop must drain.
        var clip = await TestMedia.ClipAsync("bare-loop-h264-bframes.mp4",
            "-f lavfi -i testsrc2=size=160x120:rate=25 -frames:v 37 -c:v libx264 -preset ultrafast -bf 3 -g 12 -pix_fmt yuv420p");
        var probed = await Ffprobe.StreamAsync(clip);
        var r = BareDecodeLoop.Run(clip, BareDecodeMode.Software, threads: 1);
        Assert.Equal(37, probed.Frames);
        Assert.Equal(probed.Frames, r.Frames);
        Assert.Equal(probed.Packets, r.Packets);
    }

    [Fact]
    public void Software_TimesTheLoopFromItsFirstToItsLastFrame()
    {
        var r = BareDecodeLoop.Run(TestMedia.CityCC0, BareDecodeMode.Software);
        Assert.True(r.OpenSeconds > 0);
        Assert.True(r.FirstFrameSeconds > 0 && r.FirstFrameSeconds <= r.LastFrameSeconds && r.LastFrameSeconds <= r.Seconds,
            $"first {r.FirstFrameSeconds}, last {r.LastFrameSeconds}, loop {r.Seconds}");
        Assert.True(r.SteadyFps > 0);
    }

    [Fact]
    public void Auto_WithoutGpu_DecodesInSoftwareSayingWhy()
    {
        if (!NoGpu) return;
        var r = BareDecodeLoop.Run(TestMedia.CityCC0, BareDecodeMode.Auto);
        Assert.Equal(190, r.Frames);
        Assert.False(r.Hardware);
        Assert.NotEqual("", r.Why);
    }

    [Fact(Timeout = 120000)]
    public async Task Auto_WithoutGpu_H264_SaysNoCudaDeviceCouldBeOpened()
    {
        if (!NoGpu) return;
        var clip = await TestMedia.TinyAsync();
        var r = BareDecodeLoop.Run(clip, BareDecodeMode.Auto);
        Assert.Equal(10, r.Frames);
        Assert.False(r.Hardware);
        Assert.Contains("no CUDA device could be opened", r.Why);
    }

    [Fact(Timeout = 120000)]
    public async Task Cuda_WithoutGpu_FailsNamingTheCause()
    {
        if (!NoGpu) return;
        var clip = await TestMedia.TinyAsync();
        var e = Assert.Throws<MediaGraphException>(() => BareDecodeLoop.Run(clip, BareDecodeMode.Cuda));
        Assert.Contains("bare decode loop", e.Message);
        Assert.Contains("CUDA device 0", e.Message);
    }

    [Fact]
    public void MissingFile_FailsNamingTheFile()
    {
        var path = Path.Combine(TestMedia.OutputFolder(), "absent.mp4");
        var e = Assert.Throws<MediaGraphException>(() => BareDecodeLoop.Run(path, BareDecodeMode.Software));
        Assert.Contains("absent.mp4", e.Message);
    }

    [Fact(Timeout = 120000)]
    public async Task AudioOnlyFile_FailsSayingItHasNoVideo()
    {
        var clip = await TestMedia.ClipAsync("bare-loop-audio-only.wav", "-f lavfi -i sine=frequency=440:sample_rate=8000 -t 0.2");
        var e = Assert.Throws<MediaGraphException>(() => BareDecodeLoop.Run(clip, BareDecodeMode.Software));
        Assert.Contains("has no video stream", e.Message);
    }
}
