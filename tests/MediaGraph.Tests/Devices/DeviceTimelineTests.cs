using ILGPU;
using ILGPU.Runtime;
using MediaGraph.Kernels;
using MediaGraph.Tests.Kernels;
using Xunit;

namespace MediaGraph.Tests.Devices;

/// <summary>
/// GPU-side ordering and memory lifetime across streams, on ILGPU's CPU accelerator with a timeline whose fences
/// complete only when the test says (standing for GPU work still queued; the CPU accelerator itself runs every launch
/// before it returns). The ordering code is the one CUDA runs: which stream waits on which fence, when a pooled
/// buffer may be written again, when an NVDEC surface goes back to FFmpeg.
/// </summary>
[Collection(Kernels.SimDeviceCollection.Name)] // cuda-sim runs never overlap in the process
public sealed class DeviceTimelineTests
{
    /// <summary>A fence that completes when the test says (or when the host waits for it).</summary>
    private sealed class ManualFence(DeviceStream stream, int number) : DeviceFence(stream)
    {
        public int Number { get; } = number;
        public bool Completed;
        public bool Freed;
        public override bool IsComplete => Completed;
        public override void HostWait() => Completed = true;
        protected override void Free() => Freed = true;
        public override string ToString() => $"#{Number} on {Stream!.Owner}";
    }

    /// <summary>Fences numbered in record order; a log of records and GPU-side waits.</summary>
    private sealed class ManualTimeline : DeviceTimeline
    {
        private readonly List<ManualFence> _fences = new();
        public List<string> Log { get; } = new();
        public List<(DeviceStream Stream, ManualFence Fence)> Waits { get; } = new();

        public override DeviceFence Record(DeviceStream stream)
        {
            lock (_fences)
            {
                var fence = new ManualFence(stream, _fences.Count + 1);
                _fences.Add(fence);
                Log.Add($"record {stream.Owner} #{fence.Number}");
                return fence;
            }
        }

        protected override void WaitCore(DeviceStream stream, DeviceFence fence)
        {
            lock (_fences)
            {
                Waits.Add((stream, (ManualFence)fence));
                Log.Add($"wait {stream.Owner} #{((ManualFence)fence).Number}");
            }
        }

        public ManualFence Last(DeviceStream stream)
        {
            lock (_fences) return _fences.Last(f => ReferenceEquals(f.Stream, stream));
        }

        public void CompleteAll()
        {
            lock (_fences) foreach (var f in _fences) f.Completed = true;
        }

        public bool Waited(DeviceStream stream, DeviceFence fence) => Waits.Any(w => ReferenceEquals(w.Stream, stream) && ReferenceEquals(w.Fence, fence));
    }

    private static readonly PixelFormat Nv12 = PixelFormat.FromName("nv12");
    private static readonly Func<int, int, int, RemapParams> Copy = (_, _, _) => RemapParams.Crop(0, 0);

    /// <summary>A device frame written on <paramref name="producer"/> (its ready fence is pending).</summary>
    private static VideoFrame Produced(ComputeDevice device, DeviceStream producer)
    {
        var frame = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);
        producer.Writes(frame);
        producer.Done();
        return frame;
    }

    /// <summary>Work on <paramref name="consumer"/> that reads <paramref name="frame"/>; returns its fence.</summary>
    private static ManualFence Read(ManualTimeline timeline, VideoFrame frame, DeviceStream consumer)
    {
        consumer.Reads(frame);
        consumer.Done();
        return timeline.Last(consumer);
    }

    [Fact]
    public void Consumer_WaitsOnTheProducersReadyFence_OnTheGpu_WithoutAHostWait()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("scale");
        using var consumer = device.CreateStream("deinterlace");

        using var frame = Produced(device, producer);
        var ready = timeline.Last(producer);
        Assert.Same(ready, frame.DeviceBuffer!.Ready);
        Assert.False(ready.IsComplete);

        using var output = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);
        DeviceOps.Remap(frame, output, Copy, stream: consumer);

        Assert.True(timeline.Waited(consumer, ready));                    // ordered on the GPU ...
        Assert.Equal(0, device.HostWaits);                                 // ... not on the host
        Assert.Same(timeline.Last(consumer), output.DeviceBuffer!.Ready); // the output is ready after the consumer's fence
        var log = timeline.Log;
        Assert.True(log.IndexOf($"wait deinterlace #{ready.Number}") < log.IndexOf($"record deinterlace #{timeline.Last(consumer).Number}"));
    }

    [Fact]
    public void WorkOnTheSameStream_NeedsNoWait()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var stream = device.CreateStream("scale");
        using var frame = Produced(device, stream);
        using var output = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);

        DeviceOps.Remap(frame, output, Copy, stream: stream);

        Assert.DoesNotContain(timeline.Waits, w => ReferenceEquals(w.Stream, stream));
    }

    [Fact]
    public void TwoBranchesReadingOneFrame_EachLeaveTheirDoneReadingFenceOnIt()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("decode");
        using var left = device.CreateStream("scale");
        using var right = device.CreateStream("blur");
        using var frame = Produced(device, producer);
        using var branch = (VideoFrame)frame.ShareForBranch(); // fan-out: the same memory
        using var a = KernelTestKit.NewDeviceFrame(device, Nv12, 32, 18);
        using var b = KernelTestKit.NewDeviceFrame(device, Nv12, 32, 18);

        DeviceOps.Remap(frame, a, Copy, stream: left);   // scale's kernel
        DeviceOps.Remap(branch, b, Copy, stream: right); // blur's kernel

        var ready = timeline.Last(producer);
        Assert.True(timeline.Waited(left, ready));
        Assert.True(timeline.Waited(right, ready));
        Assert.Equal(2, frame.DeviceBuffer!.Readers);
    }

    [Fact]
    public void ReleasedBuffer_WhileAReaderIsPending_IsNotWrittenBeforeTheReaderFinishes()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("upload");
        using var reader = device.CreateStream("scale");
        using var writer = device.CreateStream("upload again");
        var frame = Produced(device, producer);
        var memory = frame.DeviceBuffer!;
        var reading = Read(timeline, frame, reader);
        frame.Dispose(); // the host is done with it; the GPU may still be reading it

        using var next = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36); // only a pending buffer is free
        Assert.Same(memory, next.DeviceBuffer);
        Assert.Equal(1, device.Frames.ReusedWhilePending);
        Assert.False(timeline.Waited(writer, reading));
        using var source = KernelTestKit.NewDeviceFrame(device, Nv12, 128, 72);
        DeviceOps.Remap(source, next, Copy, stream: writer);

        Assert.True(timeline.Waited(writer, reading));               // the new writer's stream waits for the reader
        Assert.Equal(0, device.HostWaits);                            // on the GPU
        Assert.Equal(0, memory.Readers);                              // and its fence replaces the readers'
        Assert.Same(timeline.Last(writer), memory.Ready);
    }

    [Fact]
    public void Pool_HandsOutABufferWhoseReadersFinished_BeforeOneStillBeingRead()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("decode");
        using var slow = device.CreateStream("infer");
        using var fast = device.CreateStream("scale");
        var busy = Produced(device, producer);
        var done = Produced(device, producer);
        var (busyMemory, doneMemory) = (busy.DeviceBuffer!, done.DeviceBuffer!);
        Read(timeline, busy, slow);
        var fastRead = Read(timeline, done, fast);
        busy.Dispose(); // released first: the oldest free buffer
        done.Dispose();
        timeline.Last(producer).Completed = true;
        fastRead.Completed = true; // the fast reader finished, the slow one not

        using var next = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);

        Assert.Same(doneMemory, next.DeviceBuffer);
        Assert.NotSame(busyMemory, next.DeviceBuffer);
        Assert.Equal(0, device.Frames.ReusedWhilePending);
    }

    [Fact]
    public void FrameReleasedByAllConsumers_ComesBackAsFreeOnlyAfterItsFencesComplete()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("decode");
        using var left = device.CreateStream("scale");
        using var right = device.CreateStream("blur");
        var frame = Produced(device, producer);
        var branch = (VideoFrame)frame.ShareForBranch();
        var memory = frame.DeviceBuffer!;
        var fences = new[] { timeline.Last(producer), Read(timeline, frame, left), Read(timeline, branch, right) };
        frame.Dispose();
        branch.Dispose();
        Assert.False(memory.FencesComplete());

        foreach (var f in fences) f.Completed = true;
        using var next = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);

        Assert.Same(memory, next.DeviceBuffer);
        Assert.Equal(0, device.Frames.ReusedWhilePending);
        Assert.Null(memory.Ready);                         // its fences were let go ...
        Assert.Equal(0, memory.Readers);
        Assert.All(fences.Skip(1), f => Assert.True(f.Freed)); // ... and freed (events back to their pool)
    }

    [Fact]
    public void AdoptedSurface_GoesBackToFfmpegOnlyAfterTheLastReadersFenceCompletes()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var left = device.CreateStream("scale");
        using var right = device.CreateStream("deinterlace");
        var adopted = Adopted(device, 32, 18);
        var ready = (ManualFence)adopted.DeviceBuffer!.Ready!;   // FFmpeg's write, on the shared stream
        var branch = (VideoFrame)adopted.ShareForBranch();
        var leftRead = Read(timeline, adopted, left);
        var rightRead = Read(timeline, branch, right);
        Assert.True(timeline.Waited(left, ready));
        Assert.True(timeline.Waited(right, ready));

        adopted.Dispose();
        branch.Dispose();
        Assert.Equal(1, timeline.Retiring);           // held: both readers may still run
        ready.Completed = true;
        leftRead.Completed = true;
        device.Timeline.Poll();
        Assert.Equal(1, timeline.Retiring);           // one reader still may
        rightRead.Completed = true;
        device.Timeline.Poll();
        Assert.Equal(0, timeline.Retiring);           // given back
    }

    [Fact]
    public void DecoderOutOfSurfaces_WaitsOnTheHostForTheOldestHeldOne_Counted()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var reader = device.CreateStream("scale");
        var adopted = Adopted(device, 32, 18);
        var reading = Read(timeline, adopted, reader);
        adopted.Dispose();
        Assert.Equal(1, timeline.Retiring);

        Assert.True(device.Timeline.WaitOldest());

        Assert.Equal(0, timeline.Retiring);
        Assert.Equal(1, device.HostWaits);
        Assert.True(reading.Completed);
    }

    [Fact]
    public void Download_WaitsOnTheGpuForTheProducer_AndOnTheHostOnlyForItsOwnCopy()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var producer = device.CreateStream("scale");
        using var download = device.CreateStream("download");
        using var frame = Produced(device, producer);
        using var host = new VideoFrame();
        DeviceCopy.AllocateHostLike(host, frame);
        var staging = Array.Empty<byte>();

        DeviceCopy.ToHost(frame, host, ref staging, download);

        Assert.True(timeline.Waited(download, timeline.Last(producer)));
        Assert.False(timeline.Last(producer).Completed); // the host never waited for the producer itself
        Assert.Equal(1, device.HostWaits);               // only for the download's own stream
    }

    [Fact]
    public void Upload_RunsAhead_UntilBothStagingBuffersAreStillBeingCopied()
    {
        var timeline = new ManualTimeline();
        using var device = ComputeDevice.OpenSimulator(timeline);
        using var upload = device.CreateStream("upload");
        using var host = VideoFrame.Allocate(64, 36, Nv12, new Rational(1, 25));
        using var staging = new HostStaging();
        var frames = new List<VideoFrame>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                frames.Add(KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36));
                DeviceCopy.ToDevice(host, frames[^1], staging, upload);
                Assert.Same(timeline.Last(upload), frames[^1].DeviceBuffer!.Ready);
            }
            Assert.Equal(0, device.HostWaits);

            frames.Add(KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36));
            DeviceCopy.ToDevice(host, frames[^1], staging, upload); // the first staging buffer is still being copied

            Assert.Equal(1, device.HostWaits);
            Assert.True(((ManualFence)frames[0].DeviceBuffer!.Ready!).Completed);
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void CpuAccelerator_FencesAreComplete_AndWaitingOnOneSynchronizesItsStream()
    {
        using var device = ComputeDevice.OpenSimulator(new ImmediateTimeline());
        using var producer = device.CreateStream("scale");
        using var consumer = device.CreateStream("download");
        using var frame = Produced(device, producer);
        var ready = frame.DeviceBuffer!.Ready!;

        Assert.True(ready.IsComplete);
        using var output = KernelTestKit.NewDeviceFrame(device, Nv12, 64, 36);
        DeviceOps.Remap(frame, output, Copy, stream: consumer);

        Assert.Equal(1, device.GpuWaits); // the same ordering code ran: one cross-stream wait
        Assert.True(frame.DeviceBuffer!.FencesComplete());
    }

    [Fact]
    public void DisposingTheDevice_WaitsForAndRunsEveryRetiredRelease()
    {
        var timeline = new ManualTimeline();
        var device = ComputeDevice.OpenSimulator(timeline);
        var adopted = Adopted(device, 32, 18);
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

        // A user's kernel copies each plane through the pitched views into a pooled frame, on a stream of its own.
        using var stream = device.CreateStream("copy");
        var copy = device.Accelerator.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>>(CopyPlane);
        using var result = KernelTestKit.NewDeviceFrame(device, format, width, height, adopted);
        stream.Reads(adopted);
        stream.Writes(result);
        for (var i = 0; i < 3; i++)
        {
            var from = adopted.GetDevicePlane<byte>(i);
            copy(stream.Stream, new Index2D((int)from.Extent.X, (int)from.Extent.Y), from, result.GetDevicePlane<byte>(i));
        }
        stream.Done();
        adopted.Dispose();                      // the last MediaGraph reference goes ...
        Assert.Equal(1, timeline.Retiring);     // ... but FFmpeg's frame stays until the GPU work on it has run
        using var host = KernelTestKit.Download(result);
        Assert.Equal(expected, KernelTestKit.Packed(host));

        timeline.CompleteAll();
        device.Timeline.Poll();
        Assert.Equal(0, timeline.Retiring);
    }

    /// <summary>A host frame adopted as FFmpeg memory (the CPU accelerator's device memory is host memory).</summary>
    private static VideoFrame Adopted(ComputeDevice device, int width, int height)
    {
        using var host = VideoFrame.Allocate(width, height, PixelFormat.FromName("yuv420p"), new Rational(1, 25));
        var adopted = new VideoFrame();
        Interop.NativeStatus.ThrowIfFailed(Interop.NativeMethods.mg_frame_ref(adopted.Native, host.Native), "ref");
        adopted.Refresh(host.TimeBase);
        ForeignDeviceMemory.Adopt(device, adopted, host.TimeBase);
        return adopted;
    }

    private static void CopyPlane(Index2D i, ArrayView2D<byte, Stride2D.DenseX> from, ArrayView2D<byte, Stride2D.DenseX> to) => to[i] = from[i];
}
