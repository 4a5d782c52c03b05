using ILGPU;
using ILGPU.Runtime;

namespace MediaGraph.Kernels;

/// <summary>
/// Launches the kernels of this folder over whole device frames, plane by plane: what the CUDA implementations of
/// the nodes call. Kernels are loaded once per device (<see cref="ComputeDevice.GetOrLoad{T}"/>). Given a node's
/// <see cref="DeviceStream"/>, a call queues its kernels there and returns without waiting: the stream first waits on
/// the GPU for the inputs' producers and for the output buffer's earlier readers, and afterwards the output carries
/// the call's "ready" fence and the inputs its "done reading" fence. Given no stream, it runs on the device's shared
/// stream and returns after the kernels ran (tests, one-off calls).
/// Supported formats: planar 8-bit YUV/GRAY (yuv420p, yuv422p, yuv444p, gray), nv12, rgb24, bgr24, rgba, bgra.
/// </summary>
public static class DeviceOps
{
    private delegate void ScaleLauncher<TFilter>(AcceleratorStream stream, Index2D extent, ArrayView2D<byte, Stride2D.DenseX> src,
        ArrayView2D<byte, Stride2D.DenseX> dst, ScalePlaneParams a, TFilter filter) where TFilter : struct, IScaleFilter;

    /// <summary>Scales <paramref name="src"/> into <paramref name="dst"/> (same format; any sizes) with
    /// <paramref name="algorithm"/>; with <paramref name="inner"/> the picture goes into that rectangle of
    /// <paramref name="dst"/> (keep-aspect) and the rest is black. swscale's geometry (see <see cref="ScaleKernels"/>).</summary>
    public static void Scale(VideoFrame src, VideoFrame dst, ScaleAlgorithm algorithm, (int X, int Y, int Width, int Height)? inner = null, DeviceStream? stream = null)
    {
        var device = DeviceOf(src, dst);
        using var work = new Work(device, stream);
        work.Reads(src);
        work.Writes(dst);
        if (src.Format != dst.Format) throw new ArgumentException($"scale kernel: {src.Format} to {dst.Format}; convert the format first");
        var (hsub, vsub) = Subsampling(src.Format);
        var rect = inner ?? (0, 0, dst.Width, dst.Height);
        var black = BlackOf(src.Format);
        for (var i = 0; i < 4; i++)
        {
            var sp = src.GetPlane(i);
            if (sp.Data == 0) break;
            var channels = Channels(src.Format, i);
            var chroma = i is 1 or 2 && hsub + vsub > 0;
            var sw = sp.RowBytes / channels;
            var dp = dst.GetPlane(i);
            var dw = dp.RowBytes / channels;
            // The inner rectangle in this plane's samples (chroma of 4:2:0 rounds the same way as its size).
            int ix = rect.X, iy = rect.Y, iw = rect.Width, ih = rect.Height;
            if (chroma)
            {
                ix >>= hsub; iy >>= vsub;
                iw = -((-rect.Width) >> hsub); ih = -((-rect.Height) >> vsub);
            }
            var a = new ScalePlaneParams
            {
                Channels = channels, SrcWidth = sw, SrcHeight = sp.Rows,
                InnerX = ix, InnerY = iy, InnerWidth = iw, InnerHeight = ih,
                RatioX = (float)sw / iw, RatioY = (float)sp.Rows / ih,
                Pad0 = black[Math.Min(i, 3)].First, Pad1 = black[Math.Min(i, 3)].Others,
            };
            var s = src.GetDevicePlane<byte>(i);
            var d = dst.GetDevicePlane<byte>(i);
            var extent = new Index2D(dw * channels, dp.Rows);
            switch (algorithm)
            {
                case ScaleAlgorithm.Bilinear: LaunchScale(device, work.Stream, s, d, a, extent, default(BilinearFilter)); break;
                case ScaleAlgorithm.Bicubic: LaunchScale(device, work.Stream, s, d, a, extent, default(BicubicFilter)); break;
                case ScaleAlgorithm.Area: LaunchScale(device, work.Stream, s, d, a, extent, default(AreaFilter)); break;
                default: throw new NotSupportedException($"scale kernel: {algorithm} is not implemented on devices (bilinear, bicubic, area are)");
            }
        }
    }

    private static void LaunchScale<TFilter>(ComputeDevice device, AcceleratorStream stream, ArrayView2D<byte, Stride2D.DenseX> s, ArrayView2D<byte, Stride2D.DenseX> d,
        ScalePlaneParams a, Index2D extent, TFilter filter) where TFilter : struct, IScaleFilter
    {
        var kernel = device.GetOrLoad(typeof(ScaleLauncher<TFilter>), acc =>
            acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ScalePlaneParams, TFilter>(ScaleKernels.Scale));
        kernel(stream, extent, s, d, a, filter);
    }

    /// <summary>yadif on every plane: <paramref name="dst"/> gets <paramref name="cur"/> with the field that is not
    /// kept rebuilt from <paramref name="prev"/>, <paramref name="cur"/> and <paramref name="next"/>.</summary>
    /// <param name="keepParity">vf_yadif's parity: 0 keeps the even (top) rows.</param>
    /// <param name="filterParity">vf_yadif's parity ^ tff (1 for the first field of a frame).</param>
    /// <param name="stream">The node's stream (null: the device's shared stream, and the call waits for the kernels).</param>
    public static void Yadif(VideoFrame prev, VideoFrame cur, VideoFrame next, VideoFrame dst, int keepParity, int filterParity, DeviceStream? stream = null)
    {
        var device = DeviceOf(cur, dst);
        using var work = new Work(device, stream);
        work.Reads(prev);
        work.Reads(cur);
        work.Reads(next);
        work.Writes(dst);
        var kernel = device.GetOrLoad("yadif", acc =>
            acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>,
                ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, YadifParams>(DeinterlaceKernels.Yadif));
        for (var i = 0; i < 4; i++)
        {
            var p = cur.GetPlane(i);
            if (p.Data == 0) break;
            var channels = Channels(cur.Format, i);
            var a = new YadifParams { Width = p.RowBytes / channels, Height = p.Rows, Step = channels, KeepParity = keepParity, FilterParity = filterParity };
            kernel(work.Stream, new Index2D(p.RowBytes, p.Rows), prev.GetDevicePlane<byte>(i), cur.GetDevicePlane<byte>(i),
                next.GetDevicePlane<byte>(i), dst.GetDevicePlane<byte>(i), a);
        }
    }

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/> through an integer remap per plane
    /// (crop, flip, rotation): <paramref name="map"/> gets the plane index and the source plane's size in pixels and
    /// returns that plane's map.</summary>
    public static void Remap(VideoFrame src, VideoFrame dst, Func<int, int, int, RemapParams> map, int firstPlane = 0, DeviceStream? stream = null)
    {
        var device = DeviceOf(src, dst);
        using var work = new Work(device, stream);
        work.Reads(src);
        work.Writes(dst);
        for (var i = firstPlane; i < 4; i++)
        {
            var sp = src.GetPlane(i);
            if (sp.Data == 0) break;
            var bytes = Channels(src.Format, i);
            var dp = dst.GetPlane(i);
            var m = map(i, sp.RowBytes / bytes, sp.Rows);
            var extent = new Index2D(dp.RowBytes / bytes, dp.Rows);
            switch (bytes)
            {
                case 1: LaunchRemap<byte>(device, work.Stream, src, dst, i, m, extent); break;
                case 2: LaunchRemap<ushort>(device, work.Stream, src, dst, i, m, extent); break;
                case 3: LaunchRemap<Rgb24>(device, work.Stream, src, dst, i, m, extent); break;
                case 4: LaunchRemap<uint>(device, work.Stream, src, dst, i, m, extent); break;
                default: throw new NotSupportedException($"remap kernel: {bytes}-byte pixels of {src.Format}");
            }
        }
    }

    private static void LaunchRemap<T>(ComputeDevice device, AcceleratorStream stream, VideoFrame src, VideoFrame dst, int plane, RemapParams m, Index2D extent) where T : unmanaged
    {
        var kernel = device.GetOrLoad(typeof(Action<T>), acc =>
            acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<T, Stride2D.DenseX>, ArrayView2D<T, Stride2D.DenseX>, RemapParams>(GeometryKernels.Remap));
        kernel(stream, extent, src.GetDevicePlane<T>(plane), dst.GetDevicePlane<T>(plane), m);
    }

    /// <summary>Every plane of <paramref name="src"/> through <paramref name="table"/>: 256 entries per channel, four
    /// channels per plane (plane p, channel c at <c>(p * 4 + c) * 256</c>), see <see cref="PointKernels"/>.</summary>
    public static void Lookup(VideoFrame src, VideoFrame dst, ArrayView<byte> table, DeviceStream? stream = null)
    {
        var device = DeviceOf(src, dst);
        using var work = new Work(device, stream);
        work.Reads(src);
        work.Writes(dst);
        var kernel = device.GetOrLoad("lookup", acc =>
            acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ArrayView<byte>, int, int>(PointKernels.Lookup));
        for (var i = 0; i < 4; i++)
        {
            var p = src.GetPlane(i);
            if (p.Data == 0) break;
            kernel(work.Stream, new Index2D(p.RowBytes, p.Rows), src.GetDevicePlane<byte>(i), dst.GetDevicePlane<byte>(i), table, Channels(src.Format, i), i * 4 * 256);
        }
    }

    /// <summary>Converts between YUV 4:2:0 (yuv420p, nv12) and packed RGB (rgb24, bgr24, rgba, bgra), either way,
    /// with the BT.601 or BT.709 matrix and limited or full range of the YUV side (see <see cref="ColorKernels"/>).</summary>
    public static void Convert(VideoFrame src, VideoFrame dst, bool bt709, bool fullRange, DeviceStream? stream = null)
    {
        var device = DeviceOf(src, dst);
        using var work = new Work(device, stream);
        work.Reads(src);
        work.Writes(dst);
        var toRgb = Channels(dst.Format, 0) >= 3;
        var yuv = toRgb ? src : dst;
        var rgb = toRgb ? dst : src;
        if (yuv.Format.Name is not ("yuv420p" or "yuvj420p" or "nv12") || Channels(rgb.Format, 0) < 3)
            throw new NotSupportedException($"colour kernels: {src.Format} to {dst.Format} (YUV 4:2:0 yuv420p/nv12 to and from rgb24, bgr24, rgba, bgra)");
        var nv12 = yuv.Format.Name == "nv12";
        var a = ColorParams.For(src.Width, src.Height, bt709, fullRange, nv12, rgb.Format.Name);
        var yPlane = yuv.GetDevicePlane<byte>(0);
        var uPlane = yuv.GetDevicePlane<byte>(1);
        var vPlane = nv12 ? uPlane : yuv.GetDevicePlane<byte>(2);
        var rgbPlane = rgb.GetDevicePlane<byte>(0);
        if (toRgb)
        {
            var k = device.GetOrLoad("yuv2rgb", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>,
                ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ColorParams>(ColorKernels.YuvToRgb));
            k(work.Stream, new Index2D(src.Width, src.Height), yPlane, uPlane, vPlane, rgbPlane, a);
        }
        else
        {
            var luma = device.GetOrLoad("rgb2luma", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
                ArrayView2D<byte, Stride2D.DenseX>, ColorParams>(ColorKernels.RgbToLuma));
            var chroma = device.GetOrLoad("rgb2chroma", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
                ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ColorParams>(ColorKernels.RgbToChroma));
            luma(work.Stream, new Index2D(src.Width, src.Height), rgbPlane, yPlane, a);
            chroma(work.Stream, new Index2D(a.ChromaWidth, a.ChromaHeight), rgbPlane, uPlane, vPlane, a);
        }
    }

    /// <summary>Box blur (libavfilter boxblur, power 1) with <paramref name="radius"/>(plane) per plane, or, with
    /// <paramref name="gaussian"/> weights (per plane, 2r + 1 each), the gaussian blur: horizontal into <paramref name="temp"/> (a frame like
    /// <paramref name="dst"/>), then vertical into <paramref name="dst"/>. A radius of 0 copies the plane.</summary>
    public static void Blur(VideoFrame src, VideoFrame dst, VideoFrame temp, Func<int, int> radius, Func<int, ArrayView<int>>? gaussian = null, DeviceStream? stream = null)
    {
        var device = DeviceOf(src, dst);
        using var work = new Work(device, stream);
        work.Reads(src);
        work.Writes(dst);
        work.Writes(temp);
        var box = device.GetOrLoad("box", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
            ArrayView2D<byte, Stride2D.DenseX>, int, int, int, int>(BlurKernels.Box));
        var gauss = device.GetOrLoad("gaussian", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
            ArrayView2D<byte, Stride2D.DenseX>, ArrayView<int>, int, int, int, int>(BlurKernels.Gaussian));
        for (var i = 0; i < 4; i++)
        {
            var p = src.GetPlane(i);
            if (p.Data == 0) break;
            var step = Channels(src.Format, i);
            var r = radius(i);
            var extent = new Index2D(p.RowBytes, p.Rows);
            var s = src.GetDevicePlane<byte>(i);
            var t = temp.GetDevicePlane<byte>(i);
            var d = dst.GetDevicePlane<byte>(i);
            if (r == 0)
            {
                LaunchRemap<byte>(device, work.Stream, src, dst, i, RemapParams.Crop(0, 0), extent);
                continue;
            }
            if (gaussian is not null)
            {
                var w = gaussian(i);
                gauss(work.Stream, extent, s, t, w, r, 0, step, p.RowBytes / step);
                gauss(work.Stream, extent, t, d, w, r, 1, step, p.Rows);
            }
            else
            {
                box(work.Stream, extent, s, t, r, 0, step, p.RowBytes / step);
                box(work.Stream, extent, t, d, r, 1, step, p.Rows);
            }
        }
    }

    /// <summary>Writes <paramref name="src"/> into <paramref name="tensor"/> as <paramref name="a"/> says (a batch slot
    /// of a model input, see <see cref="TensorizeKernels"/>).</summary>
    public static void Tensorize(VideoFrame src, ArrayView<float> tensor, TensorizeParams a, DeviceStream? stream = null)
    {
        var device = src.Device ?? throw new ArgumentException($"{src} is not a device frame");
        using var work = new Work(device, stream);
        work.Reads(src);
        var kernel = device.GetOrLoad("tensorize", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>,
            ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ArrayView<float>, TensorizeParams>(TensorizeKernels.Tensorize));
        var y = src.GetDevicePlane<byte>(0);
        var u = a.SourceChannels >= 3 ? y : src.GetDevicePlane<byte>(1);
        var v = a.SourceChannels >= 3 ? y : a.ChromaStep == 2 ? u : src.GetDevicePlane<byte>(2);
        kernel(work.Stream, new Index2D(a.Width, a.Height), y, u, v, tensor, a);
    }

    /// <summary>Copies <paramref name="main"/> into <paramref name="dst"/> with <paramref name="overlay"/> (planar YUV
    /// with alpha, subsampled like <paramref name="main"/>: yuva420p for yuv420p and nv12) blended on at
    /// (<paramref name="x"/>, <paramref name="y"/>) (even where the chroma is subsampled), with libavfilter overlay's
    /// arithmetic (see <see cref="OverlayKernels"/>). Main formats: yuv420p, yuvj420p, yuv422p, yuv444p, nv12.</summary>
    public static void Overlay(VideoFrame main, VideoFrame overlay, VideoFrame dst, int x, int y, DeviceStream? stream = null)
    {
        var device = DeviceOf(main, dst);
        using var work = new Work(device, stream);
        work.Reads(main);
        work.Reads(overlay);
        work.Writes(dst);
        if (!ReferenceEquals(overlay.Device, device)) throw new ArgumentException($"{overlay} is not on {device}");
        var kernel = device.GetOrLoad("overlay", acc => acc.LoadAutoGroupedKernel<Index2D, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>,
            ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, ArrayView2D<byte, Stride2D.DenseX>, OverlayPlaneParams>(OverlayKernels.Blend));
        var (hsub, vsub) = Subsampling(main.Format);
        var nv12 = main.Format.Name == "nv12";
        var alpha = overlay.GetDevicePlane<byte>(3);
        for (var i = 0; i < (nv12 ? 2 : 3); i++)
        {
            var p = dst.GetPlane(i);
            var step = Channels(main.Format, i);
            var a = OverlayPlaneParams.For(i, x, y, overlay.Width, overlay.Height, hsub, vsub, step);
            var first = overlay.GetDevicePlane<byte>(i);
            var second = nv12 && i == 1 ? overlay.GetDevicePlane<byte>(2) : first;
            kernel(work.Stream, new Index2D(p.RowBytes, p.Rows), main.GetDevicePlane<byte>(i), dst.GetDevicePlane<byte>(i), first, second, alpha, a);
        }
    }

    /// <summary>Samples per pixel in plane <paramref name="plane"/> (2 for NV12's chroma, 3 for rgb24, 4 for rgba).</summary>
    public static int Channels(PixelFormat format, int plane) => format.Name switch
    {
        "nv12" or "nv21" when plane == 1 => 2,
        "rgb24" or "bgr24" => 3,
        "rgba" or "bgra" or "argb" or "abgr" or "rgb0" or "bgr0" or "0rgb" or "0bgr" => 4,
        _ => 1,
    };

    /// <summary>log2 of the chroma subsampling (1, 1 for 4:2:0).</summary>
    public static (int H, int V) Subsampling(PixelFormat format) => format.Name switch
    {
        "yuv420p" or "yuvj420p" or "nv12" or "nv21" => (1, 1),
        "yuv422p" or "yuvj422p" => (1, 0),
        _ => (0, 0),
    };

    private static (int First, int Others)[] BlackOf(PixelFormat format) => format.Name switch
    {
        "yuv420p" or "yuv422p" or "yuv444p" => [(16, 16), (128, 128), (128, 128), (0, 0)],
        "yuvj420p" or "yuvj422p" or "yuvj444p" => [(0, 0), (128, 128), (128, 128), (0, 0)],
        "nv12" or "nv21" => [(16, 16), (128, 128), (0, 0), (0, 0)],
        _ => [(0, 0), (0, 0), (0, 0), (0, 0)],
    };

    /// <summary>One call's GPU work on a stream: waits announced before the launches, the fence recorded after them
    /// (also when a launch threw: what was queued still runs), and for a call given no stream, the host wait.</summary>
    private readonly ref struct Work
    {
        private readonly DeviceStream _stream;
        private readonly bool _standalone;

        public Work(ComputeDevice device, DeviceStream? stream)
        {
            if (stream is not null && !ReferenceEquals(stream.Device, device))
                throw new ArgumentException($"{stream} is not on {device}, where the frames live", nameof(stream));
            _stream = stream ?? device.SharedStream("a device call given no stream");
            _standalone = stream is null;
        }

        public AcceleratorStream Stream => _stream.Stream;
        public void Reads(VideoFrame frame) => _stream.Reads(frame);
        public void Writes(VideoFrame frame) => _stream.Writes(frame);

        public void Dispose()
        {
            _stream.Done();
            if (_standalone) _stream.Stream.Synchronize();
        }
    }

    private static ComputeDevice DeviceOf(VideoFrame a, VideoFrame b)
    {
        var device = a.Device ?? throw new ArgumentException($"{a} is not a device frame");
        if (!ReferenceEquals(device, b.Device)) throw new ArgumentException($"{a} and {b} are not on the same device");
        return device;
    }
}
