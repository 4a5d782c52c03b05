using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// The device implementation of <see cref="DeinterlaceNode"/> with yadif: libavfilter's yadif frame logic around the
/// yadif kernel (<see cref="DeinterlaceKernels"/>), so the frames, their timestamps and their pixels are those of
/// <c>yadif=mode=…:parity=…:deint=…</c>. The first frame waits for the second (its previous frame is itself); the last
/// is made at the end with itself as the next frame. The time base is halved (pts doubled; a second field sits
/// between two frames), as libavfilter's yadif does. Parity auto reads the field order from each frame (top first
/// for frames not flagged interlaced). With "only interlaced frames", progressive frames pass unchanged.
/// Formats: planar 8-bit YUV, gray and nv12. bwdif runs on the CPU.
/// </summary>
internal sealed class DeinterlaceCuda : FrameTransform
{
    private readonly DeinterlaceOptions _options;
    private VideoFrame? _prev, _cur, _next;

    private DeinterlaceCuda(DeinterlaceOptions options) => _options = options;

    public static DeinterlaceCuda? Create(DeinterlaceNode node, VideoFrame first)
    {
        if (first.Device is null) return null;
        var options = node.Options;
        if (options.Method != DeinterlaceMethod.Yadif)
            throw new MediaGraphException(node.Name, $"deinterlace: {options.Method} has no device kernel (yadif does); set the node's \"device\" option to cpu");
        if (first.Format.Name is not ("yuv420p" or "yuvj420p" or "yuv422p" or "yuv444p" or "gray" or "nv12"))
            throw new MediaGraphException(node.Name, $"deinterlace: {first.Format} has no device kernel (planar 8-bit YUV, gray and nv12 do)");
        return new DeinterlaceCuda(options);
    }

    public override void Transform(FrameBase input, TransformOutput output)
    {
        var frame = (VideoFrame)input;
        frame.AddRef(); // kept as next / cur / prev
        Push(frame, output);
    }

    public override void Flush(TransformOutput output)
    {
        if (_cur is null || _next is null) return;
        // libavfilter's yadif at the end: the last frame once more, its pts extrapolated, as the next frame.
        var last = (VideoFrame)_next.ShareForBranch();
        if (last.Pts != Timestamp.None && _cur.Pts != Timestamp.None) last.Pts = _next.Pts * 2 - _cur.Pts;
        Push(last, output);
    }

    private void Push(VideoFrame frame, TransformOutput output)
    {
        _prev?.Dispose();
        _prev = _cur;
        _cur = _next;
        _next = frame;
        if (_cur is null)
        {
            _cur = _next;
            _cur.AddRef();
        }
        if (_prev is null) return; // the first frame waits for the next one

        if (_options.OnlyInterlacedFrames && !_cur.IsInterlaced)
        {
            var same = (VideoFrame)_cur.ShareForBranch();
            Halve(same, _cur.Pts);
            _prev.Dispose();
            _prev = null;
            output.Add(same);
            return;
        }

        var tff = _options.Parity switch
        {
            FieldParity.TopFieldFirst => 1,
            FieldParity.BottomFieldFirst => 0,
            _ => !_cur.IsInterlaced || _cur.TopFieldFirst ? 1 : 0,
        };
        Emit(output, tff, second: false);
        if (_options.Mode == DeinterlaceMode.SendField) Emit(output, tff, second: true);
    }

    private void Emit(TransformOutput output, int tff, bool second)
    {
        var cur = _cur!;
        var result = output.RentDeviceFrame(cur.Device!, cur.Format, cur.Width, cur.Height, cur);
        try
        {
            var keep = tff ^ (second ? 0 : 1);
            DeviceOps.Yadif(_prev!, cur, _next!, result, keep, keep ^ tff, output.StreamOn(cur.Device!));
            result.SetInterlacing(false, false);
            // Halved time base: a frame's pts doubles, a second field sits between its frame and the next; a frame
            // lasts twice its old number, a field once.
            result.TimeBase = Half(cur.TimeBase);
            result.Pts = cur.Pts == Timestamp.None ? Timestamp.None
                : !second ? cur.Pts * 2
                : _next!.Pts != Timestamp.None ? cur.Pts + _next.Pts : Timestamp.None;
            result.Duration = _options.Mode == DeinterlaceMode.SendField ? cur.Duration : cur.Duration * 2;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        output.Add(result);
    }

    private static void Halve(VideoFrame frame, long pts)
    {
        frame.TimeBase = Half(frame.TimeBase);
        frame.Pts = pts == Timestamp.None ? Timestamp.None : pts * 2;
        frame.Duration *= 2;
    }

    private static Rational Half(Rational tb) => new(tb.Num, tb.Den * 2);

    public override void Dispose()
    {
        _prev?.Dispose();
        _cur?.Dispose();
        _next?.Dispose();
        _prev = _cur = _next = null;
    }
}
