namespace MediaGraph;

/// <summary>How <see cref="FpsNode"/> rounds a frame's timestamp to the output rate's grid (libavfilter fps's
/// <c>round</c>).</summary>
public enum FpsRounding
{
    /// <summary>To the nearest slot, halves away from zero (the filter's default).</summary>
    Near,
    /// <summary>Toward zero.</summary>
    Zero,
    /// <summary>Away from zero.</summary>
    Inf,
    /// <summary>Toward −∞.</summary>
    Down,
    /// <summary>Toward +∞.</summary>
    Up,
}

/// <summary>
/// Converts video to a constant frame rate with libavfilter's <c>fps</c> filter (the same rules as
/// <c>ffmpeg -vf fps=RATE</c>): each input timestamp is rounded to the output grid (1/rate, starting at the first
/// frame's slot); a slot no frame lands on repeats the frame before it, and of frames landing on one slot only the
/// last is kept. Output frames are timed in 1/rate and carry the rate. At end of input the last frame fills the
/// slots up to where its own duration ends (rounded like the others). Each output frame carries the metadata of the
/// input frame it repeats.
/// </summary>
public sealed class FpsNode : TransformNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "fps",
        Doc = "Converts video to a constant frame rate (libavfilter fps: duplicates and drops frames).",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.String("rate", "The output frame rate, as ffmpeg reads it: \"25\", \"30000/1001\", \"29.97\" or \"ntsc\".", required: true, rule: RateProblem),
            Parameter.Enum("round", "How timestamps round to the output grid.", FpsRounding.Near,
                ("near", FpsRounding.Near), ("zero", FpsRounding.Zero), ("inf", FpsRounding.Inf), ("down", FpsRounding.Down), ("up", FpsRounding.Up)),
        ],
        Create = v => new FpsNode(v),
    };

    /// <summary>Converts to <paramref name="rate"/> frames per second, rounding timestamps with <paramref name="rounding"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not positive.</exception>
    public FpsNode(Rational rate, FpsRounding rounding = FpsRounding.Near)
        : this(new ParameterValues { ["rate"] = Checked(rate).ToString(), ["round"] = rounding }) { }

    private FpsNode(ParameterValues values) : base(Descriptor, values) { }

    /// <summary>The output frame rate.</summary>
    public Rational Rate => Rational.ParseFrameRate(Values.Get<string>("rate")!);
    /// <summary>How timestamps round to the output grid.</summary>
    public FpsRounding Rounding => Values.Get<FpsRounding>("round");

    internal override string FilterDescription => $"fps=fps={Rate}:round={Descriptor.Find("round")!.NameOf(Values["round"]!)}";

    protected override FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
        => FilterTransform.OnHost(FilterDescription, FilterThreads.Automatic, Name, location, first);

    private static Rational Checked(Rational rate)
        => rate.IsValid ? rate : throw new ArgumentOutOfRangeException(nameof(rate), $"the fps rate {rate} is not a positive rate (give one such as 25 or 30000/1001)");

    private static string? RateProblem(string text)
    {
        try
        {
            Rational.ParseFrameRate(text);
            return null;
        }
        catch (FormatException)
        {
            return $"'{text}' is not a frame rate: give one such as \"25\", \"30000/1001\", \"29.97\" or \"ntsc\"";
        }
    }
}
