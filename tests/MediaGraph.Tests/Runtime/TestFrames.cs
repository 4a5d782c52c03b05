namespace MediaGraph.Tests.Runtime;

/// <summary>Small generated frames for runtime tests (64x48 yuv420p, 25 fps, plane 0 filled with a value).</summary>
internal static class TestFrames
{
    public static VideoFrame Gray(long pts, byte luma = 100, int width = 64, int height = 48)
    {
        var frame = VideoFrame.Allocate(width, height, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Pts = pts;
        frame.Duration = 1;
        frame.FrameRate = new Rational(25, 1);
        frame.GetPlaneSpan(0).Fill(luma);
        frame.GetPlaneSpan(1).Fill(128);
        frame.GetPlaneSpan(2).Fill(128);
        return frame;
    }
}
