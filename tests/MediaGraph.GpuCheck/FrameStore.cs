namespace MediaGraph.GpuCheck;

/// <summary>The first frames a path delivered, as tight 4:2:0 planes (Y, U, V; NV12's interleaved chroma split), so
/// the device path (NV12 from NVDEC, or yuv420p) and the CPU path (yuv420p) compare plane by plane.</summary>
internal sealed class FrameStore(int keep)
{
    private readonly List<byte[][]> _frames = [];

    /// <summary>Frames seen in all (kept or not).</summary>
    public int Count { get; private set; }

    public int Width { get; private set; }
    public int Height { get; private set; }
    public string? Format { get; private set; }

    public IReadOnlyList<byte[][]> Frames => _frames;

    public void Add(VideoFrame frame)
    {
        Count++;
        if (_frames.Count >= keep) return;
        if (frame.Location != FrameLocation.Host) throw new InvalidOperationException($"the check's sink got a {frame.Location} frame; the graph ends with a download");
        var name = frame.Format.Name;
        if (name is not ("nv12" or "yuv420p" or "yuvj420p")) throw new InvalidOperationException($"the check compares 4:2:0 frames, not {name}");
        (Width, Height, Format) = (frame.Width, frame.Height, name);
        int cw = (frame.Width + 1) / 2, ch = (frame.Height + 1) / 2;
        var y = Copy(frame, 0, frame.Width, frame.Height);
        byte[] u, v;
        if (name == "nv12")
        {
            var uv = Copy(frame, 1, 2 * cw, ch);
            u = new byte[cw * ch];
            v = new byte[cw * ch];
            for (var i = 0; i < u.Length; i++)
            {
                u[i] = uv[2 * i];
                v[i] = uv[2 * i + 1];
            }
        }
        else
        {
            u = Copy(frame, 1, cw, ch);
            v = Copy(frame, 2, cw, ch);
        }
        _frames.Add([y, u, v]);
    }

    private static byte[] Copy(VideoFrame frame, int plane, int rowBytes, int rows)
    {
        var p = frame.GetPlane(plane);
        var span = frame.GetPlaneSpan(plane);
        var tight = new byte[rowBytes * rows];
        for (var r = 0; r < rows; r++) span.Slice(r * p.Pitch, rowBytes).CopyTo(tight.AsSpan(r * rowBytes));
        return tight;
    }

    /// <summary>PSNR in dB of two planes of 8-bit samples (infinity when equal).</summary>
    public static double Psnr(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"planes of {a.Length} and {b.Length} samples");
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = a[i] - b[i];
            sum += d * d;
        }
        return sum == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 * a.Length / sum);
    }

    /// <summary>PSNR in dB of two tensors of 0..1 values, in 8-bit units (255 = 1.0).</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"tensors of {a.Length} and {b.Length} values");
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = 255.0 * (a[i] - b[i]);
            sum += d * d;
        }
        return sum == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 * a.Length / sum);
    }
}
