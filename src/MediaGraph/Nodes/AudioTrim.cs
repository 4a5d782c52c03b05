namespace MediaGraph;

/// <summary>
/// Keeps the part of an audio stream from <c>start</c> for <c>duration</c> seconds, as the ffmpeg CLI's
/// <c>-af atrim=start=S:duration=D</c> (libavfilter's atrim: cut to the sample, timestamps unchanged). The audio
/// twin of <see cref="TrimNode"/>.
/// </summary>
public sealed class AudioTrimNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "atrim",
        Doc = "Keeps the audio from a start time for a duration (atrim=start:duration).",
        Inputs = [new("in", MediaKind.Audio)],
        Outputs = [new("out", MediaKind.Audio)],
        Parameters = TrimNode.Parameters(),
        Create = v => new AudioTrimNode(v),
    };

    /// <summary>Keeps from <paramref name="start"/> for <paramref name="duration"/> (null: to the end).</summary>
    public AudioTrimNode(TimeSpan start, TimeSpan? duration = null) : this(TrimValues.Of(start, duration)) { }

    private AudioTrimNode(ParameterValues values) : base(Descriptor, values) { }

    /// <summary>The first time kept.</summary>
    public TimeSpan Start => TrimValues.Start(Values);
    /// <summary>How long is kept; null: to the end.</summary>
    public TimeSpan? Duration => TrimValues.Duration(Values);

    internal override string FilterDescription => "atrim=" + TrimValues.Describe(Values);

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);
}
