namespace MediaGraph.Tests.Inference;

/// <summary>Frames for the batching tests: which stream and which frame each is can be read back from its pixels.</summary>
internal static class StreamFrames
{
    /// <summary>A 96x48 frame whose content tells stream and index apart (a gradient and a level).</summary>
    public static VideoFrame Make(int stream, int index)
    {
        var frame = VideoFrame.Allocate(96, 48, PixelFormat.Yuv420P, new Rational(1, 25));
        frame.Pts = index;
        frame.Duration = 1;
        frame.FrameRate = new Rational(25, 1);
        var y = frame.GetPlaneSpan(0);
        var pitch = frame.GetPlane(0).Pitch;
        for (var r = 0; r < 48; r++)
            for (var c = 0; c < 96; c++)
                y[r * pitch + c] = (byte)(20 + 30 * stream + 9 * index + (c * (stream + 1)) % 64);
        frame.GetPlaneSpan(1).Fill((byte)(100 + 10 * stream));
        frame.GetPlaneSpan(2).Fill(128);
        return frame;
    }
}
