using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>What a stream carries: media kind, codec, size or sample layout, time base, frame rate.</summary>
public sealed record StreamDescription
{
    public required MediaKind Kind { get; init; }
    public required int Index { get; init; }
    public string Codec { get; init; } = "";
    public int Width { get; init; }
    public int Height { get; init; }
    public PixelFormat PixelFormat { get; init; } = PixelFormat.None;
    public Rational SampleAspectRatio { get; init; }
    /// <summary>FFmpeg's AVFieldOrder: 0 unknown, 1 progressive, 2 tt, 3 bb, 4 tb, 5 bt.</summary>
    public int FieldOrder { get; init; }
    public int SampleRate { get; init; }
    public SampleFormat SampleFormat { get; init; } = SampleFormat.None;
    public int Channels { get; init; }
    public ulong ChannelMask { get; init; }
    public Rational TimeBase { get; init; }
    /// <summary>The frame rate; for a stream of an input, the container's average (ffprobe's avg_frame_rate).</summary>
    public Rational FrameRate { get; init; }
    /// <summary>The rate the ffmpeg CLI encodes this stream at when it is decoded (FFmpeg's av_guess_frame_rate:
    /// <see cref="RealFrameRate"/>, unless that is implausibly high next to the average or the codec codes fields);
    /// decoded frames carry it as <see cref="VideoFrame.FrameRate"/>. Equals <see cref="FrameRate"/> for streams
    /// that are not read from an input.</summary>
    public Rational GuessedFrameRate { get; init; }
    /// <summary>Start time in <see cref="TimeBase"/>, or <see cref="Timestamp.None"/>.</summary>
    public long StartTime { get; init; } = Timestamp.None;
    /// <summary>Duration in <see cref="TimeBase"/>, or <see cref="Timestamp.None"/>.</summary>
    public long Duration { get; init; } = Timestamp.None;
    /// <summary>Frames in the stream when the container says (ffprobe's nb_frames), else 0.</summary>
    public long FrameCount { get; init; }
    /// <summary>Bits per second when known (ffprobe's bit_rate), else 0.</summary>
    public long BitRate { get; init; }
    /// <summary>Degrees clockwise the picture must turn to show upright (a phone's display matrix), in [0, 360).</summary>
    public double Rotation { get; init; }

    /// <summary>Why this stream of an input cannot be decoded (no decoder for its codec, an audio stream with 0 Hz or
    /// 0 channels, a decoder that refuses its parameters), or null when it can (or was not checked). A damaged
    /// stream is left out with a warning by <see cref="InputFile.HasVideo"/>, <see cref="InputFile.VideoIfAny"/> and
    /// their audio twins, so the other streams are still written.</summary>
    public string? Problem { get; init; }

    /// <summary>True when the container says the stream is interlaced (field order tt/bb/tb/bt).</summary>
    public bool IsInterlaced => FieldOrder >= 2;

    // What ffprobe -show_streams says besides the above: set for the streams of an input (InputInfo, Decode), left
    // unknown (null, empty) for streams a graph makes.

    /// <summary>The codec profile as ffprobe names it ("High", "Main", "LC"; its number when FFmpeg has no name),
    /// null when unknown.</summary>
    public string? Profile { get; init; }
    /// <summary>The codec level of a video stream as ffprobe prints it (H.264 level 4.0 is 40), null when unknown.</summary>
    public int? Level { get; init; }
    /// <summary>"tv" (limited) or "pc" (full), null when the stream does not say.</summary>
    public string? ColorRange { get; init; }
    /// <summary>The YUV matrix ("bt709", "smpte170m", "bt2020nc" ...), null when unspecified.</summary>
    public string? ColorSpace { get; init; }
    /// <summary>The colour primaries ("bt709", "bt2020" ...), null when unspecified.</summary>
    public string? ColorPrimaries { get; init; }
    /// <summary>The transfer characteristic ("bt709", "smpte2084", "arib-std-b67" ...), null when unspecified.</summary>
    public string? ColorTransfer { get; init; }
    /// <summary>The channel layout of an audio stream as ffprobe names it ("stereo", "5.1(side)"), null when the
    /// container gives only a channel count.</summary>
    public string? ChannelLayout { get; init; }
    /// <summary>ffprobe's r_frame_rate: the lowest rate at which every timestamp falls on a frame (the base rate of a
    /// variable-frame-rate stream). <see cref="FrameRate"/> is the average.</summary>
    public Rational RealFrameRate { get; init; }
    /// <summary>How the container marks the stream (default, forced, cover art ...).</summary>
    public StreamDisposition Disposition { get; init; }
    /// <summary>True when the container marks the stream as the one to play by default.</summary>
    public bool IsDefault => (Disposition & StreamDisposition.Default) != 0;
    /// <summary>The stream's metadata (language, handler_name, title ...) as ffprobe lists it under "tags".</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty;

    /// <summary><see cref="FieldOrder"/> as ffprobe names it: "progressive", "tt", "bb", "tb", "bt"; null when unknown.</summary>
    public string? FieldOrderName => FieldOrder switch
    {
        1 => "progressive", 2 => "tt", 3 => "bb", 4 => "tb", 5 => "bt", _ => null,
    };

    internal static StreamDescription From(in StreamInfo s) => new()
    {
        Kind = s.MediaType switch { 0 => MediaKind.Video, 1 => MediaKind.Audio, _ => MediaKind.Other },
        Index = s.Index,
        Codec = s.Codec,
        Width = s.Width,
        Height = s.Height,
        PixelFormat = new PixelFormat(s.PixFmt),
        SampleAspectRatio = new Rational(s.SarNum, s.SarDen),
        FieldOrder = s.FieldOrder,
        SampleRate = s.SampleRate,
        SampleFormat = new SampleFormat(s.SampleFmt),
        Channels = s.Channels,
        ChannelMask = s.ChannelMask,
        TimeBase = new Rational(s.TbNum, s.TbDen),
        FrameRate = new Rational(s.FrNum, s.FrDen),
        GuessedFrameRate = new Rational(s.GuessFrNum, s.GuessFrDen),
        StartTime = s.StartTime,
        Duration = s.Duration,
        FrameCount = s.NbFrames,
        BitRate = s.BitRate,
        Rotation = s.Rotation,
    };

    /// <summary>This description with what the demuxer adds for a stream of an input.</summary>
    internal StreamDescription WithDetails(in StreamDetails d, IReadOnlyDictionary<string, string> tags) => this with
    {
        Profile = d.Profile,
        Level = Kind == MediaKind.Video && d.Level != StreamDetails.LevelUnknown ? d.Level : null,
        ColorRange = d.ColorRange,
        ColorSpace = d.ColorSpace,
        ColorPrimaries = d.ColorPrimaries,
        ColorTransfer = d.ColorTransfer,
        ChannelLayout = d.ChannelLayout,
        RealFrameRate = new Rational(d.RFrNum, d.RFrDen),
        Disposition = (StreamDisposition)d.Disposition,
        Tags = tags,
    };

    /// <summary>What ffprobe adds to the one-line summary, each part after ", ": profile and level, colour range,
    /// colour space (or space/primaries/transfer when they differ), field order, channel layout, bit rate, frame count, disposition.</summary>
    internal string Details()
    {
        var parts = new List<string>();
        if (Profile is not null) parts.Add(Level is { } level ? $"{Profile} level {level}" : Profile);
        else if (Level is { } onlyLevel) parts.Add($"level {onlyLevel}");
        if (ColorRange is not null) parts.Add(ColorRange);
        if (ColorSpace is not null || ColorPrimaries is not null || ColorTransfer is not null)
            parts.Add(ColorSpace == ColorPrimaries && ColorSpace == ColorTransfer // as ffmpeg: "bt709", or matrix/primaries/transfer
                ? ColorSpace!
                : $"{ColorSpace ?? "unknown"}/{ColorPrimaries ?? "unknown"}/{ColorTransfer ?? "unknown"}");
        if (Kind == MediaKind.Video && FieldOrderName is { } fieldOrder) parts.Add(fieldOrder);
        if (Kind == MediaKind.Video && RealFrameRate.IsValid && RealFrameRate != FrameRate) parts.Add($"r_frame_rate {RealFrameRate}");
        if (ChannelLayout is not null) parts.Add(ChannelLayout);
        if (BitRate > 0) parts.Add($"{BitRate / 1000} kb/s");
        if (FrameCount > 0) parts.Add($"{FrameCount} frames");
        if (Disposition != StreamDisposition.None) parts.Add($"({string.Join(", ", Disposition.ToNames())})");
        if (Problem is not null) parts.Add($"cannot be decoded: {Problem}");
        return parts.Count == 0 ? "" : ", " + string.Join(", ", parts);
    }

    /// <summary>A one-line summary like ffprobe's.</summary>
    public override string ToString() => Kind switch
    {
        MediaKind.Video => $"#{Index} video {Codec} {Width}x{Height} {PixelFormat} {FrameRate.ToDouble():0.###} fps tb {TimeBase}" + (IsInterlaced ? " interlaced" : "") + (Rotation != 0 ? $" rotated {Rotation:0}°" : ""),
        MediaKind.Audio => $"#{Index} audio {Codec} {SampleRate} Hz {Channels} ch {SampleFormat} tb {TimeBase}",
        _ => $"#{Index} {Kind} {Codec}",
    };
}

/// <summary>
/// The codec parameters of a compressed stream (FFmpeg's AVCodecParameters) plus its description. Packets carry a
/// reference; a muxer or decoder downstream opens itself from it. Owned by the node that made it, alive for the run.
/// </summary>
public sealed class StreamParameters : IDisposable
{
    // One reference for the owner (the node that made them, released at the end of its run) and one per packet that
    // carries them: a packet an app keeps after the run (an app sink, a broker) still has valid parameters; the native
    // copy is freed when the last of them lets go.
    private int _references = 1;
    private int _ownerReleased;

    internal StreamParameters(CodecParHandle handle, StreamDescription description)
    {
        Handle = handle;
        Description = description;
    }

    internal CodecParHandle Handle { get; }
    public StreamDescription Description { get; }
    public string CodecName => Description.Codec;
    public Rational TimeBase => Description.TimeBase;

    /// <summary>Takes a reference for a packet; false when the parameters were already freed.</summary>
    internal bool TryAddReference()
    {
        int n;
        do
        {
            n = Volatile.Read(ref _references);
            if (n == 0) return false;
        } while (Interlocked.CompareExchange(ref _references, n + 1, n) != n);
        return true;
    }

    /// <summary>Lets go of a reference taken by <see cref="TryAddReference"/> (or the owner's).</summary>
    internal void ReleaseReference()
    {
        var n = Interlocked.Decrement(ref _references);
        if (n == 0) Handle.Dispose();
        else if (n < 0) throw new InvalidOperationException($"The parameters of a {CodecName} stream were released more often than referenced.");
    }

    /// <summary>Releases the owner's reference; the native parameters are freed once no packet carries them.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ownerReleased, 1) == 0) ReleaseReference();
    }
}
