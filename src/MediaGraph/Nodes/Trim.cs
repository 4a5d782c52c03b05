using System.Globalization;

namespace MediaGraph;

/// <summary>
/// Keeps the part of a video stream from <c>start</c> for <c>duration</c> seconds, as the ffmpeg CLI's
/// <c>-vf trim=start=S:duration=D</c>: libavfilter's trim, so the frames kept are the CLI's (a frame is kept when its
/// timestamp is at or after the start and before start + duration) and their timestamps are unchanged (the output
/// starts at the start time, not at 0: add <c>SetPts("PTS-STARTPTS")</c> for that, as with the CLI). Times are the
/// stream's, which the decoder starts at 0 as the CLI does. Frames before the window are released; after the
/// window the node passes nothing more.
/// </summary>
public sealed class TrimNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "trim",
        Doc = "Keeps the video from a start time for a duration (trim=start:duration).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters = Parameters(),
        Create = v => new TrimNode(v),
    };

    /// <summary>Keeps from <paramref name="start"/> for <paramref name="duration"/> (null: to the end).</summary>
    public TrimNode(TimeSpan start, TimeSpan? duration = null) : this(TrimValues.Of(start, duration)) { }

    private TrimNode(ParameterValues values) : base(Descriptor, values) { }

    /// <summary>The first time kept.</summary>
    public TimeSpan Start => TrimValues.Start(Values);
    /// <summary>How long is kept; null: to the end.</summary>
    public TimeSpan? Duration => TrimValues.Duration(Values);

    internal override string FilterDescription => "trim=" + TrimValues.Describe(Values);

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);

    internal static IReadOnlyList<Parameter> Parameters() =>
    [
        Parameter.Double("start", "Seconds: the first time kept.", @default: 0, min: 0),
        Parameter.Double("duration", "Seconds kept from the start (absent: to the end).", min: 0),
    ];
}

/// <summary>The start and duration values shared by <see cref="TrimNode"/> and <see cref="AudioTrimNode"/>.</summary>
internal static class TrimValues
{
    public static ParameterValues Of(TimeSpan start, TimeSpan? duration)
    {
        if (start < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(start), $"trim: start {start} is negative");
        if (duration < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(duration), $"trim: duration {duration} is negative");
        var values = new ParameterValues { ["start"] = start.TotalSeconds };
        if (duration is { } d) values["duration"] = d.TotalSeconds;
        return values;
    }

    public static TimeSpan Start(ParameterValues values) => TimeSpan.FromSeconds(values.Get<double>("start"));
    public static TimeSpan? Duration(ParameterValues values) => values.Get<double?>("duration") is { } d ? TimeSpan.FromSeconds(d) : null;

    /// <summary>"start=1.5:duration=2" (libavfilter durations, exact to the microsecond).</summary>
    public static string Describe(ParameterValues values)
    {
        var text = "start=" + Seconds(values.Get<double>("start"));
        return values.Get<double?>("duration") is { } d ? text + ":duration=" + Seconds(d) : text;
    }

    private static string Seconds(double value) => Math.Round(value, 6).ToString("0.######", CultureInfo.InvariantCulture);
}
