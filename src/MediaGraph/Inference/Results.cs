using System.Text.Json.Serialization;

namespace MediaGraph;

// Inference results as typed metadata: an inference node sets one of these on each frame it ran on (keyed by type,
// see FrameMetadata), later nodes and the app read it with frame.Metadata.TryGet<T>(out var result). Every value is
// immutable once set. Coordinates are in the frame's own pixels (the letterbox of the model input is undone).

/// <summary>A point in frame pixels.</summary>
public readonly record struct PointF32(float X, float Y);

/// <summary>An axis-aligned box in frame pixels.</summary>
public readonly record struct BoxF32(float X, float Y, float Width, float Height)
{
    /// <summary>Intersection over union with <paramref name="other"/> (0 when they do not overlap).</summary>
    public double IoU(BoxF32 other)
    {
        var w = Math.Min(X + Width, other.X + other.Width) - Math.Max(X, other.X);
        var h = Math.Min(Y + Height, other.Y + other.Height) - Math.Max(Y, other.Y);
        if (w <= 0 || h <= 0) return 0;
        var inter = (double)w * h;
        return inter / ((double)Width * Height + (double)other.Width * other.Height - inter);
    }

    /// <summary>The smallest box holding <paramref name="points"/>.</summary>
    public static BoxF32 Bounding(IReadOnlyList<PointF32> points)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        foreach (var p in points)
        {
            x0 = Math.Min(x0, p.X); y0 = Math.Min(y0, p.Y);
            x1 = Math.Max(x1, p.X); y1 = Math.Max(y1, p.Y);
        }
        return points.Count == 0 ? default : new BoxF32(x0, y0, x1 - x0, y1 - y0);
    }
}

/// <summary>One detected object: box, score, class index and its label (null when the model has no label list).</summary>
public sealed record Detection(BoxF32 Box, float Score, int Class, string? Label);

/// <summary>Objects detected on a frame (made by a custom post-processor).</summary>
public sealed record Detections(IReadOnlyList<Detection> Items);

/// <summary>A text region found by a text detector: a quadrilateral (clockwise from top-left) and the detector's
/// score.</summary>
public sealed record TextRegion(IReadOnlyList<PointF32> Polygon, float Score)
{
    /// <summary>The region's bounding box.</summary>
    [JsonIgnore]
    public BoxF32 Bounds => BoxF32.Bounding(Polygon);
}

/// <summary>Text regions found on a frame, in reading order (top to bottom, then left to right).</summary>
public sealed record TextDetections(IReadOnlyList<TextRegion> Regions);

/// <summary>One class of a classification with its probability.</summary>
public sealed record ClassScore(int Class, string? Label, float Score);

/// <summary>The top classes of a frame (or of a text crop), most probable first.</summary>
public sealed record Classification(IReadOnlyList<ClassScore> Top);

/// <summary>Text recognised on a whole frame (or crop): the string and the mean probability of its characters.</summary>
public sealed record RecognizedText(string Text, float Confidence);

/// <summary>A line of text read on a frame: where (polygon, detector score), what (text, recogniser confidence), and
/// whether the orientation classifier turned it upside down before reading.</summary>
public sealed record TextLine(IReadOnlyList<PointF32> Polygon, float Score, string Text, float Confidence, bool Rotated)
{
    /// <summary>The line's bounding box.</summary>
    [JsonIgnore]
    public BoxF32 Bounds => BoxF32.Bounding(Polygon);
}

/// <summary>The text read on a frame by <c>ReadText()</c>, in reading order.</summary>
public sealed record TextLines(IReadOnlyList<TextLine> Lines)
{
    /// <summary>The lines' texts joined by a space, in reading order.</summary>
    public override string ToString() => string.Join(" ", Lines.Select(l => l.Text));
}
