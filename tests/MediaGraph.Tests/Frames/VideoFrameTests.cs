using Xunit;

namespace MediaGraph.Tests.Frames;

public sealed class VideoFrameTests
{
    [Theory(Timeout = 10000)]
    [InlineData(64, 48)]
    [InlineData(79, 97)]
    [InlineData(23, 211)]
    [InlineData(1, 1)]
    public async Task Allocate_Yuv420P_HasThreePlanesWithChromaRoundedUp(int width, int height)
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(width, height, PixelFormat.Yuv420P, new Rational(1, 25));
        Assert.Equal((width, height, "yuv420p"), (frame.Width, frame.Height, frame.Format.Name));
        Assert.Equal(FrameLocation.Host, frame.Location);

        var luma = frame.GetPlane(0);
        Assert.Equal((width, height), (luma.RowBytes, luma.Rows));
        Assert.True(luma.Pitch >= width, $"luma pitch {luma.Pitch} < width {width}");
        var (chromaWidth, chromaHeight) = ((width + 1) / 2, (height + 1) / 2);
        for (var p = 1; p <= 2; p++)
        {
            var chroma = frame.GetPlane(p);
            Assert.NotEqual(0, chroma.Data);
            Assert.Equal(chromaHeight, chroma.Rows);
            Assert.True(chroma.Pitch >= chromaWidth, $"plane {p} pitch {chroma.Pitch} < {chromaWidth}");
            Assert.True(frame.GetPlaneSpan(p).Length >= chroma.Pitch * (chromaHeight - 1) + chromaWidth);
        }
        Assert.Equal(default, frame.GetPlane(3));
        Assert.Equal(luma.Pitch * (height - 1) + width, frame.GetPlaneSpan(0).Length);
    }

    [Fact(Timeout = 10000)]
    public async Task Allocate_Rgb24_HasOnePackedPlane()
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(33, 7, PixelFormat.Rgb24, new Rational(1, 25));
        var plane = frame.GetPlane(0);
        Assert.Equal((99, 7), (plane.RowBytes, plane.Rows));
        Assert.True(plane.Pitch >= 99);
        Assert.Equal(default, frame.GetPlane(1));
    }

    [Fact(Timeout = 10000)]
    public async Task Allocate_Nv12_HasOneInterleavedChromaPlaneWithRowsRoundedUp()
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(79, 97, PixelFormat.Nv12, new Rational(1, 25));
        var chroma = frame.GetPlane(1);
        Assert.Equal(49, chroma.Rows);
        Assert.True(chroma.Pitch >= 80, $"pitch {chroma.Pitch} cannot hold 40 Cb/Cr pairs");
        Assert.Equal(default, frame.GetPlane(2));
    }

    [Theory(Timeout = 10000)]
    [InlineData("yuv420p", 79, 97, 1, 40)]
    [InlineData("yuv420p", 23, 211, 2, 12)]
    [InlineData("nv12", 79, 97, 1, 80)]
    [InlineData("yuv444p", 79, 97, 1, 79)]
    [InlineData("yuv420p10le", 79, 97, 1, 80)]
    public async Task GetPlane_ChromaRowBytes_AreTheBytesOfPixelsNotThePitch(string format, int width, int height, int plane, int rowBytes)
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(width, height, PixelFormat.FromName(format), new Rational(1, 25));
        var chroma = frame.GetPlane(plane);
        Assert.Equal(rowBytes, chroma.RowBytes);
        Assert.Equal(chroma.Pitch * (chroma.Rows - 1) + rowBytes, frame.GetPlaneSpan(plane).Length);
    }

    [Fact(Timeout = 10000)]
    public async Task GetPlaneSpan_WritesLandInTheFrame()
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(17, 9, PixelFormat.Gray8, new Rational(1, 25));
        var pitch = frame.GetPlane(0).Pitch;
        var span = frame.GetPlaneSpan(0);
        for (var y = 0; y < 9; y++)
            for (var x = 0; x < 17; x++)
                span[y * pitch + x] = (byte)(x + y * 17);
        var again = frame.GetPlaneSpan(0);
        Assert.Equal(8 + 8 * 17, again[8 * pitch + 8]);
        Assert.Equal(16 + 8 * 17, again[^1]);
    }

    [Fact(Timeout = 10000)]
    public async Task MakeWritable_OnASharedFrame_KeepsTheTiming()
    {
        await Task.Yield();
        using var frame = VideoFrame.Allocate(16, 16, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Pts = 42;
        frame.Duration = 1;
        using var other = frame.ShareForBranch(); // the buffers are shared: MakeWritable copies them
        frame.MakeWritable();
        Assert.Equal((42L, 1L), (frame.Pts, frame.Duration));
        frame.GetPlaneSpan(0)[0] = 200;
        Assert.Equal(200, frame.GetPlaneSpan(0)[0]);
    }

    [Fact(Timeout = 10000)]
    public async Task Allocate_InvalidSizeOrFormat_Throws()
    {
        await Task.Yield();
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoFrame.Allocate(0, 16, PixelFormat.Yuv420P, new Rational(1, 25)));
        Assert.Throws<ArgumentOutOfRangeException>(() => VideoFrame.Allocate(16, -1, PixelFormat.Yuv420P, new Rational(1, 25)));
        Assert.Throws<ArgumentException>(() => PixelFormat.FromName("nosuchformat"));
        Assert.ThrowsAny<MediaGraphException>(() => VideoFrame.Allocate(16, 16, PixelFormat.None, new Rational(1, 25)));
    }

    [Fact(Timeout = 10000)]
    public async Task PixelFormat_NamesRoundTrip()
    {
        await Task.Yield();
        foreach (var name in new[] { "yuv420p", "nv12", "rgb24", "bgra", "gray", "yuv420p10le" })
            Assert.Equal(name, PixelFormat.FromName(name).Name);
        Assert.Equal("none", PixelFormat.None.Name);
        Assert.Equal("fltp", SampleFormat.FromName("fltp").Name);
    }
}
