namespace MediaGraph;

/// <summary>A rational number such as a time base (1/90000) or a frame rate (30000/1001).</summary>
public readonly record struct Rational(int Num, int Den)
{
    /// <summary>Microseconds: FFmpeg's AV_TIME_BASE_Q.</summary>
    public static readonly Rational Microseconds = new(1, 1_000_000);

    /// <summary>True when both parts are positive.</summary>
    public bool IsValid => Num > 0 && Den > 0;

    /// <summary>The value as a double (0 when invalid).</summary>
    public double ToDouble() => Den == 0 ? 0 : (double)Num / Den;

    /// <summary>The reciprocal (frame rate to time base).</summary>
    public Rational Invert() => new(Den, Num);

    /// <summary>Rescales <paramref name="value"/> from time base <paramref name="from"/> to <paramref name="to"/>,
    /// rounding to nearest like av_rescale_q; <see cref="Timestamp.None"/> stays none.</summary>
    public static long Rescale(long value, Rational from, Rational to)
    {
        if (value == Timestamp.None) return value;
        if (from == to) return value;
        var num = (Int128)value * from.Num * to.Den;
        var den = (Int128)from.Den * to.Num;
        var half = den / 2;
        var q = num >= 0 ? (num + half) / den : (num - half) / den;
        return (long)q;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Num}/{Den}";

    /// <summary>Parses a frame rate exactly as the ffmpeg CLI's <c>-r</c> does (FFmpeg's av_parse_video_rate):
    /// "25", "30000/1001", "29.97" (2997/100), or a name such as "ntsc" (30000/1001), "pal" (25/1), "film" (24/1).</summary>
    /// <exception cref="FormatException">The text is not a positive frame rate; the message says what to give.</exception>
    public static Rational ParseFrameRate(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Interop.NativeLibraryCheck.EnsureLoaded();
        if (Interop.NativeMethods.mg_parse_video_rate(text, out var num, out var den) < 0)
            throw new FormatException(Interop.NativeStatus.LastError());
        return new Rational(num, den);
    }

    /// <summary>Parses "30000/1001", "25" or "29.97".</summary>
    public static Rational Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var slash = text.IndexOf('/');
        if (slash > 0) return new(int.Parse(text[..slash]), int.Parse(text[(slash + 1)..]));
        if (int.TryParse(text, out var whole)) return new(whole, 1);
        var d = double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        return new((int)Math.Round(d * 1000), 1000);
    }
}

/// <summary>Timestamp helpers.</summary>
public static class Timestamp
{
    /// <summary>"No timestamp" (AV_NOPTS_VALUE).</summary>
    public const long None = long.MinValue;

    /// <summary>Seconds of <paramref name="value"/> in <paramref name="timeBase"/>, or NaN for <see cref="None"/>.</summary>
    public static double ToSeconds(long value, Rational timeBase) => value == None ? double.NaN : value * timeBase.ToDouble();
}
