namespace MediaGraph;

/// <summary>
/// Turns decoded video upright for a stream with a display rotation (transpose for 90° and 270°, both flips for
/// 180°), the way the ffmpeg CLI autorotates; used inside <see cref="DecodeNode"/> so the graph's shape does not
/// depend on the file. It is the same libavfilter transform as a Filter node (<see cref="TransformInstance"/>), so
/// rotated frames keep their metadata and a size change re-negotiates. Other angles are left to the player.
/// </summary>
internal static class Rotator
{
    /// <summary>The transform that turns frames rotated <paramref name="degrees"/> clockwise upright, or null when
    /// nothing (or nothing simple) is to do. It takes ownership of each frame pushed.</summary>
    public static NodeInstance? For(Node decoder, double degrees)
    {
        static bool Near(double a, double b) => Math.Abs(a - b) < 1;
        var description = Near(degrees, 90) ? "transpose=clock" : Near(degrees, 180) ? "hflip,vflip" : Near(degrees, 270) ? "transpose=cclock" : null;
        return description is null
            ? null
            : new TransformInstance(decoder, (location, first) => FilterTransform.OnHost(description, FilterThreads.Automatic, decoder.Name, location, first));
    }
}
