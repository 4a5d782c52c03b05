using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MediaGraph.Kernels;

/// <summary>
/// The gaussian blur's CPU twin: the same Q14 weights, mirrored edges and rounding as <see cref="BlurKernels.Gaussian"/>
/// (each pass: <c>clamp((Σ wₖ·sₖ + 2^13) &gt;&gt; 14, 0, 255)</c> in 32-bit integers), so CPU and device give the same
/// bytes. Both passes are one FIR routine over a row: the vertical pass reads 2r + 1 rows, the horizontal pass reads
/// one row copied with its mirrored edges, shifted by one sample per tap. With AVX2 it computes 32 outputs at a time
/// with <c>vpmaddwd</c> (taps in pairs: two 8-bit samples times two 16-bit weights summed into a 32-bit lane, exact),
/// packing back with saturation, which is the clamp; elsewhere, and for the last few samples of a row, the same
/// arithmetic in scalar code. Rows are split across <see cref="SliceWorkers"/> threads; a steady stream allocates nothing.
/// </summary>
public sealed unsafe class GaussianBlurCpu : IDisposable
{
    private readonly SliceWorkers _workers;
    private readonly Action<int> _horizontal, _vertical;
    private byte[] _temp = [];
    private byte[][] _padded = [];
    // the plane being blurred
    private byte* _src, _dst, _tmp;
    private int _width, _height, _pitch, _step, _radius, _slices;
    private int[] _pairs = [];

    /// <summary>A blur running on <paramref name="threads"/> threads (0: one per core, as libavfilter's automatic
    /// filter threads).</summary>
    public GaussianBlurCpu(int threads = 0)
    {
        _workers = new SliceWorkers(threads <= 0 ? Environment.ProcessorCount : threads);
        _horizontal = Horizontal;
        _vertical = Vertical;
    }

    /// <summary>Blurs one plane from <paramref name="src"/> into <paramref name="dst"/> (both <paramref name="pitch"/>
    /// bytes a row): <paramref name="width"/> pixels of <paramref name="step"/> interleaved samples (2 for NV12's
    /// chroma), <paramref name="height"/> rows, with <paramref name="weights"/> (2r + 1 Q14 weights).</summary>
    public void Blur(nint src, nint dst, int width, int height, int pitch, int step, int[] weights)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pitch, width * step);
        var r = weights.Length / 2;
        if (r >= width || r >= height)
            throw new ArgumentException($"a gaussian of radius {r} needs planes larger than {r}x{r} pixels, not {width}x{height}");
        if (_temp.Length < pitch * height) _temp = GC.AllocateUninitializedArray<byte>(pitch * height, pinned: true);
        _slices = Math.Max(1, Math.Min(height, _workers.Count * 2));
        var paddedBytes = (width + 2 * r) * step + 64;
        if (_padded.Length < _slices || _padded[0].Length < paddedBytes)
        {
            _padded = new byte[Math.Max(_slices, _padded.Length)][];
            for (var i = 0; i < _padded.Length; i++) _padded[i] = GC.AllocateArray<byte>(paddedBytes, pinned: true);
        }
        var pairs = (weights.Length + 1) / 2;
        if (_pairs.Length != pairs) _pairs = new int[pairs];
        for (var p = 0; p < pairs; p++)
        {
            var hi = 2 * p + 1 < weights.Length ? weights[2 * p + 1] : 0;
            _pairs[p] = (weights[2 * p] & 0xFFFF) | (hi << 16);
        }
        _src = (byte*)src;
        _dst = (byte*)dst;
        _tmp = (byte*)Unsafe.AsPointer(ref _temp[0]);
        (_width, _height, _pitch, _step, _radius) = (width, height, pitch, step, r);
        _workers.Run(_slices, _horizontal);
        _workers.Run(_slices, _vertical);
        _src = _dst = _tmp = null;
    }

    private (int From, int To) Rows(int slice) => (_height * slice / _slices, _height * (slice + 1) / _slices);

    /// <summary>The horizontal pass of a slice of rows into the temporary plane.</summary>
    private void Horizontal(int slice)
    {
        var (from, to) = Rows(slice);
        int step = _step, r = _radius, width = _width, bytes = width * step;
        var taps = _pairs.Length * 2;
        var pointers = stackalloc byte*[taps];
        fixed (byte* padded = _padded[slice])
        {
            for (var k = 0; k < taps; k++) pointers[k] = padded + Math.Min(k, 2 * r) * step;
            for (var y = from; y < to; y++)
            {
                var row = _src + (long)y * _pitch;
                // padded[(j + r)·step + c] = sample c of pixel Mirror(j), for j in −r .. width + r − 1
                Buffer.MemoryCopy(row, padded + r * step, bytes, bytes);
                for (var j = 1; j <= r; j++)
                    for (var c = 0; c < step; c++)
                    {
                        padded[(r - j) * step + c] = row[BlurKernels.Mirror(-j, width) * step + c];
                        padded[(r + width - 1 + j) * step + c] = row[BlurKernels.Mirror(width - 1 + j, width) * step + c];
                    }
                Fir(_tmp + (long)y * _pitch, pointers, 0, _pairs, bytes);
            }
        }
    }

    /// <summary>The vertical pass of a slice of rows from the temporary plane.</summary>
    private void Vertical(int slice)
    {
        var (from, to) = Rows(slice);
        int r = _radius, bytes = _width * _step;
        var taps = _pairs.Length * 2;
        var pointers = stackalloc byte*[taps];
        for (var y = from; y < to; y++)
        {
            for (var k = 0; k < taps; k++) pointers[k] = _tmp + (long)BlurKernels.Mirror(y + Math.Min(k, 2 * r) - r, _height) * _pitch;
            Fir(_dst + (long)y * _pitch, pointers, 0, _pairs, bytes);
        }
    }

    /// <summary>dst[x] = clamp((Σₖ wₖ · tapₖ[offset + x] + 2^13) &gt;&gt; 14, 0, 255) for x in 0..n; taps and weights in pairs
    /// (<paramref name="pairs"/>: the low 16 bits weigh the even tap, the high 16 bits the odd one).</summary>
    private static void Fir(byte* dst, byte** taps, int offset, int[] pairs, int n)
    {
        var x = 0;
        if (Avx2.IsSupported)
        {
            var round = Vector256.Create(1 << 13);
            var zero = Vector256<byte>.Zero;
            for (; x + 32 <= n; x += 32)
            {
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var p = 0; p < pairs.Length; p++)
                {
                    var va = Avx.LoadVector256(taps[2 * p] + offset + x);
                    var vb = Avx.LoadVector256(taps[2 * p + 1] + offset + x);
                    var w = Vector256.Create(pairs[p]).AsInt16();
                    var lo = Avx2.UnpackLow(va, vb);   // a0 b0 a1 b1 … per 128-bit lane
                    var hi = Avx2.UnpackHigh(va, vb);
                    a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(lo, zero).AsInt16(), w));
                    a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(lo, zero).AsInt16(), w));
                    a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(hi, zero).AsInt16(), w));
                    a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(hi, zero).AsInt16(), w));
                }
                a0 = Avx2.ShiftRightArithmetic(Avx2.Add(a0, round), 14);
                a1 = Avx2.ShiftRightArithmetic(Avx2.Add(a1, round), 14);
                a2 = Avx2.ShiftRightArithmetic(Avx2.Add(a2, round), 14);
                a3 = Avx2.ShiftRightArithmetic(Avx2.Add(a3, round), 14);
                // in-lane packs undo the in-lane unpacks: outputs come back in order; saturation is the clamp
                var bytes = Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(a0, a1), Avx2.PackSignedSaturate(a2, a3));
                Avx.Store(dst + x, bytes);
            }
        }
        for (; x < n; x++)
        {
            var sum = 0;
            for (var p = 0; p < pairs.Length; p++)
                sum += (short)pairs[p] * taps[2 * p][offset + x] + (pairs[p] >> 16) * taps[2 * p + 1][offset + x];
            dst[x] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
        }
    }

    public void Dispose() => _workers.Dispose();
}

/// <summary>The gaussian blur of one plane with a blur made for the call (tests; nodes keep a <see cref="GaussianBlurCpu"/>).</summary>
public static class CpuBlur
{
    /// <summary>Blurs one plane: <paramref name="width"/> pixels of <paramref name="step"/>-interleaved samples per
    /// row, <paramref name="height"/> rows, <paramref name="pitch"/> bytes apart, on one thread.</summary>
    public static unsafe void Gaussian(ReadOnlySpan<byte> src, Span<byte> dst, int width, int height, int pitch, int step, int[] weights)
    {
        if (src.Length < (long)pitch * (height - 1) + width * step || dst.Length < (long)pitch * (height - 1) + width * step)
            throw new ArgumentException("the planes are smaller than pitch × height");
        using var blur = new GaussianBlurCpu(1);
        fixed (byte* s = src)
        fixed (byte* d = dst)
            blur.Blur((nint)s, (nint)d, width, height, pitch, step, weights);
    }
}

/// <summary>
/// Runs the slices of a job on a fixed set of threads (the caller's plus <c>threads − 1</c> of its own, started once),
/// each slice once, and returns when all have run; the first exception is rethrown on the caller. No allocation per job.
/// </summary>
internal sealed class SliceWorkers : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim _start = new(0);
    private readonly CountdownEvent _done = new(1);
    private Action<int>? _body;
    private int _next, _count;
    private volatile bool _stop;
    private Exception? _error;

    public SliceWorkers(int threads)
    {
        _threads = new Thread[Math.Max(0, threads - 1)];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = "mediagraph-slices" };
            _threads[i].Start();
        }
    }

    /// <summary>How many threads run a job's slices (the caller's included).</summary>
    public int Count => _threads.Length + 1;

    /// <summary>Runs <paramref name="body"/> for slices 0..count − 1 and waits for all.</summary>
    public void Run(int count, Action<int> body)
    {
        if (_threads.Length == 0 || count <= 1)
        {
            for (var i = 0; i < count; i++) body(i);
            return;
        }
        _body = body;
        _count = count;
        _next = -1;
        _error = null;
        _done.Reset(_threads.Length);
        _start.Release(_threads.Length);
        Work();
        _done.Wait();
        _body = null;
        if (_error is { } e) ExceptionDispatchInfo.Throw(e);
    }

    private void Work()
    {
        int i;
        while ((i = Interlocked.Increment(ref _next)) < _count)
        {
            try { _body!(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
        }
    }

    private void Loop()
    {
        while (true)
        {
            _start.Wait();
            if (_stop) return;
            Work();
            _done.Signal();
        }
    }

    public void Dispose()
    {
        _stop = true;
        if (_threads.Length > 0) _start.Release(_threads.Length);
    }
}
