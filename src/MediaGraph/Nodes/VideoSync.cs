using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>The video sync methods of the ffmpeg CLI (<c>VSYNC_*</c>); <see cref="VsCfr"/> is the constant rate that
/// <see cref="FrameRateMode.Auto"/> picks when the input has only this stream: it does not repeat a late first
/// frame back to 0.</summary>
internal enum VideoSyncMethod
{
    Passthrough,
    Cfr,
    Vfr,
    VsCfr,
}

/// <summary>
/// Decides, frame by frame, how often each video frame is encoded and at which output timestamp, with the ffmpeg
/// CLI's rules (FFmpeg 5.1, <c>fftools/ffmpeg.c</c>: <c>do_video_out</c> and <c>adjust_frame_pts_to_encoder_tb</c>),
/// so frame counts and durations equal the CLI's. Timestamps are counted in the encoder's time base, one tick per
/// output frame (1/rate). For each frame: <c>delta0</c> is how far its timestamp is past the next output slot,
/// <c>delta</c> = <c>delta0</c> + its duration. A constant rate drops the frame when <c>delta</c> &lt; −1.1 and
/// otherwise encodes it <c>lrintf(delta)</c> times when <c>delta</c> &gt; 1.1, the first
/// <c>llrintf(delta0 − 0.6)</c> of them being repeats of the previous frame; a variable rate drops it when
/// <c>delta</c> ≤ −0.6 and moves the clock to it when <c>delta</c> &gt; 0.6; passthrough takes every frame at its
/// own timestamp. At the end, the previous frame is repeated the median of the last three repeat counts.
/// One instance per encoder run; not thread-safe.
/// </summary>
internal sealed class VideoSync
{
    // The CLI refuses to duplicate a frame more than dts_error_threshold (3600 * 30 s) * 30 times.
    private const long DuplicationLimit = 3600L * 30 * 30;

    private long _nextPts;           // ost->sync_opts: the next output timestamp, in output frames
    private long _frameNumber;       // frames encoded
    private readonly int[] _lastRepeats = new int[3]; // ost->last_nb0_frames
    private bool _lastDropped;

    public VideoSync(VideoSyncMethod method) => Method = method;

    public VideoSyncMethod Method { get; }
    /// <summary>Frames encoded more than once (the CLI's "dup=").</summary>
    public long Duplicated { get; private set; }
    /// <summary>Frames not encoded (the CLI's "drop=").</summary>
    public long Dropped { get; private set; }

    /// <summary>The method <paramref name="mode"/> means for an output: auto follows the format (avi: variable;
    /// formats storing any timing: variable, or passthrough when they store no timestamps at all; others: constant),
    /// and a constant rate chosen automatically becomes <see cref="VideoSyncMethod.VsCfr"/> when the frames come from
    /// an input with only this one stream or whose timestamps are kept (-copyts).</summary>
    public static VideoSyncMethod Resolve(FrameRateMode mode, MuxerTiming? muxer, bool onlyStreamOfInput, bool keptTimestamps)
    {
        switch (mode)
        {
            case FrameRateMode.Cfr: return VideoSyncMethod.Cfr;
            case FrameRateMode.Vfr: return VideoSyncMethod.Vfr;
            case FrameRateMode.Passthrough: return VideoSyncMethod.Passthrough;
        }
        var method = muxer is not { } m ? VideoSyncMethod.Cfr
            : m.Format == "avi" ? VideoSyncMethod.Vfr
            : m.VariableFrameRate ? (m.NoTimestamps ? VideoSyncMethod.Passthrough : VideoSyncMethod.Vfr)
            : VideoSyncMethod.Cfr;
        return method == VideoSyncMethod.Cfr && (onlyStreamOfInput || keptTimestamps) ? VideoSyncMethod.VsCfr : method;
    }

    /// <summary>A frame's timestamp in output frames, with the CLI's precision: rescaled with up to 16 extra bits
    /// and nudged 1/2^17 away from zero so exact midpoints do not round differently.</summary>
    public static double ToOutputTicks(long pts, Rational timeBase, Rational outputTimeBase)
    {
        var extraBits = Math.Clamp(29 - (int)Math.Log2(outputTimeBase.Den), 0, 16);
        var fine = new Rational(outputTimeBase.Num, outputTimeBase.Den << extraBits);
        var ticks = (double)Rational.Rescale(pts, timeBase, fine) / (1 << extraBits);
        return ticks + (ticks > 0 ? 1.0 : -1.0) / (1 << 17);
    }

    /// <summary>The next output slot, for a frame that has no timestamp (it follows the previous one).</summary>
    public double NextSlot => _nextPts;

    /// <summary>Decides for a frame at <paramref name="ticks"/> (<see cref="ToOutputTicks"/>) lasting
    /// <paramref name="duration"/> output frames: how many times to encode, and how many of those are repeats of
    /// the previous frame (sent first). Each encoded frame then takes <see cref="TakePts"/>.</summary>
    public (int Repeats, int Count) Decide(double ticks, double duration)
    {
        var delta0 = ticks - _nextPts;
        var delta = delta0 + duration;
        int repeats = 0, count = 1;
        if (delta0 < 0 && delta > 0 && Method != VideoSyncMethod.Passthrough)
        {
            // The frame starts before its slot but ends after it: clip it to the slot.
            ticks = _nextPts;
            duration += delta0;
            delta0 = 0;
        }
        switch (Method)
        {
            case VideoSyncMethod.VsCfr or VideoSyncMethod.Cfr:
                if (Method == VideoSyncMethod.VsCfr && _frameNumber == 0 && delta0 >= 0.5)
                {
                    // No repeats of a late first frame back to 0: the output starts where it does.
                    delta = duration;
                    delta0 = 0;
                    _nextPts = RoundEven(ticks);
                }
                if (delta < -1.1) count = 0;
                else if (delta > 1.1)
                {
                    count = (int)RoundEven((float)delta);
                    if (delta0 > 1.1) repeats = (int)RoundEven((float)(delta0 - 0.6));
                }
                break;
            case VideoSyncMethod.Vfr:
                if (delta <= -0.6) count = 0;
                else if (delta > 0.6) _nextPts = RoundEven(ticks);
                break;
            default:
                // A timestamp that rounds onto the previous one moves a tick later: encoders refuse repeated pts.
                _nextPts = _frameNumber > 0 ? Math.Max(RoundEven(ticks), _nextPts) : RoundEven(ticks);
                break;
        }
        return Account(repeats, count, hasFrame: true);
    }

    /// <summary>At the end of input: how many times to repeat the last frame (the median of the last three
    /// repeat counts, as the CLI).</summary>
    public int Finish()
    {
        var a = _lastRepeats[0]; var b = _lastRepeats[1]; var c = _lastRepeats[2];
        var median = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
        return Account(median, median, hasFrame: false).Count;
    }

    /// <summary>The output timestamp of the next encoded frame (in output frames), advancing the clock.</summary>
    public long TakePts()
    {
        _frameNumber++;
        return _nextPts++;
    }

    private (int Repeats, int Count) Account(int repeats, int count, bool hasFrame)
    {
        repeats = Math.Min(repeats, count);
        (_lastRepeats[2], _lastRepeats[1], _lastRepeats[0]) = (_lastRepeats[1], _lastRepeats[0], repeats);
        if (repeats == 0 && _lastDropped) Dropped++;
        var notDuplicates = (repeats > 0 && _lastDropped ? 1 : 0) + (count > repeats ? 1 : 0);
        if (count > notDuplicates)
        {
            if (count > DuplicationLimit)
            {
                Dropped++;
                return (0, 0);
            }
            Duplicated += count - notDuplicates;
        }
        _lastDropped = count == repeats && hasFrame;
        return (repeats, count);
    }

    private static long RoundEven(double value) => (long)Math.Round(value, MidpointRounding.ToEven);
}
