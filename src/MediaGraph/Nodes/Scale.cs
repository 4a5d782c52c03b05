namespace MediaGraph;

/// <summary>
/// Scales video with swscale (through libavfilter's scale filter) to a size, optionally converting the pixel
/// format. A width or height of -1 keeps the aspect ratio (-2 also keeps it even). Emits one frame per frame with
/// the same timestamps; re-negotiates when the input size changes.
/// Supported formats: every format swscale reads and writes (yuv420p, yuv422p, yuv444p, nv12, rgb24, bgra, 10-bit ...).
/// </summary>
public sealed class ScaleNode : FilterNode
{
    internal ScaleNode(OutputPort input, int width, int height, ScaleAlgorithm algorithm, string? pixelFormat)
        : base(Build(width, height, algorithm, pixelFormat), [input])
    {
        Width = width;
        Height = height;
        Algorithm = algorithm;
        PixelFormat = pixelFormat;
    }

    public int Width { get; }
    public int Height { get; }
    public ScaleAlgorithm Algorithm { get; }
    public string? PixelFormat { get; }
    public override string Kind => "scale";

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string> { ["width"] = Width.ToString(), ["height"] = Height.ToString(), ["algorithm"] = Algorithm.ToString().ToLowerInvariant() };
        if (PixelFormat is { } f) d["pix_fmt"] = f;
        return d;
    }

    private static string Build(int width, int height, ScaleAlgorithm algorithm, string? pixelFormat)
    {
        if (width == 0 || width < -2) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be positive, or -1/-2 to keep the aspect ratio");
        if (height == 0 || height < -2) throw new ArgumentOutOfRangeException(nameof(height), height, "height must be positive, or -1/-2 to keep the aspect ratio");
        if (width < 0 && height < 0) throw new ArgumentException("at most one of width and height may be -1/-2");
        var flags = algorithm switch
        {
            ScaleAlgorithm.Bilinear => "bilinear",
            ScaleAlgorithm.Bicubic => "bicubic",
            ScaleAlgorithm.Area => "area",
            ScaleAlgorithm.Lanczos => "lanczos",
            ScaleAlgorithm.Neighbor => "neighbor",
            ScaleAlgorithm.FastBilinear => "fast_bilinear",
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        var text = $"scale=w={width}:h={height}:flags={flags}";
        return pixelFormat is null ? text : $"{text},format=pix_fmts={pixelFormat}";
    }
}
