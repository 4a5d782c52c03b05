using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// A host frame converted to packed 8-bit BGR at its own size (swscale through libavfilter), for steps that sample
/// the picture themselves (text crops). Made once per input format; the converted frame is one reused native frame.
/// </summary>
internal sealed class HostBgrImage : IDisposable
{
    private readonly FilterGraph _graph;
    private readonly VideoFrame _bgr = new();
    private bool _holding;

    public HostBgrImage(VideoFrame first, string node)
    {
        Width = first.Width;
        Height = first.Height;
        _graph = new FilterGraph("format=pix_fmts=bgr24", 1, node);
        try
        {
            _graph.SetInput(0, new StreamInfo
            {
                MediaType = 0, Width = first.Width, Height = first.Height, PixFmt = first.Format.Id,
                SarNum = first.SampleAspectRatio.Num, SarDen = Math.Max(1, first.SampleAspectRatio.Den),
                TbNum = 1, TbDen = 1000, FrNum = 25, FrDen = 1,
            });
            _graph.Configure();
        }
        catch
        {
            _graph.Dispose();
            throw;
        }
    }

    public int Width { get; }
    public int Height { get; }
    public int Pitch { get; private set; }

    /// <summary>Converts <paramref name="frame"/>; the pixels stay valid until the next call.</summary>
    public ReadOnlySpan<byte> Convert(VideoFrame frame)
    {
        Release();
        _graph.Push(0, frame.Native);
        if (_graph.Pull(0, _bgr.Native) != NativeMethods.Ok) throw new InvalidOperationException("the converter gave no frame back for a frame pushed in");
        _holding = true;
        _bgr.Refresh(frame.TimeBase);
        Pitch = _bgr.GetPlane(0).Pitch;
        return _bgr.GetPlaneSpan(0);
    }

    private void Release()
    {
        if (!_holding) return;
        NativeMethods.mg_frame_unref(_bgr.Native);
        _holding = false;
    }

    public void Dispose()
    {
        Release();
        _graph.Dispose();
        _bgr.Dispose();
    }
}

/// <summary>
/// Cuts a quadrilateral out of a BGR image and writes it, rectified (a perspective warp, PaddleOCR's
/// get_rotate_crop_image), resized to the model's height and normalised, into one NCHW slot; the rest of the slot is
/// padding (PaddleOCR's recogniser and classifier inputs).
/// </summary>
internal static class TextCrop
{
    /// <summary>The crop's natural size: the longer of each pair of opposite sides.</summary>
    public static (float Width, float Height) Size(ReadOnlySpan<PointF32> q)
    {
        static float D(PointF32 a, PointF32 b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));
        return (Math.Max(D(q[0], q[1]), D(q[2], q[3])), Math.Max(D(q[0], q[3]), D(q[1], q[2])));
    }

    /// <summary>Writes the crop of <paramref name="quad"/> (top-left, top-right, bottom-right, bottom-left) into
    /// <paramref name="slot"/> (3 × height × width floats): height rows, as wide as the aspect gives up to the width.</summary>
    public static void Write(ReadOnlySpan<byte> bgr, int pitch, int imageWidth, int imageHeight, ReadOnlySpan<PointF32> quad,
        PreprocessSpec spec, int width, Span<float> slot)
    {
        var height = spec.Height;
        var (cw, ch) = Size(quad);
        var drawn = Math.Clamp((int)MathF.Ceiling(height * cw / Math.Max(ch, 1)), 1, width);
        slot.Fill(spec.PadValue);
        Span<double> h = stackalloc double[9];
        Homography(drawn, height, quad, h);
        Span<float> mul = stackalloc float[3], add = stackalloc float[3];
        Span<int> byteOf = stackalloc int[3]; // channel of the model's order → byte of a BGR pixel
        for (var c = 0; c < 3; c++)
        {
            mul[c] = spec.Scale / spec.Std[c];
            add[c] = -spec.Mean[c] / spec.Std[c];
            byteOf[c] = spec.Order == ColorOrder.Bgr ? c : 2 - c;
        }
        var plane = height * width;
        for (var y = 0; y < height; y++)
        {
            var v = y + 0.5;
            for (var x = 0; x < drawn; x++)
            {
                var u = x + 0.5;
                var w = h[6] * u + h[7] * v + h[8];
                var sx = (float)((h[0] * u + h[1] * v + h[2]) / w) - 0.5f;
                var sy = (float)((h[3] * u + h[4] * v + h[5]) / w) - 0.5f;
                sx = Math.Clamp(sx, 0, imageWidth - 1);
                sy = Math.Clamp(sy, 0, imageHeight - 1);
                int x0 = (int)sx, y0 = (int)sy;
                int x1 = Math.Min(x0 + 1, imageWidth - 1), y1 = Math.Min(y0 + 1, imageHeight - 1);
                float fx = sx - x0, fy = sy - y0;
                int r0 = y0 * pitch, r1 = y1 * pitch;
                for (var c = 0; c < 3; c++)
                {
                    var b = byteOf[c];
                    var top = bgr[r0 + x0 * 3 + b] + (bgr[r0 + x1 * 3 + b] - bgr[r0 + x0 * 3 + b]) * fx;
                    var bottom = bgr[r1 + x0 * 3 + b] + (bgr[r1 + x1 * 3 + b] - bgr[r1 + x0 * 3 + b]) * fx;
                    slot[c * plane + y * width + x] = (top + (bottom - top) * fy) * mul[c] + add[c];
                }
            }
        }
    }

    /// <summary>The perspective transform taking the rectangle (0,0)–(w,h) to <paramref name="quad"/>'s corners.</summary>
    private static void Homography(int w, int h, ReadOnlySpan<PointF32> quad, Span<double> result)
    {
        Span<double> a = stackalloc double[8 * 9];
        ReadOnlySpan<(double X, double Y)> from = [(0, 0), (w, 0), (w, h), (0, h)];
        for (var i = 0; i < 4; i++)
        {
            var (x, y) = from[i];
            double u = quad[i].X, v = quad[i].Y;
            var r = a.Slice(2 * i * 9, 9);
            r[0] = x; r[1] = y; r[2] = 1; r[3] = 0; r[4] = 0; r[5] = 0; r[6] = -u * x; r[7] = -u * y; r[8] = u;
            r = a.Slice((2 * i + 1) * 9, 9);
            r[0] = 0; r[1] = 0; r[2] = 0; r[3] = x; r[4] = y; r[5] = 1; r[6] = -v * x; r[7] = -v * y; r[8] = v;
        }
        // Gaussian elimination with partial pivoting on the 8×8 system (augmented column 8).
        for (var col = 0; col < 8; col++)
        {
            var pivot = col;
            for (var row = col + 1; row < 8; row++)
                if (Math.Abs(a[row * 9 + col]) > Math.Abs(a[pivot * 9 + col])) pivot = row;
            if (pivot != col)
                for (var k = 0; k < 9; k++) (a[col * 9 + k], a[pivot * 9 + k]) = (a[pivot * 9 + k], a[col * 9 + k]);
            var d = a[col * 9 + col];
            if (Math.Abs(d) < 1e-12) { result.Clear(); result[0] = 1; result[4] = 1; result[8] = 1; return; }
            for (var row = 0; row < 8; row++)
            {
                if (row == col) continue;
                var f = a[row * 9 + col] / d;
                if (f == 0) continue;
                for (var k = col; k < 9; k++) a[row * 9 + k] -= f * a[col * 9 + k];
            }
        }
        for (var i = 0; i < 8; i++) result[i] = a[i * 9 + 8] / a[i * 9 + i];
        result[8] = 1;
    }
}
