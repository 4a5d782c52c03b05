using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>When <see cref="OverlayNode"/>'s x and y expressions are evaluated (libavfilter overlay's <c>eval</c>).</summary>
public enum OverlayEval
{
    /// <summary>For every main frame drawn on (the default, as libavfilter's): <c>t</c> and <c>n</c> move.</summary>
    Frame,
    /// <summary>Once, before the first frame is drawn on (with <c>t</c> and <c>pos</c> NaN, <c>n</c> 0).</summary>
    Init,
}

/// <summary>
/// The running side of <see cref="OverlayNode"/>'s x and y expressions: parsed by FFmpeg (one parse per run, so
/// <c>st()</c>/<c>ld()</c> state is the run's own) and evaluated by it with libavfilter overlay's variables and order
/// (x, then y, then x again so x may use y), and rounded as overlay rounds: NaN means "not drawn on this frame",
/// anything else is truncated to an integer and rounded down to the chroma subsampling.
/// </summary>
internal sealed class OverlayPosition : IDisposable
{
    /// <summary>overlay's variables, in the order of their values.</summary>
    internal static readonly string[] Names = ["main_w", "W", "main_h", "H", "overlay_w", "w", "overlay_h", "h", "hsub", "vsub", "x", "y", "n", "pos", "t"];
    private const int MainW = 0, MainH = 2, OverlayW = 4, OverlayH = 6, HSub = 8, VSub = 9, X = 10, Y = 11, N = 12, Pos = 13, T = 14;

    private readonly FfmpegExpression _x, _y;
    private readonly OverlayEval _eval;
    private readonly double[] _values = new double[Names.Length];
    private bool _evaluated;

    public OverlayPosition(string x, string y, OverlayEval eval, string node)
    {
        _x = FfmpegExpression.Parse(x, Names, node);
        try { _y = FfmpegExpression.Parse(y, Names, node); }
        catch { _x.Dispose(); throw; }
        _eval = eval;
        // As overlay's configuration: position and time unknown until evaluated.
        _values[X] = _values[Y] = _values[T] = _values[Pos] = double.NaN;
    }

    /// <summary>What is wrong with <paramref name="expression"/> as an overlay position, or null.</summary>
    public static string? Check(string expression) => FfmpegExpression.Check(expression, Names);

    /// <summary>Where the overlay goes on a main frame: null when an expression gives NaN (not drawn on it).</summary>
    /// <param name="main">The main picture's size and subsampling (log2).</param>
    /// <param name="overlay">The overlay picture's size, after its scaling.</param>
    /// <param name="seconds">The main frame's time (NaN when it has none).</param>
    /// <param name="n">The main frame's number (libavfilter: frames the main input has delivered so far).</param>
    public (int X, int Y)? At((int Width, int Height, int HSub, int VSub) main, (int Width, int Height) overlay, double seconds, long n)
    {
        if (_eval == OverlayEval.Frame || !_evaluated)
        {
            _values[MainW] = _values[MainW + 1] = main.Width;
            _values[MainH] = _values[MainH + 1] = main.Height;
            _values[OverlayW] = _values[OverlayW + 1] = overlay.Width;
            _values[OverlayH] = _values[OverlayH + 1] = overlay.Height;
            _values[HSub] = 1 << main.HSub;
            _values[VSub] = 1 << main.VSub;
            if (_eval == OverlayEval.Frame)
            {
                _values[N] = n;
                _values[T] = seconds;
            }
            _values[X] = _x.Evaluate(_values);
            _values[Y] = _y.Evaluate(_values);
            _values[X] = _x.Evaluate(_values); // x may be written in terms of y
            _evaluated = true;
        }
        if (double.IsNaN(_values[X]) || double.IsNaN(_values[Y])) return null;
        return (Normalize(_values[X], main.HSub), Normalize(_values[Y], main.VSub));
    }

    /// <summary>overlay's normalize_xy: C's (int) truncation (x86 gives INT_MIN out of range), then rounded down to the
    /// chroma subsampling.</summary>
    private static int Normalize(double d, int sub)
    {
        var i = d is >= int.MinValue and < 2147483648.0 ? (int)d : int.MinValue;
        return i & ~((1 << sub) - 1);
    }

    public void Dispose()
    {
        _x.Dispose();
        _y.Dispose();
    }
}
