using System.Diagnostics;
using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using MediaGraph;
using MediaGraph.Kernels;

namespace MediaGraph.Benchmarks;

/// <summary>
/// Kernel time per frame on a device, for a lent GPU: scale 1080p NV12 to 720p (bilinear), yadif on 1080p NV12, and
/// tensorize 1080p NV12 to a 640×384 letterboxed float tensor. Each kernel is launched <c>iterations</c> times
/// back to back on the device's stream after a warm-up (kernel compile and load excluded); the time is from the
/// first launch to the stream's end, so it is kernel time, with no host↔device copies. Prints frames per second
/// and the achieved memory bandwidth (bytes the kernel must read and write per frame, divided by its time) as a
/// fraction of 4.3 TB/s (an H200's copy rate). On cuda-sim the numbers only show that the code runs.
/// </summary>
internal static class KernelThroughput
{
    public static void Run(Device device, int width, int height, int iterations)
    {
        using var dev = ComputeDevice.Open(device) ?? throw new InvalidOperationException($"device {device} opened nothing (cpu?)");
        Console.WriteLine($"device: {dev}, {width}x{height} nv12, {iterations} launches each");
        var nv12 = PixelFormat.Nv12;
        VideoFrame Frame(int w, int h)
        {
            var f = new VideoFrame();
            dev.Frames.Fill(f, nv12, w, h, null);
            return f;
        }
        using var a = Frame(width, height);
        using var b = Frame(width, height);
        using var c = Frame(width, height);
        using var outFull = Frame(width, height);
        var (sw, sh) = (width * 2 / 3 / 2 * 2, height * 2 / 3 / 2 * 2); // 1920x1080 -> 1280x720
        using var outScaled = Frame(sw, sh);
        using var tensor = dev.Accelerator.Allocate1D<float>(3L * 640 * 384);
        var frameBytes = width * height * 3L / 2;

        Measure($"scale nv12 -> {sw}x{sh} bilinear", () => DeviceOps.Scale(a, outScaled, ScaleAlgorithm.Bilinear), frameBytes + sw * sh * 3L / 2);
        Measure("yadif nv12 (send_frame)", () => DeviceOps.Yadif(a, b, c, outFull, 0, 1), 3 * frameBytes + frameBytes);
        var t = TensorizeParams.For("nv12", width, height, 640, 384, keepAspect: true, pad: 114, [0f, 0f, 0f], [1f, 1f, 1f],
            bgr: false, nhwc: false, bt709: true, fullRange: false, offset: 0);
        Measure("tensorize nv12 -> 640x384 f32", () => DeviceOps.Tensorize(a, tensor.View, t), frameBytes + 3L * 640 * 384 * 4);

        void Measure(string name, Action launch, long bytes)
        {
            launch(); // compile, load, first launch
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++) launch();
            dev.Synchronize();
            var seconds = clock.Elapsed.TotalSeconds / iterations;
            var bandwidth = bytes / seconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-34} {seconds * 1e6,10:0.0} us/frame {1 / seconds,12:0} fps {bandwidth / 1e9,9:0.0} GB/s ({bandwidth / 4.3e12:P1} of 4.3 TB/s)"));
        }
    }
}
