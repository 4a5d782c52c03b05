using Microsoft.Extensions.Logging;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>How an NVENC encoder runs: on the CUDA device from device frames when NVENC opens there, else the software
/// encoder of the same codec after one counted download, said once (H100/H200 have no NVENC).</summary>
public sealed class NvencPlanTests
{
    [Fact]
    public void SoftwareEncoder_IsLeftAlone()
        => Assert.Equal(new NvencPlan(false, "libx264", null), NvencPlan.Decide("libx264", cudaDevice: true, () => throw new InvalidOperationException("not probed")));

    [Fact]
    public void Nvenc_WithoutCudaDevice_FallsBackToTheSameCodecsSoftwareEncoder()
    {
        var plan = NvencPlan.Decide("hevc_nvenc", cudaDevice: false, () => throw new InvalidOperationException("not probed"));
        Assert.False(plan.OnDevice);
        Assert.Equal("libx265", plan.Codec);
        Assert.Contains("needs a CUDA device", plan.Why);
    }

    [Fact]
    public void Nvenc_OnAGpuWithoutNvenc_FallsBackSayingFfmpegsReason()
    {
        var plan = NvencPlan.Decide("h264_nvenc", cudaDevice: true, () => "OpenEncodeSessionEx failed: unsupported device (2)");
        Assert.Equal(new NvencPlan(false, "libx264", "h264_nvenc cannot open on this GPU: OpenEncodeSessionEx failed: unsupported device (2)"), plan);
    }

    [Fact]
    public void Nvenc_ThatOpens_EncodesFromDeviceFrames()
        => Assert.Equal(new NvencPlan(true, "h264_nvenc", null), NvencPlan.Decide("h264_nvenc", cudaDevice: true, () => null));

    [Fact(Timeout = 120000)]
    public async Task NvencOutput_OnTheCpu_IsEncodedWithLibx264AndSaidOnce()
    {
        var log = new ListLogger();
        var options = new GraphOptions { Device = Device.Cpu, LoggerFactory = new ListLoggerFactory(log) };
        var graph = new MediaGraph.Graph(options);
        var output = Path.Combine(TestMedia.OutputFolder("nvenc"), "out.mkv");
        graph.Encode(output, graph.Decode(TestMedia.CityCC0).Video.Scale(64, 36), null, new EncodeOptions { VideoCodec = "h264_nvenc" });
        await graph.RunAsync();

        var (code, stdout, error) = await TestMedia.RunProcessAsync("ffprobe", $"-v error -select_streams v:0 -show_entries stream=codec_name -of csv=p=0 \"{output}\"");
        Assert.True(code == 0, error);
        Assert.Equal("h264", stdout.Trim());
        Assert.Single(log.Lines, l => l.Level >= LogLevel.Warning && l.Text.Contains("h264_nvenc") && l.Text.Contains("libx264"));
    }
}
