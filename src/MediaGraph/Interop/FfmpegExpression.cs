namespace MediaGraph.Interop;

internal sealed class ExpressionHandle : NativeHandle
{
    protected override bool ReleaseHandle() { var p = handle; NativeMethods.mg_expr_free(ref p); return true; }
}

/// <summary>
/// An expression in FFmpeg's own syntax (libavutil/eval: <c>main_w-overlay_w-10</c>, <c>if(gte(t,2),10+t*50,NAN)</c>),
/// parsed by FFmpeg over named variables and evaluated by it, so it means exactly what it means in a filter option on
/// the ffmpeg command line. Each instance keeps the expression's own state (<c>st()</c>/<c>ld()</c>, <c>random()</c>):
/// one per running node. Not thread-safe.
/// </summary>
internal sealed unsafe class FfmpegExpression : IDisposable
{
    private readonly ExpressionHandle _handle;
    private readonly int _variables;

    private FfmpegExpression(ExpressionHandle handle, int variables) => (_handle, _variables) = (handle, variables);

    /// <summary>Parses <paramref name="text"/> over <paramref name="names"/> (their values are given to
    /// <see cref="Evaluate"/> in this order); throws <see cref="MediaGraphException"/> with FFmpeg's reason and where
    /// it stopped.</summary>
    public static FfmpegExpression Parse(string text, IReadOnlyList<string> names, string? node = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var handle = Handles.Open<ExpressionHandle>((out nint p) => NativeMethods.mg_expr_parse(text, string.Join('\n', names), out p), "parsing an expression", node);
        return new FfmpegExpression(handle, names.Count);
    }

    /// <summary>Null when <paramref name="text"/> parses over <paramref name="names"/>, else FFmpeg's reason
    /// ("expression 'main_w-foo': Invalid argument (Undefined constant or missing '(' in 'foo')").</summary>
    public static string? Check(string text, IReadOnlyList<string> names)
    {
        var status = NativeMethods.mg_expr_parse(text, string.Join('\n', names), out var p);
        if (status < 0) return NativeStatus.LastError();
        NativeMethods.mg_expr_free(ref p);
        return null;
    }

    /// <summary>The value for <paramref name="values"/> (one per name, in the parse order); NaN where FFmpeg gives it.</summary>
    public double Evaluate(ReadOnlySpan<double> values)
    {
        if (values.Length < _variables) throw new ArgumentException($"the expression has {_variables} variables; {values.Length} values were given", nameof(values));
        fixed (double* v = values) return NativeMethods.mg_expr_eval(_handle.Ptr, v);
    }

    public void Dispose() => _handle.Dispose();
}
