using MediaGraph.Interop;
using Xunit;

namespace MediaGraph.Tests.Frames;

public sealed class MediaItemTests
{
    [Fact(Timeout = 10000)]
    public async Task AddRefAndDispose_CountOwners_AndTheLastDisposeReleasesTheBuffers()
    {
        await Task.Yield();
        var frame = VideoFrame.Allocate(64, 48, PixelFormat.Yuv420P, new Rational(1, 25));
        Assert.Equal(1, frame.ReferenceCount);

        frame.AddRef(2);
        Assert.Equal(3, frame.ReferenceCount);
        frame.Dispose();
        frame.Dispose();
        Assert.Equal(1, frame.ReferenceCount);
        Assert.Equal(64, frame.Width); // still alive: one owner left

        frame.Dispose();
        Assert.Equal(0, frame.ReferenceCount);
    }

    [Fact(Timeout = 10000)]
    public async Task Dispose_OnceTooOften_Throws()
    {
        await Task.Yield();
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.Dispose());
    }

    [Fact(Timeout = 10000)]
    public async Task AddRef_AfterTheLastDispose_Throws()
    {
        await Task.Yield();
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Dispose();
        Assert.Throws<ObjectDisposedException>(() => frame.AddRef());
    }

    [Fact(Timeout = 10000)]
    public async Task AddRefAndDispose_FromManyThreads_EndWithExactlyTheCountTheyShouldHave()
    {
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                frame.AddRef();
                frame.Dispose();
            }
        })));
        Assert.Equal(1, frame.ReferenceCount);
        frame.Dispose();
    }

    [Fact(Timeout = 10000)]
    public async Task Metadata_RidesOnTheItemAndIsClearedWithIt()
    {
        await Task.Yield();
        var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        Assert.False(frame.HasMetadata);
        frame.Metadata.Set("camera 7");
        frame.Metadata.Set("camera 8"); // same type: replaces
        frame.Metadata.Set(new Uri("rtsp://example/7"));

        Assert.True(frame.Metadata.TryGet<string>(out var tag));
        Assert.Equal("camera 8", tag);
        Assert.Equal(2, frame.Metadata.Count);
        Assert.False(frame.Metadata.TryGet<Version>(out _));
        frame.Dispose();
        Assert.False(frame.HasMetadata);
    }

    [Fact(Timeout = 10000)]
    public async Task PtsSeconds_UsesTheTimeBase_AndIsNaNWithoutAPts()
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 90000));
        Assert.Equal(Timestamp.None, frame.Pts);
        Assert.True(double.IsNaN(frame.PtsSeconds));
        frame.Pts = 135000;
        Assert.Equal(1.5, frame.PtsSeconds, 9);
    }
}

/// <summary>Counts the process's native handles, so it runs alone.</summary>
[Collection(SerialCollection.Name)]
public sealed class MediaItemNativeTests
{
    [Fact(Timeout = 10000)]
    public async Task Dispose_ByTheLastOwner_FreesTheNativeFrame()
    {
        await Task.Yield();
        var before = NativeMethods.mg_live_handles();
        var frame = VideoFrame.Allocate(64, 48, PixelFormat.Yuv420P, new Rational(1, 25));
        Assert.Equal(before + 1, NativeMethods.mg_live_handles());
        frame.AddRef();
        frame.Dispose();
        Assert.Equal(before + 1, NativeMethods.mg_live_handles());
        frame.Dispose();
        Assert.Equal(before, NativeMethods.mg_live_handles());
    }
}
