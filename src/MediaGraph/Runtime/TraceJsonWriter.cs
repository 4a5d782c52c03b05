using System.Buffers;
using System.Buffers.Text;

namespace MediaGraph;

/// <summary>
/// The frame timeline's JSON, written fast: the caller hands over pre-encoded UTF-8 fragments (every key, every
/// fixed value, every name — escaped once) and numbers, which are formatted in place into one pooled 1 MB buffer that
/// goes to the stream when full. No validation, no per-event allocation, no floating point in the output's numbers:
/// a trace of millions of events is bound by the copy, not by a general-purpose JSON writer's bookkeeping.
/// </summary>
internal sealed class TraceJsonWriter(Stream output) : IDisposable
{
    private const int Size = 1 << 20;
    /// <summary>The longest a number takes ("-9223372036854775808.123456").</summary>
    private const int NumberRoom = 32;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(Size);
    private int _used;

    /// <summary>Appends <paramref name="utf8"/> as it is.</summary>
    public void Raw(ReadOnlySpan<byte> utf8)
    {
        if (_used + utf8.Length > _buffer.Length)
        {
            Flush();
            if (utf8.Length > _buffer.Length) { output.Write(utf8); return; }
        }
        utf8.CopyTo(_buffer.AsSpan(_used));
        _used += utf8.Length;
    }

    /// <summary>Appends an integer.</summary>
    public void Number(long value)
    {
        var room = Room();
        Utf8Formatter.TryFormat(value, room, out var written);
        _used += written;
    }

    /// <summary>Appends <paramref name="nanos"/> as microseconds with three decimals, trailing zeros left out
    /// ("1234.5", "1234.567", "1234").</summary>
    public void Micros(long nanos)
    {
        if (nanos >= 0 && nanos % 1000 == 0) Number(nanos / 1000);
        else Fixed(nanos, 1000, 3);
    }

    /// <summary>Appends <paramref name="pts"/> × <paramref name="timeBase"/> in seconds, rounded to the microsecond
    /// ("0.04", "3600.12").</summary>
    public void Seconds(long pts, Rational timeBase)
        => Fixed((long)Math.Round(pts * ((double)timeBase.Num / timeBase.Den) * 1e6, MidpointRounding.AwayFromZero), 1_000_000, 6);

    /// <summary><paramref name="value"/> / <paramref name="scale"/> as a decimal with at most <paramref name="digits"/>
    /// decimals (scale = 10^digits), integer arithmetic only.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private void Fixed(long value, long scale, int digits)
    {
        var room = Room();
        var n = 0;
        ulong magnitude;
        if (value < 0)
        {
            room[n++] = (byte)'-';
            magnitude = (ulong)(-(value + 1)) + 1; // long.MinValue too
        }
        else magnitude = (ulong)value;
        var whole = magnitude / (ulong)scale;
        var fraction = magnitude % (ulong)scale;
        Utf8Formatter.TryFormat(whole, room[n..], out var written);
        n += written;
        if (fraction != 0)
        {
            while (fraction % 10 == 0) { fraction /= 10; digits--; }
            room[n++] = (byte)'.';
            for (var i = digits - 1; i >= 0; i--)
            {
                room[n + i] = (byte)('0' + (int)(fraction % 10));
                fraction /= 10;
            }
            n += digits;
        }
        _used += n;
    }

    private Span<byte> Room()
    {
        if (_used + NumberRoom > _buffer.Length) Flush();
        return _buffer.AsSpan(_used, NumberRoom);
    }

    /// <summary>Hands what is buffered to the stream.</summary>
    public void Flush()
    {
        if (_used == 0) return;
        output.Write(_buffer, 0, _used);
        _used = 0;
    }

    /// <summary>Flushes (the stream itself is the caller's) and returns the buffer to the pool.</summary>
    public void Dispose()
    {
        if (_buffer.Length == 0) return;
        try
        {
            Flush();
            output.Flush();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }
    }
}
