using System.Runtime.InteropServices;
using MediaGraph.Interop;
using MediaGraph.Tests.Runtime;
using Xunit;

namespace MediaGraph.Tests.Frames;

/// <summary>Per-branch items: <see cref="MediaItem.ShareForBranch"/> and <see cref="FrameBase.MakeWritable"/>.</summary>
public sealed class ShareForBranchTests
{
    private static VideoFrame Pattern(int width = 32, int height = 18)
    {
        var frame = VideoFrame.Allocate(width, height, PixelFormat.Yuv420P, new Rational(1, 25));
        var luma = frame.GetPlaneSpan(0);
        for (var i = 0; i < luma.Length; i++) luma[i] = (byte)(i * 7);
        frame.GetPlaneSpan(1).Fill(100);
        frame.GetPlaneSpan(2).Fill(150);
        frame.Pts = 12;
        frame.Duration = 1;
        frame.FrameRate = new Rational(25, 1);
        return frame;
    }

    [Fact(Timeout = 10000)]
    public async Task SharedFrame_MadeWritableAndFilledOnOneBranch_LeavesTheOtherBranchsPixelsUntouched()
    {
        await Task.Yield();
        using var original = Pattern();
        var before = original.GetPlaneSpan(0).ToArray();
        using var branch = (VideoFrame)original.ShareForBranch();
        Assert.Equal(original.GetPlane(0).Data, branch.GetPlane(0).Data); // shared, not copied

        branch.MakeWritable();
        Assert.NotEqual(original.GetPlane(0).Data, branch.GetPlane(0).Data);
        Assert.Equal(before, branch.GetPlaneSpan(0).ToArray()); // the copy starts as the same picture
        branch.GetPlaneSpan(0).Fill(255);

        Assert.Equal(before, original.GetPlaneSpan(0).ToArray());
        Assert.All(branch.GetPlaneSpan(0).ToArray(), b => Assert.Equal(255, b));
        Assert.Equal((12L, 1L), (branch.Pts, branch.Duration));
    }

    [Fact(Timeout = 10000)]
    public async Task SharedFrame_TheOriginalMadeWritable_CopiesToo_AndTheBranchKeepsThePicture()
    {
        await Task.Yield();
        using var original = Pattern();
        var before = original.GetPlaneSpan(0).ToArray();
        using var branch = (VideoFrame)original.ShareForBranch();
        var shared = original.GetPlane(0).Data;

        original.MakeWritable();
        original.GetPlaneSpan(0).Clear();

        Assert.NotEqual(shared, original.GetPlane(0).Data);
        Assert.Equal(shared, branch.GetPlane(0).Data);
        Assert.Equal(before, branch.GetPlaneSpan(0).ToArray());
    }

    [Fact(Timeout = 10000)]
    public async Task MakeWritable_OnAFrameNobodyShares_KeepsTheSameBuffers()
    {
        await Task.Yield();
        using var frame = Pattern();
        var data = Enumerable.Range(0, 3).Select(p => frame.GetPlane(p).Data).ToArray();
        frame.MakeWritable();
        Assert.Equal(data, Enumerable.Range(0, 3).Select(p => frame.GetPlane(p).Data).ToArray());

        // Once the other branch released its item, the buffers are this frame's alone again: no copy either.
        var branch = frame.ShareForBranch();
        branch.Dispose();
        frame.MakeWritable();
        Assert.Equal(data[0], frame.GetPlane(0).Data);
    }

    [Fact(Timeout = 10000)]
    public async Task MakeWritable_WithSeveralOwnersOfTheSameObject_ThrowsInsteadOfWritingUnderThem()
    {
        await Task.Yield();
        using var frame = Pattern();
        frame.AddRef();
        var e = Assert.Throws<InvalidOperationException>(() => frame.MakeWritable());
        Assert.Contains("2 owners", e.Message);
        frame.Dispose();
        frame.MakeWritable(); // one owner again
    }

    [Fact(Timeout = 10000)]
    public async Task ShareForBranch_KeepsTimingTimeBaseFrameRateAndDescription()
    {
        await Task.Yield();
        using var original = Pattern(79, 97);
        original.TimeBase = new Rational(1, 90000);
        original.Pts = 3600;
        original.Duration = 3600;
        using var branch = (VideoFrame)original.ShareForBranch();

        Assert.NotSame(original, branch);
        Assert.Equal((1, 1), (original.ReferenceCount, branch.ReferenceCount));
        Assert.Equal((3600L, 3600L, new Rational(1, 90000)), (branch.Pts, branch.Duration, branch.TimeBase));
        Assert.Equal(new Rational(25, 1), branch.FrameRate);
        Assert.Equal((79, 97, original.Format), (branch.Width, branch.Height, branch.Format));
        for (var p = 0; p < 3; p++) Assert.Equal(original.GetPlane(p), branch.GetPlane(p));

        branch.Pts = 7200; // timing is per item
        Assert.Equal(3600, original.Pts);
    }

    [Fact(Timeout = 10000)]
    public async Task SharedAudioFrame_MadeWritableAndWrittenOnOneBranch_LeavesTheOthersSamplesUntouched()
    {
        await Task.Yield();
        using var original = AudioFrame.Allocate(256, SampleFormat.FromName("s16"), 48000, 2);
        original.Pts = 480;
        var (data, bytes) = original.GetPlane(0);
        var samples = new byte[bytes];
        for (var i = 0; i < bytes; i++) samples[i] = (byte)i;
        Marshal.Copy(samples, 0, data, bytes);

        using var branch = (AudioFrame)original.ShareForBranch();
        Assert.Equal((256, 48000, 2, 480L), (branch.SampleCount, branch.SampleRate, branch.Channels, branch.Pts));
        Assert.Equal(data, branch.GetPlane(0).Data);
        branch.MakeWritable();
        Assert.NotEqual(data, branch.GetPlane(0).Data);
        Marshal.Copy(new byte[bytes], 0, branch.GetPlane(0).Data, bytes);

        var after = new byte[bytes];
        Marshal.Copy(original.GetPlane(0).Data, after, 0, bytes);
        Assert.Equal(samples, after);
    }

    [Fact(Timeout = 10000)]
    public async Task ShareForBranch_OfAPooledFrame_RentsItsShellFromTheSamePool()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var frame = pools.Video.Rent();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_video(frame.Native, 16, 16, PixelFormat.Yuv420P.Id, 0), "test");
        frame.Refresh(new Rational(1, 25));

        var branch = frame.ShareForBranch();
        Assert.Same(pools.Video, branch.Pool);
        branch.Dispose();
        frame.Dispose();
        Assert.Equal(2, pools.Video.IdleCount);
    }

    [Fact(Timeout = 10000)]
    public async Task ShareForBranch_OfAnUnpooledFrame_MakesAnUnpooledItem()
    {
        await Task.Yield();
        using var frame = Pattern();
        var branch = frame.ShareForBranch();
        Assert.Null(branch.Pool);
        branch.Dispose();
        Assert.Equal(0, branch.ReferenceCount);
        Assert.Equal(32, frame.Width);
    }

    [OptimizedBuildFact(Timeout = 10000)]
    public async Task ShareForBranch_InSteadyState_AllocatesNothingManaged()
    {
        await Task.Yield();
        using var pools = new RunPools();
        var frame = pools.Video.Rent();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_video(frame.Native, 16, 16, PixelFormat.Yuv420P.Id, 0), "test");
        frame.Refresh(new Rational(1, 25));
        void Cycle() { var a = frame.ShareForBranch(); var b = frame.ShareForBranch(); a.Dispose(); b.Dispose(); }
        for (var i = 0; i < 100; i++) Cycle(); // warm up: the pool makes its shells

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) Cycle();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        frame.Dispose();
        Assert.True(allocated == 0, $"{allocated} bytes allocated for 2000 shared items");
    }
}

/// <summary>Counts the process's native handles, so it runs alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class ShareForBranchNativeTests
{
    [Fact(Timeout = 10000)]
    public async Task SharedItems_WhenEveryBranchReleased_LeaveNoNativeHandle()
    {
        await Task.Yield();
        var before = NativeMethods.mg_live_handles();
        var unpooled = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        var branches = Enumerable.Range(0, 3).Select(_ => unpooled.ShareForBranch()).ToList();
        Assert.Equal(before + 4, NativeMethods.mg_live_handles());
        unpooled.Dispose();
        foreach (var b in branches) b.Dispose();
        Assert.Equal(before, NativeMethods.mg_live_handles());

        var pools = new RunPools();
        var pooled = pools.Video.Rent();
        NativeStatus.ThrowIfFailed(NativeMethods.mg_frame_alloc_video(pooled.Native, 16, 16, PixelFormat.Yuv420P.Id, 0), "test");
        var shared = Enumerable.Range(0, 3).Select(_ => pooled.ShareForBranch()).ToList();
        pooled.Dispose();
        foreach (var b in shared) b.Dispose();
        Assert.Equal(4, pools.Video.IdleCount); // every shell came back
        pools.Dispose();
        Assert.Equal(before, NativeMethods.mg_live_handles());
    }
}
