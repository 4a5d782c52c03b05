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
    public Rational FrameRate { get; init; }
    /// <summary>Start time in <see cref="TimeBase"/>, or <see cref="Timestamp.None"/>.</summary>
    public long StartTime { get; init; } = Timestamp.None;
    /// <summary>Duration in <see cref="TimeBase"/>, or <see cref="Timestamp.None"/>.</summary>
    public long Duration { get; init; } = Timestamp.None;
    public long FrameCount { get; init; }
    public long BitRate { get; init; }
    /// <summary>Degrees clockwise the picture must turn to show upright (a phone's display matrix), in [0, 360).</summary>
    public double Rotation { get; init; }

    /// <summary>True when the container says the stream is interlaced (field order tt/bb/tb/bt).</summary>
    public bool IsInterlaced => FieldOrder >= 2;

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
        StartTime = s.StartTime,
        Duration = s.Duration,
        FrameCount = s.NbFrames,
        BitRate = s.BitRate,
        Rotation = s.Rotation,
    };

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
    internal StreamParameters(CodecParHandle handle, StreamDescription description)
    {
        Handle = handle;
        Description = description;
    }

    internal CodecParHandle Handle { get; }
    public StreamDescription Description { get; }
    public string CodecName => Description.Codec;
    public Rational TimeBase => Description.TimeBase;

    /// <inheritdoc />
    public void Dispose() => Handle.Dispose();
}
