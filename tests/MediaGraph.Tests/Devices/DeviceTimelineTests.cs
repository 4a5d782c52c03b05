using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Tests.Kernels;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>GPU-side ordering and memory lifetime, on ILGPU's CPU accelerator with a timeline whose fences pass only when
/// the test says (standing for GPU work still queued): pooled buffers and adopted FFmpeg frames (NVDEC surfaces) go
/// back only after the work queued on them has run.</summary>
[Collection(Kernels.SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class DeviceTimelineTests
{
    /// <summary>Fences numbered in record order; they pass when <see cref="PassAll"/> (or a synchronize) says so.</summary>
    private sealed class ManualTimeline : DeviceTimeline
    {
        private long _recorded, _passed;
        public int Waits;
        public override DeviceFence Record(nint stream) => new((nint)Interlocked.Increment(ref _recorded), stream);
        public override void Wait(nint stream, DeviceFence fence) => Waits++;
        public override bool HasPassed(DeviceFence fence) => fence.Handle <= Interlocked.Read(ref _passed);
        public override void Synchronize(DeviceFence fence) => Interlocked.Exchange(ref _passed, Math.Max(_passed, fence.Handle));
        protected override void Free(DeviceFence fence) { }
        public void PassAll() => Interlocked.Exchange(ref _passed, Interlocked.Read(ref _recorded));
    }

    [Fact]
    public void PooledBuffer_ComesBackOnlyAfterTheWorkQueuedOnItHasRun()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        var nv12 = PixelFormat.FromName("nv12");

        KernelTestKit.NewDeviceFrame(device, nv12, 64, 36).Dispose();  // released while its work may still run
        Assert.Equal(1, timeline.Retiring);
        using (KernelTestKit.NewDeviceFrame(device, nv12, 64, 36))      // so this one cannot reuse it
            Assert.Equal(2, device.Frames.Allocations);

        timeline.PassAll();
        using (KernelTestKit.NewDeviceFrame(device, nv12, 64, 36))      // the GPU is done: reused
        {
            Assert.Equal(2, device.Frames.Allocations);
            Assert.Equal(0, timeline.Retiring);
        }
    }

    [Fact]
    public void DisposingTheDevice_WaitsForAndRunsEveryRetiredRelease()
    {
        var timeline = new ManualTimeline();
        var device = ComputeDevice.OpenSimulator(timeline);
        using var host = VideoFrame.Allocate(32, 18, PixelFormat.FromName("yuv420p"), new Rational(1, 25));
        var adopted = new VideoFrame();
        Interop.NativeStatus.ThrowIfFailed(Interop.NativeMethods.mg_frame_ref(adopted.Native, host.Native), "ref");
        adopted.Refresh(host.TimeBase);
        ForeignDeviceMemory.Adopt(device, adopted, host.TimeBase);
        adopted.Dispose();
        Assert.Equal(1, timeline.Retiring);

        device.Dispose();
        Assert.Equal(0, timeline.Retiring);
    }

    [Fact]
    public void AdoptedFrame_IsReadByKernelsInPlace_AndKeptUntilTheirWorkHasRun()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        var format = PixelFormat.FromName("yuv420p");
        const int width = 37, height = 21; // odd: chroma rows round up, pitch wider than the row
        using var source = VideoFrame.Allocate(width, height, format, new Rational(1, 25));
        for (var i = 0; i < 3; i++)
        {
            var span = source.GetPlaneSpan(i);
            for (var k = 0; k < span.Length; k++) span[k] = (byte)(k * 7 + i * 31);
        }
        var expected = KernelTestKit.Packed(source);

        // A frame FFmpeg owns (here a host frame: the CPU accelerator's device memory is host memory), adopted zero-copy.
        var adopted = new VideoFrame();
        Interop.NativeStatus.ThrowIfFailed(Interop.NativeMethods.mg_frame_ref(adopted.Native, source.Native), "ref");
        adopted.Refresh(source.TimeBase);
        var y0 = adopted.GetPlane(0).Data;
        ForeignDeviceMemory.Adopt(device, adopted, source.TimeBase);
        Assert.Same(device, adopted.Device);
        Assert.Equal(y0, adopted.GetPlane(0).Data); // same memory, no copy

        // A kernel copies each plane through the pitched views into a pooled frame; the download compares.
        var copy = device.Accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>>(CopyPlane);
        using var result = KernelTestKit.NewDeviceFrame(device, format, width, height, adopted);
        for (var i = 0; i < 3; i++)
        {
            var from = adopted.GetDevicePlane<byte>(i);
            copy(new Index2D((int)from.Extent.X, (int)from.Extent.Y), from, result.GetDevicePlane<byte>(i));
        }
        device.Synchronize();
        adopted.Dispose();                      // the last MediaGraph reference goes ...
        Assert.Equal(1, timeline.Retiring);     // ... but FFmpeg's frame stays until the GPU work on it has run
        using var host = KernelTestKit.Download(result);
        Assert.Equal(expected, KernelTestKit.Packed(host));

        timeline.PassAll();
        device.Timeline.Poll();
        Assert.Equal(0, timeline.Retiring);
    }

    private static void CopyPlane(Index2D i, ArrayView2D<byte, Stride2D.DenseX> from, ArrayView2D<byte, Stride2D.DenseX> to) => to[i] = from[i];
}
