using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>
/// The running side of <see cref="OverlayNode"/>: pairs each main frame with the overlay frame that presents its time
/// (libavfilter framesync's rule: the latest at or before it), reading the overlay only as far as the main stream
/// needs (its edge stays full otherwise), and blends on the host or the device by where the main frame lives. Main
/// frames outside the window, or before the overlay's first frame, go out as they came.
/// </summary>
internal sealed class OverlayInstance(OverlayNode node) : NodeInstance
{
    /// <summary>An overlay frame on the node's timeline: raw (not yet prepared) or prepared (a loop's replay).</summary>
    private sealed class Shown
    {
        public VideoFrame? Raw;
        public OverlayPicture? Picture;
        public long Time;      // in TimeBase, shifted to the window's start (and by the loop passes)
        public long Duration;
        public Rational TimeBase;
    }

    private const int MainQueueLimit = 4;
    private readonly Queue<VideoFrame> _main = new();
    private readonly Queue<Shown> _overlay = new();
    private readonly List<Shown> _kept = new();   // the first pass, prepared, when the clip loops
    private OverlayPreparer? _preparer;
    private Shown? _current;
    private long _firstOverlayPts = Timestamp.None;
    private long _passEnd;                          // end of the first pass, relative to its start, in _kept's time base
    private int _passes;                            // replays made so far
    private bool _overlayEnded, _mainEnded, _finished;
    private long _lastMainPts;
    private Rational _lastMainTimeBase = new(1, 1);
    private PixelFormat _mainFormat = PixelFormat.None;
    private byte[] _staging = [];
    private long _fromMicros, _untilMicros;
    private OverlayPosition? _position;             // the x and y expressions, parsed for this run
    private long _mainDelivered;                    // main frames taken so far, the current one included (overlay's n)

    protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
    {
        _preparer = new OverlayPreparer(node, context.NodeName);
        if (node.Position is null) _position = new OverlayPosition(node.X, node.Y, node.Eval, context.NodeName);
        _fromMicros = (long)Math.Round(node.From.TotalMilliseconds * 1000);
        _untilMicros = node.Duration is { } d ? _fromMicros + (long)Math.Round(d.TotalMilliseconds * 1000) : long.MaxValue;
        return default;
    }

    protected internal override bool IsInputWanted(int input) => input == 0
        ? _main.Count < MainQueueLimit
        : !_overlayEnded && _overlay.Count < 2;

    protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
    {
        var frame = (VideoFrame)item;
        if (_finished)
        {
            frame.Dispose();
            return;
        }
        if (input == 0) _main.Enqueue(frame);
        else Enqueue(frame);
        await DrainAsync(context, cancellationToken).ConfigureAwait(false);
    }

    protected internal override async ValueTask EndOfInputAsync(NodeContext context, int input, CancellationToken cancellationToken)
    {
        if (input == 0) _mainEnded = true;
        else _overlayEnded = true;
        await DrainAsync(context, cancellationToken).ConfigureAwait(false);
    }

    protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
    {
        _overlayEnded = true;
        await DrainAsync(context, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(VideoFrame frame)
    {
        if (_firstOverlayPts == Timestamp.None) _firstOverlayPts = frame.Pts == Timestamp.None ? 0 : frame.Pts;
        var pts = frame.Pts == Timestamp.None ? _firstOverlayPts : frame.Pts;
        _overlay.Enqueue(new Shown
        {
            Raw = frame,
            Time = pts - _firstOverlayPts + Rational.Rescale(_fromMicros, Rational.Microseconds, frame.TimeBase),
            Duration = Math.Max(frame.Duration, 0),
            TimeBase = frame.TimeBase,
        });
    }

    /// <summary>Emits every queued main frame whose overlay is known, in order.</summary>
    private async ValueTask DrainAsync(NodeContext context, CancellationToken cancellationToken)
    {
        while (!_finished && _main.TryPeek(out var main))
        {
            if (main.Pts != Timestamp.None)
            {
                _lastMainPts = main.Pts;
                _lastMainTimeBase = main.TimeBase;
            }
            var (pts, tb) = (_lastMainPts, _lastMainTimeBase);
            if (!InWindow(pts, tb))
            {
                _main.Dequeue();
                _mainDelivered++;
                await context.EmitAsync(0, main, cancellationToken).ConfigureAwait(false);
                continue;
            }
            try { CheckMainFormat(context, main); }
            catch { _main.Dequeue(); main.Dispose(); throw; }
            if (!Resolve(context, pts, tb, out var ended)) break; // the overlay has not reached this time yet
            _main.Dequeue();
            _mainDelivered++;
            if (ended && (node.EndAction == OverlayEndAction.EndAll || node.Shortest))
            {
                main.Dispose();
                Finish(context);
                break;
            }
            var show = _current is { } c && !(ended && node.EndAction == OverlayEndAction.Pass) ? c : null;
            var output = show is null ? main : Draw(context, main, show, pts, tb);
            await context.EmitAsync(0, output, cancellationToken).ConfigureAwait(false);
        }
        if (_mainEnded && _main.Count == 0 && !_finished) Finish(context);
    }

    /// <summary>The output is complete: drop what is queued and stop reading (an endless overlay must not keep the run going).</summary>
    private void Finish(NodeContext context)
    {
        _finished = true;
        while (_main.TryDequeue(out var f)) f.Dispose();
        context.StopInputs();
    }

    private bool InWindow(long pts, Rational tb)
    {
        // from ≤ t < until, exactly: t = pts·num/den seconds against microseconds.
        var t = (Int128)pts * tb.Num * 1_000_000;
        return t >= (Int128)_fromMicros * tb.Den && (_untilMicros == long.MaxValue || t < (Int128)_untilMicros * tb.Den);
    }

    /// <summary>Moves <see cref="_current"/> to the latest overlay frame at or before (pts, tb). False when that is
    /// not known yet (more overlay input needed). <paramref name="ended"/>: the overlay has no more frames and its
    /// last one has run its duration by then.</summary>
    private bool Resolve(NodeContext context, long pts, Rational tb, out bool ended)
    {
        ended = false;
        while (true)
        {
            if (_overlay.TryPeek(out var next))
            {
                if (Compare(next.Time, next.TimeBase, pts, tb) > 0) return true;
                _overlay.Dequeue();
                Advance(context, next);
                continue;
            }
            if (!_overlayEnded) return false;
            if (Replay()) continue;
            ended = _current is null || Compare(_current.Time + _current.Duration, _current.TimeBase, pts, tb) <= 0;
            return true;
        }
    }

    private void Advance(NodeContext context, Shown next)
    {
        if (_current is { } old && !_kept.Contains(old)) Release(old);
        _current = next;
        if (node.Loop != 0 && next.Raw is not null && _passes == 0)
        {
            Prepared(context, next);
            _kept.Add(next);
            if (_kept.Count == 1) _passEnd = 0;
            _passEnd = Math.Max(_passEnd, next.Time + Math.Max(next.Duration, 1) - _kept[0].Time);
        }
    }

    /// <summary>Queues the next pass of a looping clip; false when there is none.</summary>
    private bool Replay()
    {
        if (_kept.Count == 0 || (node.Loop >= 0 && _passes >= node.Loop)) return false;
        _passes++;
        foreach (var k in _kept)
            _overlay.Enqueue(new Shown { Picture = k.Picture, Time = k.Time + _passEnd * _passes, Duration = k.Duration, TimeBase = k.TimeBase });
        return true;
    }

    private OverlayPicture Prepared(NodeContext context, Shown shown)
    {
        if (shown.Picture is { } ready) return ready;
        var raw = shown.Raw!;
        shown.Picture = _preparer!.Prepare(raw, _mainFormat, context.RentVideoFrame, context.Metrics);
        shown.Raw = null;
        raw.Dispose();
        return shown.Picture;
    }

    private void Release(Shown shown)
    {
        shown.Raw?.Dispose();
        shown.Raw = null;
        if (_kept.Count == 0 || !_kept.Any(k => ReferenceEquals(k.Picture, shown.Picture))) shown.Picture?.Dispose();
        shown.Picture = null;
    }

    /// <summary>Refuses main formats the blend does not take, and a change of chroma subsampling once overlay
    /// pictures were prepared for another.</summary>
    private void CheckMainFormat(NodeContext context, VideoFrame main)
    {
        if (main.Format == _mainFormat) return;
        if (OverlayPreparer.PreparedFormat(main.Format) is not { } prepared)
            throw new MediaGraphException(context.NodeName, $"overlay: the main picture is {main.Format}; overlay draws on yuv420p, yuvj420p, yuv422p, yuv444p or nv12: convert it first (ConvertTo or Filter(\"format=yuv420p\"))");
        if (_mainFormat != PixelFormat.None && prepared != OverlayPreparer.PreparedFormat(_mainFormat) && (_current?.Picture is not null || _kept.Count > 0))
            throw new MediaGraphException(context.NodeName, $"overlay: the main picture changed from {_mainFormat} to {main.Format} mid-stream, to another chroma subsampling");
        _mainFormat = main.Format;
    }

    /// <summary>The main frame with the overlay drawn on: in place on the host, into a new frame on the device.</summary>
    private VideoFrame Draw(NodeContext context, VideoFrame main, Shown shown, long pts, Rational tb)
    {
        try
        {
            var picture = Prepared(context, shown);
            var (hsub, vsub) = DeviceOps.Subsampling(main.Format);
            var o = picture.Host;
            var seconds = main.Pts == Timestamp.None ? double.NaN : Timestamp.ToSeconds(pts, tb);
            (int X, int Y)? at = node.Position is { } position
                ? position(TimeSpan.FromSeconds(Timestamp.ToSeconds(pts, tb)))
                : _position!.At((main.Width, main.Height, hsub, vsub), (o.Width, o.Height), seconds, _mainDelivered);
            if (at is not { } place) return main; // NaN: not drawn on this frame, as ffmpeg's overlay
            var (x, y) = place;
            x &= ~((1 << hsub) - 1);
            y &= ~((1 << vsub) - 1);
            if (x >= main.Width || x + o.Width < 0 || y >= main.Height || y + o.Height < 0) return main; // no overlap
            if (main.Location == FrameLocation.Host)
            {
                main.MakeWritable();
                BlendOnHost(main, o, x, y, hsub, vsub);
                return main;
            }
            var device = main.Device ?? throw new MediaGraphException(context.NodeName, $"overlay: the main picture lives in {main.Location} memory that is not this run's device; upload it first");
            var onDevice = picture.DeviceCopy(device, context.RentVideoFrame(), context.Metrics, ref _staging);
            var output = context.RentVideoFrame();
            try
            {
                device.Frames.Fill(output, main.Format, main.Width, main.Height, main);
                output.FrameRate = main.FrameRate;
                output.Pts = main.Pts;
                output.Duration = main.Duration;
                output.TimeBase = main.TimeBase;
                if (main.MetadataSnapshot is { } values) output.Metadata.Attach(values);
                DeviceOps.Overlay(main, onDevice, output, x, y, context.StreamOn(device));
            }
            catch
            {
                output.Dispose();
                throw;
            }
            main.Dispose();
            return output;
        }
        catch
        {
            main.Dispose();
            throw;
        }
    }

    private static void BlendOnHost(VideoFrame main, VideoFrame overlay, int x, int y, int hsub, int vsub)
    {
        var nv12 = main.Format.Name == "nv12";
        var alpha = overlay.GetPlane(3);
        var alphaSpan = overlay.GetPlaneSpan(3);
        for (var i = 0; i < 3; i++)
        {
            var plane = nv12 && i == 2 ? 1 : i;
            var d = main.GetPlane(plane);
            var step = DeviceOps.Channels(main.Format, plane);
            var a = OverlayPlaneParams.For(i, x, y, overlay.Width, overlay.Height, hsub, vsub, step);
            var s = overlay.GetPlane(i);
            OverlayBlend.BlendPlane(main.GetPlaneSpan(plane), d.Pitch, d.RowBytes / step, d.Rows, nv12 && i == 2 ? 1 : 0,
                overlay.GetPlaneSpan(i), s.Pitch, alphaSpan, alpha.Pitch, a);
        }
    }

    /// <summary>Compares a·ta with b·tb seconds exactly.</summary>
    private static int Compare(long a, Rational ta, long b, Rational tb)
        => ((Int128)a * ta.Num * tb.Den).CompareTo((Int128)b * tb.Num * ta.Den);

    public override ValueTask DisposeAsync()
    {
        while (_main.TryDequeue(out var f)) f.Dispose();
        while (_overlay.TryDequeue(out var s)) s.Raw?.Dispose(); // replays share the kept pictures
        if (_current is { } c && !_kept.Contains(c)) { c.Raw?.Dispose(); if (!_kept.Any(k => ReferenceEquals(k.Picture, c.Picture))) c.Picture?.Dispose(); }
        _current = null;
        foreach (var k in _kept) k.Picture?.Dispose();
        _kept.Clear();
        _preparer?.Dispose();
        _position?.Dispose();
        _position = null;
        return default;
    }
}
