using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MediaGraph.Kernels;

/// <summary>
/// The gaussian blur's CPU twin: the same Q14 weights, mirrored edges and rounding as <see cref="BlurKernels.Gaussian"/>
/// (each pass: <c>clamp((Σ wₖ·sₖ + 2^13) &gt;&gt; 14, 0, 255)</c> in 32-bit integers), so CPU and device give the same
/// bytes. Both passes are one FIR routine over a row: the vertical pass reads 2r + 1 rows, the horizontal pass reads
/// one row copied with its mirrored edges, shifted by one sample per tap. The weights are symmetric, so the samples
/// k and 2r − k are added first (16-bit lanes); then, with AVX-512 (64 outputs at a time) or AVX2 (32), <c>vpmaddwd</c>
/// takes the folded terms in pairs (two 16-bit sums times two 16-bit weights added into a 32-bit lane: exact), and
/// saturating packs, which are the clamp, bring the bytes back in order; elsewhere, and for the last samples of a
/// row, the same integers in scalar code. Rows are split across <see cref="SliceWorkers"/> threads; a steady stream allocates nothing.
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
        for (var k = 0; k <= r; k++)
            if (weights[k] != weights[^(k + 1)] || weights[k] < 0 || weights[k] > short.MaxValue)
                throw new ArgumentException("the gaussian's weights are symmetric and at most 2^15 − 1 each", nameof(weights));
        var pairs = (r + 2) / 2; // the terms w₀..wᵣ, two by two
        if (_pairs.Length != pairs) _pairs = new int[pairs];
        for (var p = 0; p < pairs; p++)
        {
            var hi = 2 * p + 1 <= r ? weights[2 * p + 1] : 0;
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
        var taps = 2 * r + 1;
        var pointers = stackalloc byte*[taps];
        fixed (byte* padded = _padded[slice])
        {
            for (var k = 0; k < taps; k++) pointers[k] = padded + k * step;
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
                Fir(_tmp + (long)y * _pitch, pointers, r, _pairs, bytes);
            }
        }
    }

    /// <summary>The vertical pass of a slice of rows from the temporary plane.</summary>
    private void Vertical(int slice)
    {
        var (from, to) = Rows(slice);
        int r = _radius, bytes = _width * _step;
        var taps = 2 * r + 1;
        var pointers = stackalloc byte*[taps];
        for (var y = from; y < to; y++)
        {
            for (var k = 0; k < taps; k++) pointers[k] = _tmp + (long)BlurKernels.Mirror(y + k - r, _height) * _pitch;
            Fir(_dst + (long)y * _pitch, pointers, r, _pairs, bytes);
        }
    }

    /// <summary>dst[x] = clamp((Σₖ wₖ · tapₖ[x] + 2^13) &gt;&gt; 14, 0, 255) for x in 0..n, for 2r + 1 taps and symmetric
    /// weights (wₖ = w₂ᵣ₋ₖ, as every gaussian's): the sum is taken as Σ_{k&lt;r} wₖ·(tapₖ + tap₂ᵣ₋ₖ) + wᵣ·tapᵣ, which
    /// is the same integer. <paramref name="pairs"/> packs the weights w₀..wᵣ two by two (the low 16 bits weigh the
    /// even term, the high 16 bits the odd one; 0 past wᵣ).</summary>
    private static void Fir(byte* dst, byte** taps, int r, int[] pairs, int n)
    {
        var x = 0;
        if (Avx512BW.IsSupported)
        {
            var round = Vector512.Create(1 << 13);
            for (; x + 64 <= n; x += 64)
            {
                Vector512<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var k = 0; k <= r; k += 2)
                {
                    var (pl, ph) = Term512(taps, r, k, x);
                    var (ql, qh) = k + 1 <= r ? Term512(taps, r, k + 1, x) : (default, default);
                    var w = Vector512.Create(pairs[k >> 1]).AsInt16();
                    a0 = Avx512BW.Add(a0, Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(pl, ql), w));
                    a1 = Avx512BW.Add(a1, Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(pl, ql), w));
                    a2 = Avx512BW.Add(a2, Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackLow(ph, qh), w));
                    a3 = Avx512BW.Add(a3, Avx512BW.MultiplyAddAdjacent(Avx512BW.UnpackHigh(ph, qh), w));
                }
                a0 = Avx512F.ShiftRightArithmetic(Avx512F.Add(a0, round), 14);
                a1 = Avx512F.ShiftRightArithmetic(Avx512F.Add(a1, round), 14);
                a2 = Avx512F.ShiftRightArithmetic(Avx512F.Add(a2, round), 14);
                a3 = Avx512F.ShiftRightArithmetic(Avx512F.Add(a3, round), 14);
                // in-lane packs undo the in-lane unpacks: outputs come back in order; saturation is the clamp
                Avx512BW.Store(dst + x, Avx512BW.PackUnsignedSaturate(Avx512BW.PackSignedSaturate(a0, a1), Avx512BW.PackSignedSaturate(a2, a3)));
            }
        }
        if (Avx2.IsSupported)
        {
            var round = Vector256.Create(1 << 13);
            for (; x + 32 <= n; x += 32)
            {
                Vector256<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var k = 0; k <= r; k += 2)
                {
                    var (pl, ph) = Term256(taps, r, k, x);
                    var (ql, qh) = k + 1 <= r ? Term256(taps, r, k + 1, x) : (default, default);
                    var w = Vector256.Create(pairs[k >> 1]).AsInt16();
                    a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(pl, ql), w));
                    a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(pl, ql), w));
                    a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(Avx2.UnpackLow(ph, qh), w));
                    a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(Avx2.UnpackHigh(ph, qh), w));
                }
                a0 = Avx2.ShiftRightArithmetic(Avx2.Add(a0, round), 14);
                a1 = Avx2.ShiftRightArithmetic(Avx2.Add(a1, round), 14);
                a2 = Avx2.ShiftRightArithmetic(Avx2.Add(a2, round), 14);
                a3 = Avx2.ShiftRightArithmetic(Avx2.Add(a3, round), 14);
                Avx.Store(dst + x, Avx2.PackUnsignedSaturate(Avx2.PackSignedSaturate(a0, a1), Avx2.PackSignedSaturate(a2, a3)));
            }
        }
        if (Sse2.IsSupported)
        {
            // The x64 baseline: what a Native AOT build (compiled for x86-64 without AVX2, where Avx2.IsSupported is
            // false at compile time) runs; the same arithmetic 16 samples at a time.
            var round = Vector128.Create(1 << 13);
            for (; x + 16 <= n; x += 16)
            {
                Vector128<int> a0 = default, a1 = default, a2 = default, a3 = default;
                for (var k = 0; k <= r; k += 2)
                {
                    var (pl, ph) = Term128(taps, r, k, x);
                    var (ql, qh) = k + 1 <= r ? Term128(taps, r, k + 1, x) : (default, default);
                    var w = Vector128.Create(pairs[k >> 1]).AsInt16();
                    a0 = Sse2.Add(a0, Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(pl, ql), w));
                    a1 = Sse2.Add(a1, Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(pl, ql), w));
                    a2 = Sse2.Add(a2, Sse2.MultiplyAddAdjacent(Sse2.UnpackLow(ph, qh), w));
                    a3 = Sse2.Add(a3, Sse2.MultiplyAddAdjacent(Sse2.UnpackHigh(ph, qh), w));
                }
                a0 = Sse2.ShiftRightArithmetic(Sse2.Add(a0, round), 14);
                a1 = Sse2.ShiftRightArithmetic(Sse2.Add(a1, round), 14);
                a2 = Sse2.ShiftRightArithmetic(Sse2.Add(a2, round), 14);
                a3 = Sse2.ShiftRightArithmetic(Sse2.Add(a3, round), 14);
                Sse2.Store(dst + x, Sse2.PackUnsignedSaturate(Sse2.PackSignedSaturate(a0, a1), Sse2.PackSignedSaturate(a2, a3)));
            }
        }
        for (; x < n; x++)
        {
            var sum = 0;
            for (var k = 0; k <= r; k++)
            {
                var w = (k & 1) == 0 ? (short)pairs[k >> 1] : pairs[k >> 1] >> 16;
                sum += w * (k < r ? taps[k][x] + taps[2 * r - k][x] : taps[k][x]);
            }
            dst[x] = (byte)Math.Clamp((sum + (1 << 13)) >> 14, 0, 255);
        }
    }

    /// <summary>Term k of the folded sum, 64 samples widened to 16 bits: (samples 0–7, 16–23, 32–39, 48–55) and (8–15, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<short> Low, Vector512<short> High) Term512(byte** taps, int r, int k, int x)
    {
        var v = Avx512BW.LoadVector512(taps[k] + x);
        var lo = Avx512BW.UnpackLow(v, Vector512<byte>.Zero).AsInt16();
        var hi = Avx512BW.UnpackHigh(v, Vector512<byte>.Zero).AsInt16();
        if (k == r) return (lo, hi);
        var u = Avx512BW.LoadVector512(taps[2 * r - k] + x);
        return (Avx512BW.Add(lo, Avx512BW.UnpackLow(u, Vector512<byte>.Zero).AsInt16()), Avx512BW.Add(hi, Avx512BW.UnpackHigh(u, Vector512<byte>.Zero).AsInt16()));
    }

    /// <summary>Term k of the folded sum, 32 samples widened to 16 bits: (samples 0–7, 16–23) and (8–15, 24–31).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<short> Low, Vector256<short> High) Term256(byte** taps, int r, int k, int x)
    {
        var v = Avx.LoadVector256(taps[k] + x);
        var lo = Avx2.UnpackLow(v, Vector256<byte>.Zero).AsInt16();
        var hi = Avx2.UnpackHigh(v, Vector256<byte>.Zero).AsInt16();
        if (k == r) return (lo, hi);
        var u = Avx.LoadVector256(taps[2 * r - k] + x);
        return (Avx2.Add(lo, Avx2.UnpackLow(u, Vector256<byte>.Zero).AsInt16()), Avx2.Add(hi, Avx2.UnpackHigh(u, Vector256<byte>.Zero).AsInt16()));
    }

    /// <summary>Term k of the folded sum, 16 samples widened to 16 bits: (samples 0–7) and (8–15).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<short> Low, Vector128<short> High) Term128(byte** taps, int r, int k, int x)
    {
        var v = Sse2.LoadVector128(taps[k] + x);
        var lo = Sse2.UnpackLow(v, Vector128<byte>.Zero).AsInt16();
        var hi = Sse2.UnpackHigh(v, Vector128<byte>.Zero).AsInt16();
        if (k == r) return (lo, hi);
        var u = Sse2.LoadVector128(taps[2 * r - k] + x);
        return (Sse2.Add(lo, Sse2.UnpackLow(u, Vector128<byte>.Zero).AsInt16()), Sse2.Add(hi, Sse2.UnpackHigh(u, Vector128<byte>.Zero).AsInt16()));
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
