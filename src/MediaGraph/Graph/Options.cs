namespace MediaGraph;

/// <summary>How to open and decode an input.</summary>
public sealed record DecodeOptions
{
    /// <summary>Input format name ("mpegts", "v4l2"); null lets FFmpeg probe.</summary>
    public string? Format { get; init; }
    /// <summary>Demuxer and protocol options ("rw_timeout" = "5000000", "analyzeduration" ...).</summary>
    public IReadOnlyDictionary<string, string>? FormatOptions { get; init; }
    /// <summary>Decoder threads; 0 lets FFmpeg choose.</summary>
    public int Threads { get; init; }
    /// <summary>A specific video decoder ("h264", "h264_cuvid"); null uses FFmpeg's default for the codec.</summary>
    public string? VideoDecoder { get; init; }
    /// <summary>Keep the input's timestamps as they are (ffmpeg -copyts) instead of starting at 0.</summary>
    public bool KeepTimestamps { get; init; }
    /// <summary>Turn decoded video upright when the stream carries a rotation (phone videos), as the ffmpeg CLI does
    /// by default. Default true. Stream copy keeps the rotation as metadata instead.</summary>
    public bool AutoRotate { get; init; } = true;

    /// <summary>The protocols FFmpeg may use for this input and for everything it opens on its behalf (HLS segments,
    /// keys, playlists), as FFmpeg's <c>protocol_whitelist</c>: a scheme outside the list is refused, naming it.
    /// Null (the default) allows <see cref="LocalProtocols"/>, plus <see cref="NetworkProtocols"/> with
    /// <see cref="AllowNetwork"/>. Give a list to allow exactly those ("file", "http", "https", "tcp", "tls").</summary>
    public IReadOnlyList<string>? Protocols { get; init; }

    /// <summary>Allow <see cref="NetworkProtocols"/> besides local files and pipes. Default false: a URL from a
    /// stranger cannot make the process reach the network.</summary>
    public bool AllowNetwork { get; init; }

    /// <summary>Allow an input to listen for incoming connections (<c>tcp://…?listen=1</c>, <c>http</c>'s and
    /// <c>rtmp</c>'s listen, <c>rtsp_flags=listen</c>). Default false: opening an input never opens a server socket.</summary>
    public bool AllowListen { get; init; }

    /// <summary>How long opening a network input (connect, first answer, stream info) may take before it fails with
    /// an error naming this timeout. Default 10 s; <see cref="TimeSpan.Zero"/> waits for ever. Local files and pipes
    /// have none.</summary>
    public TimeSpan OpenTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one read of a network input may wait for data before it fails with an error naming this
    /// timeout (FFmpeg's <c>rw_timeout</c>, and a deadline on the interrupt callback for protocols that ignore it).
    /// Default 10 s; <see cref="TimeSpan.Zero"/> waits for ever. Local files and pipes have none.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest picture, in pixels (width × height), a video stream of this input may have: a larger one
    /// is refused when the decoder opens, before any frame buffer is allocated, and a size change mid-stream beyond
    /// it is refused by the decoder (FFmpeg's <c>max_pixels</c>). Default 8192 × 8192 (every 8K format);
    /// damaged or hostile headers cannot make a decoder allocate gigabytes.</summary>
    public long MaxPixels { get; init; } = DefaultMaxPixels;

    /// <summary>8192 × 8192.</summary>
    public const long DefaultMaxPixels = 8192L * 8192;

    /// <summary>Allowed by default: <c>file</c> and <c>pipe</c>, and three protocols that only reach what a nested URL
    /// on the list reaches: <c>crypto</c> (AES-decrypts a nested URL: encrypted local HLS), <c>data</c> (content inline
    /// in the URL, no I/O at all) and <c>subfile</c> (a byte range of a nested URL).</summary>
    public static IReadOnlyList<string> LocalProtocols { get; } = ["file", "pipe", "crypto", "data", "subfile"];

    /// <summary>Added by <see cref="AllowNetwork"/>: <c>http, https, tcp, tls, rtsp, rtp, udp, hls, rtmp, rtmps</c>
    /// (HTTP(S) files and HLS, RTSP cameras with RTP over UDP or TCP, UDP multicast, RTMP).</summary>
    public static IReadOnlyList<string> NetworkProtocols { get; } = ["http", "https", "tcp", "tls", "rtsp", "rtp", "udp", "hls", "rtmp", "rtmps"];

    internal string? FormatOptionsString => OptionString.Of(FormatOptions);

    /// <summary>Whether a network input that is lost (a read fails, times out, or a live stream ends) is opened
    /// again, with exponential backoff (<see cref="ReconnectDelay"/> doubling up to <see cref="ReconnectMaxDelay"/>,
    /// at most <see cref="ReconnectAttempts"/> tries in a row). Null (the default): live network inputs (RTSP, UDP,
    /// SRT, RTMP, live HLS: those without a duration) reconnect; files and network files (a duration) do not.
    /// True: every network input; false: none. Local files and pipes never reconnect. The first open is never
    /// retried: a camera that does not answer when the graph starts fails within <see cref="OpenTimeout"/>, naming
    /// it. Timestamps continue across a reconnect (the new session follows the last packet), video resumes at the
    /// first key frame, and each step is reported (<see cref="DemuxNode.HealthChanged"/>, <see cref="NodeMetrics.Health"/>).</summary>
    public bool? Reconnect { get; init; }

    /// <summary>The wait before the first reconnect attempt; each failed attempt doubles it, up to
    /// <see cref="ReconnectMaxDelay"/>. Default 0.5 s.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The longest wait between reconnect attempts. Default 30 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many reconnect attempts in a row may fail before the input gives up (the run then fails, naming
    /// the input and the last reason, after its outputs are finalised). Default 0: for ever, as a camera should.</summary>
    public int ReconnectAttempts { get; init; }

    /// <summary>What the edges after this input's decoders do when a consumer falls behind: <see cref="EdgePolicy.Block"/>
    /// (the default: a file never loses a frame), or for a live input <see cref="EdgePolicy.KeepLatest"/> /
    /// <see cref="EdgePolicy.DropOldest"/>: the decoder never waits, frames a slow consumer cannot take are dropped
    /// and counted (the decoder's <see cref="NodeMetrics.Dropped"/>), so the consumer never falls behind the camera.</summary>
    public EdgePolicy EdgePolicy { get; init; }

    /// <summary>Hardware video decoding (NVDEC through FFmpeg's CUDA hwaccel), into device frames that the graph's
    /// CUDA nodes and NVENC use in place. <see cref="MediaGraph.HwAccel.Auto"/>: NVDEC when the run has a CUDA device
    /// (<see cref="GraphOptions.Device"/> cuda, or auto on a machine with a GPU) and NVDEC takes the stream, else
    /// software decoding with one log line saying why. <see cref="MediaGraph.HwAccel.Cuda"/>: as Auto, but a run
    /// without a CUDA device fails at once. Default <see cref="MediaGraph.HwAccel.None"/> (as the ffmpeg CLI).</summary>
    public HwAccel HwAccel { get; init; }
}

/// <summary>Hardware decoding of an input's video (<see cref="DecodeOptions.HwAccel"/>; CLI <c>--hwaccel</c>).</summary>
public enum HwAccel
{
    /// <summary>Software decoding (the ffmpeg CLI's default).</summary>
    None,
    /// <summary>NVDEC when the run has a CUDA device and NVDEC takes the stream, else software (said once).</summary>
    Auto,
    /// <summary>NVDEC; a run without a CUDA device fails at once. A stream NVDEC cannot take (codec, profile, size)
    /// is still decoded in software, said once.</summary>
    Cuda,
}

/// <summary>How to encode and mux an output. Defaults follow the ffmpeg CLI: without a codec, the output format's
/// default encoder (mp4, mkv: libx264; webm: libvpx-vp9 and libopus; .png: png; .wav: pcm_s16le), and the pixel format
/// of that encoder nearest the input's.</summary>
public sealed record EncodeOptions
{
    /// <summary>Any FFmpeg video encoder ("libx264", "libx265", "ffv1", "mjpeg", "h264_nvenc"), or "copy" to remux
    /// the input's packets without decoding. Default null: the encoder the ffmpeg CLI picks for the output format
    /// (the format's default codec, that codec's default encoder: libx264 for mp4 and mkv, libvpx-vp9 for webm, png
    /// for .png, mjpeg for .jpg, gif for .gif). A format that takes no video (wav) leaves a video stream out, with a
    /// warning, as the CLI does.</summary>
    public string? VideoCodec { get; init; }
    /// <summary>Any FFmpeg audio encoder ("aac", "libopus", "flac"), "copy", or "none" to drop audio. Default null:
    /// the encoder the ffmpeg CLI picks for the output format (aac for mp4, libvorbis for mkv, libopus for webm,
    /// pcm_s16le for wav). A format that takes no audio (gif, image sequences) leaves an audio stream out, with a
    /// warning, as the CLI does.</summary>
    public string? AudioCodec { get; init; }
    /// <summary>Encoder preset ("veryfast", "medium" ...), for encoders that have one.</summary>
    public string? Preset { get; init; }
    /// <summary>Constant rate factor, for encoders that have one (x264/x265: 0-51).</summary>
    public int? Crf { get; init; }
    /// <summary>Video bit rate in bits per second (0 = the encoder's default or CRF).</summary>
    public long VideoBitrate { get; init; }
    /// <summary>Audio bit rate in bits per second (0 = the encoder's default).</summary>
    public long AudioBitrate { get; init; }
    /// <summary>Keyframe interval in frames (0 = the encoder's default).</summary>
    public int Gop { get; init; }
    /// <summary>Maximum consecutive B-frames (null = the encoder's default).</summary>
    public int? MaxBFrames { get; init; }
    /// <summary>Output pixel format ("yuv420p"); an encoder that lacks it is an error. Null picks as the ffmpeg CLI:
    /// the input's when the encoder takes it, else the encoder's format nearest it (rgb24 into libx264 gives yuv444p,
    /// yuv420p into png rgb24), and full-range yuvj formats for mjpeg.</summary>
    public string? PixelFormat { get; init; }
    /// <summary>Audio sample rate (0 = the input's when the encoder takes it, else the nearest it takes, as the ffmpeg CLI).</summary>
    public int SampleRate { get; init; }
    /// <summary>Encoder threads (0 = automatic).</summary>
    public int Threads { get; init; }
    /// <summary>Container format ("mp4", "matroska", "mpegts", "segment", "hls"); null guesses from the extension.</summary>
    public string? Format { get; init; }
    /// <summary>Muxer options ("movflags" = "+faststart", "segment_time" = "4", "hls_time" = "2").</summary>
    public IReadOnlyDictionary<string, string>? FormatOptions { get; init; }
    /// <summary>Private options of the video encoder ("tune" = "zerolatency", "x264-params" = ...).</summary>
    public IReadOnlyDictionary<string, string>? VideoCodecOptions { get; init; }
    /// <summary>Private options of the audio encoder.</summary>
    public IReadOnlyDictionary<string, string>? AudioCodecOptions { get; init; }

    /// <summary>How frames are timed into the output, as the ffmpeg CLI's <c>-vsync</c>/<c>-fps_mode</c>. Default
    /// <see cref="FrameRateMode.Auto"/>: constant frame rate (frames duplicated and dropped) for formats that store no
    /// variable timing (mp4, mov, image sequences, segment and HLS outputs), variable for those that do (mkv, webm, mpegts, flv) and for avi,
    /// passthrough for formats that store no timestamps at all.</summary>
    public FrameRateMode FrameRateMode { get; init; }
    /// <summary>The output frame rate (ffmpeg's <c>-r</c> on an output): the encoder's clock, and with a constant
    /// frame rate the rate frames are duplicated or dropped to. Null takes the frames' rate (a decoded stream's is
    /// the one the ffmpeg CLI guesses: its r_frame_rate, mostly), or 25 when they have none.</summary>
    public Rational? FrameRate { get; init; }

    internal bool CopyVideo => VideoCodec == "copy";
    internal bool CopyAudio => AudioCodec == "copy";
    internal bool NoAudio => AudioCodec == "none";
}

/// <summary>How an encoder times video frames into its output: the ffmpeg CLI's <c>-vsync</c> (<c>-fps_mode</c>)
/// methods, with its rules (FFmpeg 5.1's <c>do_video_out</c>).</summary>
public enum FrameRateMode
{
    /// <summary>As the ffmpeg CLI picks for the output format: <see cref="Cfr"/> where the format stores no variable
    /// timing (mp4, mov, image sequences, segment and HLS outputs), <see cref="Vfr"/> where it does (mkv, webm, mpegts, flv) and for avi,
    /// <see cref="Passthrough"/> where it stores no timestamps at all. With a constant rate, an output of an input
    /// that has only this one stream (or whose timestamps are kept) starts at its first frame rather than
    /// repeating that frame back to 0.</summary>
    Auto,
    /// <summary>Constant frame rate: frames are duplicated to fill gaps and dropped when they come too fast, so the
    /// output has one frame every 1/rate seconds from 0 (a stream that starts late is padded with its first
    /// frame).</summary>
    Cfr,
    /// <summary>Variable frame rate: each frame keeps its timestamp (rounded to 1/rate); frames that would land
    /// on or before the previous one are dropped, none are duplicated.</summary>
    Vfr,
    /// <summary>Every frame is encoded once with its timestamp rounded to 1/rate; nothing is dropped or
    /// duplicated (a timestamp that would repeat the previous one is moved one tick later).</summary>
    Passthrough,
}

/// <summary>Deinterlacing filters of libavfilter.</summary>
public enum DeinterlaceMethod
{
    /// <summary>yadif ("yet another deinterlacing filter").</summary>
    Yadif,
    /// <summary>bwdif (Bob Weaver): sharper motion, a little slower.</summary>
    Bwdif,
}

/// <summary>What a deinterlacer emits.</summary>
public enum DeinterlaceMode
{
    /// <summary>One frame per frame (frame rate kept).</summary>
    SendFrame,
    /// <summary>One frame per field (frame rate doubled).</summary>
    SendField,
}

/// <summary>Which field comes first.</summary>
public enum FieldParity
{
    /// <summary>As the frames say.</summary>
    Auto,
    TopFieldFirst,
    BottomFieldFirst,
}

/// <summary>Options of <see cref="VideoStream.Deinterlace"/>.</summary>
public sealed record DeinterlaceOptions
{
    public DeinterlaceMethod Method { get; init; } = DeinterlaceMethod.Yadif;
    public DeinterlaceMode Mode { get; init; } = DeinterlaceMode.SendFrame;
    public FieldParity Parity { get; init; } = FieldParity.Auto;
    /// <summary>Deinterlace only frames flagged interlaced (true) or all frames (false, the filters' default).</summary>
    public bool OnlyInterlacedFrames { get; init; }
}

internal static class OptionString
{
    /// <summary>"k=v\nk=v" for the native layer (values may hold ':' and ',').</summary>
    public static string? Of(IReadOnlyDictionary<string, string>? options)
        => options is null || options.Count == 0 ? null : string.Join("\n", options.Select(kv => $"{kv.Key}={kv.Value}"));
}
