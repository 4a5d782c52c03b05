using MediaGraph.Kernels;
using Xunit;

namespace MediaGraph.Tests.Kernels;

/// <summary>One cuda-sim device (ILGPU's CPU accelerator) shared by the kernel tests of a collection: kernels load
/// once per device, as in a run.</summary>
public sealed class SimDeviceFixture : IDisposable
{
    public ComputeDevice Device { get; } = ComputeDevice.Open(MediaGraph.Device.CudaSim)!;
    public void Dispose() => Device.Dispose();
}

[CollectionDefinition(Name)]
public sealed class SimDeviceCollection : ICollectionFixture<SimDeviceFixture>
{
    public const string Name = "cuda-sim device";
}

/// <summary>Raw frames in and out of the ffmpeg CLI, host↔device copies, and PSNR per plane.</summary>
internal static class KernelTestKit
{
    /// <summary>Frames of <paramref name="format"/> at <paramref name="width"/>×<paramref name="height"/> that
    /// <c>ffmpeg {input} -f rawvideo -pix_fmt format</c> writes, packed (no padding).</summary>
    public static async Task<byte[]> FfmpegRawAsync(string input, string filter, string format, string? dir = null, string? filterComplex = null)
    {
        dir ??= TestMedia.OutputFolder("raw");
        var path = Path.Combine(dir, $"{Guid.NewGuid():N}.raw");
        var vf = filterComplex is not null ? $"-filter_complex \"{filterComplex}\"" : filter.Length > 0 ? $"-vf \"{filter}\"" : "";
        var (code, _, error) = await TestMedia.RunProcessAsync("ffmpeg", $"-nostdin -hide_banner -v error -y {input} {vf} -fps_mode passthrough -f rawvideo -pix_fmt {format} \"{path}\"");
        if (code != 0) throw new InvalidOperationException($"ffmpeg {input} {vf} failed ({code}): {error}");
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>Writes packed raw frames to a file and returns ffmpeg input arguments that read them.</summary>
    public static async Task<string> RawInputAsync(byte[] data, int width, int height, string format, string extra = "")
    {
        var path = Path.Combine(TestMedia.OutputFolder("rawin"), "in.raw");
        await File.WriteAllBytesAsync(path, data);
        return $"-f rawvideo -pix_fmt {format} -s {width}x{height} {extra} -i \"{path}\"";
    }

    /// <summary>Bytes of one packed frame.</summary>
    public static int FrameBytes(int width, int height, PixelFormat format)
    {
        var total = 0;
        using var probe = VideoFrame.Allocate(width, height, format, new Rational(1, 25));
        for (var i = 0; i < 4; i++)
        {
            var p = probe.GetPlane(i);
            if (p.Data == 0) break;
            total += p.RowBytes * p.Rows;
        }
        return total;
    }

    /// <summary>A host frame holding packed frame <paramref name="index"/> of <paramref name="raw"/>.</summary>
    public static VideoFrame HostFrame(byte[] raw, int index, int width, int height, PixelFormat format)
    {
        var frame = VideoFrame.Allocate(width, height, format, new Rational(1, 25));
        var offset = index * FrameBytes(width, height, format);
        for (var i = 0; i < 4; i++)
        {
            var p = frame.GetPlane(i);
            if (p.Data == 0) break;
            var span = frame.GetPlaneSpan(i);
            for (var row = 0; row < p.Rows; row++, offset += p.RowBytes)
                raw.AsSpan(offset, p.RowBytes).CopyTo(span.Slice(row * p.Pitch));
        }
        frame.Pts = index;
        return frame;
    }

    /// <summary>Plane <paramref name="index"/>'s pixels of a host frame, without the row padding.</summary>
    public static byte[] PlaneBytes(VideoFrame frame, int index)
    {
        var plane = frame.GetPlane(index);
        var span = frame.GetPlaneSpan(index);
        var pixels = new byte[plane.RowBytes * plane.Rows];
        for (var y = 0; y < plane.Rows; y++) span.Slice(y * plane.Pitch, plane.RowBytes).CopyTo(pixels.AsSpan(y * plane.RowBytes));
        return pixels;
    }

    /// <summary>Packed bytes of a host frame.</summary>
    public static byte[] Packed(VideoFrame frame)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < 4; i++)
        {
            var p = frame.GetPlane(i);
            if (p.Data == 0) break;
            var span = frame.GetPlaneSpan(i);
            for (var row = 0; row < p.Rows; row++) bytes.AddRange(span.Slice(row * p.Pitch, p.RowBytes).ToArray());
        }
        return bytes.ToArray();
    }

    /// <summary>A device copy of a host frame.</summary>
    public static VideoFrame Upload(ComputeDevice device, VideoFrame host)
    {
        var frame = NewDeviceFrame(device, host.Format, host.Width, host.Height, host);
        var staging = Array.Empty<byte>();
        DeviceCopy.ToDevice(host, frame, ref staging);
        return frame;
    }

    /// <summary>An empty device frame.</summary>
    public static VideoFrame NewDeviceFrame(ComputeDevice device, PixelFormat format, int width, int height, VideoFrame? props = null)
    {
        var frame = new VideoFrame();
        device.Frames.Fill(frame, format, width, height, props);
        return frame;
    }

    /// <summary>A host copy of a device frame.</summary>
    public static VideoFrame Download(VideoFrame device)
    {
        var host = new VideoFrame();
        DeviceCopy.AllocateHostLike(host, device);
        var staging = Array.Empty<byte>();
        DeviceCopy.ToHost(device, host, ref staging);
        return host;
    }

    /// <summary>PSNR (dB) of each plane of two packed frames of the same format and size (∞ when equal).</summary>
    public static double[] PsnrPerPlane(byte[] actual, byte[] expected, int width, int height, PixelFormat format)
    {
        Assert.Equal(expected.Length, actual.Length);
        using var probe = VideoFrame.Allocate(width, height, format, new Rational(1, 25));
        var result = new List<double>();
        var offset = 0;
        for (var i = 0; i < 4; i++)
        {
            var p = probe.GetPlane(i);
            if (p.Data == 0) break;
            var n = p.RowBytes * p.Rows;
            double se = 0;
            for (var k = offset; k < offset + n; k++) { var d = actual[k] - expected[k]; se += d * d; }
            offset += n;
            result.Add(se == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / (se / n)));
        }
        return result.ToArray();
    }

    public static string Describe(double[] psnr) => string.Join(", ", psnr.Select(v => double.IsInfinity(v) ? "inf" : v.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)));
}
