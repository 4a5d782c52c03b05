using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Encodes video or audio frames into packets with any FFmpeg encoder. Opens the encoder on the first frame (its
/// size, pixel or sample format and frame rate become the stream's); frames of another format later are converted.
/// Audio is re-chunked to the codec's frame size. At end of input drains the encoder; emits packets in the
/// encoder's time base carrying the stream parameters the muxer needs.
/// Video is timed as the ffmpeg CLI times it (<see cref="EncodeOptions.FrameRateMode"/>, <see cref="VideoSync"/>):
/// the encoder counts in frames of the output rate (<see cref="EncodeOptions.FrameRate"/>, else the frames'), and
/// with a constant rate frames are duplicated into gaps and dropped when they come too fast, so an mp4 of a
/// variable-rate input has the CLI's frame count and duration. The first frame's colour range, matrix, primaries,
/// transfer and field order become the encoder's, as the CLI passes them.
/// Each packet carries the metadata of the frame it was made from (audio: the frame holding its first sample),
/// matched by pts because the encoder reorders and delays frames, so a packet sink still has inference results and
/// tags; muxers ignore it.
/// Its per-frame async methods use pooled builders, so waiting on a full edge allocates nothing.
/// </summary>
public sealed class EncodeNode : Node
{
    internal EncodeNode(OutputPort frames, MediaKind kind, string codec, EncodeOptions options, string outputPath)
        : this(frames, kind, new EncoderChoice(codec, FromOutput: false, Problem: null), options, outputPath) { }

    internal EncodeNode(OutputPort frames, MediaKind kind, EncoderChoice codec, EncodeOptions options, string outputPath)
    {
        MediaKind = kind;
        Codec = codec.Encoder;
        CodecFromOutput = codec.FromOutput;
        _codecProblem = codec.Problem;
        Options = options;
        OutputPath = outputPath;
        var input = AddInput(kind, kind == MediaKind.Video ? "video" : "audio");
        input.Source = frames;
        frames.Consumers.Add(input);
        AddOutput(MediaKind.Packets, "packets");
    }

    private readonly string? _codecProblem;

    public MediaKind MediaKind { get; }
    /// <summary>The encoder: the one the options name, or the output format's default as the ffmpeg CLI picks it
    /// ("" when the format cannot be guessed or this FFmpeg has no encoder for its default; validation says why).</summary>
    public string Codec { get; }
    /// <summary>True when <see cref="Codec"/> is the output format's default (the options named none).</summary>
    public bool CodecFromOutput { get; }
    public EncodeOptions Options { get; }
    /// <summary>The file this encoder's packets go to (the muxer's container decides on global headers).</summary>
    public string OutputPath { get; }
    public override string Kind => MediaKind == MediaKind.Video ? "encode-video" : "encode-audio";
    public override NodeRoles Roles => MediaKind == MediaKind.Video ? NodeRoles.EncodesVideo : NodeRoles.None;

    private NvencPlan? _nvenc;

    /// <summary>True when this run feeds an NVENC encoder straight from device frames (<see cref="PlanNvenc"/>).</summary>
    internal bool NvencOnDevice => _nvenc is { OnDevice: true };

    /// <summary>The encoder this run opens: <see cref="Codec"/>, or the software twin of an NVENC encoder that cannot
    /// run on the run's device.</summary>
    internal string RunCodec => _nvenc?.Codec ?? Codec;

    /// <summary>Decides, when a run starts, how an NVENC encoder runs (see <see cref="NvencPlan"/>): on the run's CUDA
    /// device from device frames, or the software encoder after one counted download, said once.</summary>
    internal void PlanNvenc(ComputeDevice? device, Microsoft.Extensions.Logging.ILogger? logger)
    {
        _nvenc = null;
        if (MediaKind != MediaKind.Video || !NvencPlan.IsNvenc(Codec)) return;
        var plan = NvencPlan.Decide(Codec, device?.Cuda is not null, () => NvencPlan.Probe(device!.Cuda!, Codec));
        if (plan.Why is not null) logger?.LogWarning("{Node}: {Why}; encoding with {Codec} instead (frames downloaded once, counted)", Name, plan.Why, plan.Codec);
        _nvenc = plan;
    }

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string> { ["codec"] = Codec };
        if (MediaKind == MediaKind.Video)
        {
            if (Options.Preset is { } p) d["preset"] = p;
            if (Options.Crf is { } c) d["crf"] = c.ToString();
            if (Options.VideoBitrate > 0) d["bitrate"] = Options.VideoBitrate.ToString();
            if (Options.Gop > 0) d["gop"] = Options.Gop.ToString();
            if (Options.PixelFormat is { } f) d["pix_fmt"] = f;
            if (Options.FrameRateMode != FrameRateMode.Auto) d["vsync"] = Options.FrameRateMode.ToString().ToLowerInvariant();
            if (Options.FrameRate is { } r) d["r"] = r.ToString();
        }
        else if (Options.AudioBitrate > 0) d["bitrate"] = Options.AudioBitrate.ToString();
        return d;
    }

    protected internal override void Validate(ValidationContext context)
    {
        if (Codec.Length == 0)
        {
            // No default encoder: either the output format is unknown (the muxer reports it) or FFmpeg lacks one.
            if (_codecProblem is { } why) context.Problem(this, why);
            return;
        }
        var kind = Codecs.FindCodec(Codec, encoder: true, out var problem);
        if (kind is null) context.Problem(this, problem!);
        else if (kind != MediaKind)
            context.Problem(this, $"'{Codec}' is a{(kind == MediaKind.Audio ? "n audio" : " " + kind.ToString()!.ToLowerInvariant())} encoder, but it was given {(MediaKind == MediaKind.Audio ? "an audio" : "a video")} stream");
        if (MediaKind == MediaKind.Video && Options.FrameRate is { IsValid: false } rate)
            context.Problem(this, $"the output frame rate {rate} is not a positive rate (give one such as 25 or 30000/1001)");
        if (MediaKind == MediaKind.Video && Options.PixelFormat is { } pf && NativeMethods.mg_pix_fmt_from_name(pf) < 0)
            context.Problem(this, $"unknown pixel format '{pf}' (run `ffmpeg -pix_fmts` for the list)");
    }

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    /// <summary>The input node this encoder's frames were decoded from through one-input nodes (the ffmpeg CLI's
    /// input stream of a simple filter graph), and whether they come straight from its decoder (no filters: then the
    /// CLI times each frame by its own duration).</summary>
    internal (DecodeNode? Decoder, bool Direct) Upstream()
    {
        var port = Inputs[0].Source;
        var direct = true;
        for (var hops = 0; port is not null && hops < 10_000; hops++)
        {
            if (port.Node is DecodeNode decoder) return (decoder, direct);
            if (port.Node.Inputs.Count != 1) break;
            direct = false;
            port = port.Node.Inputs[0].Source;
        }
        return (null, false);
    }

    /// <summary>Codec private options: preset and crf become options only where the codec has them.</summary>
    internal string? CodecOptionString()
    {
        var options = new Dictionary<string, string>();
        var extra = MediaKind == MediaKind.Video ? Options.VideoCodecOptions : Options.AudioCodecOptions;
        if (MediaKind == MediaKind.Video)
        {
            if (Options.Preset is { } p) options["preset"] = p;
            if (Options.Crf is { } c) options["crf"] = c.ToString();
        }
        if (extra is not null) foreach (var kv in extra) options[kv.Key] = kv.Value;
        return OptionString.Of(options);
    }

    private sealed class Instance(EncodeNode node) : NodeInstance
    {
        private Encoder? _encoder;
        private Rational _inputTimeBase;   // what frames are rescaled to before encoding (1/frame rate for video, like ffmpeg)
        private StreamParameters? _parameters; // of the packets it makes, from the encoder once open
        private long _packetDuration;      // video: one frame in the encoder's time base, for packets the codec leaves without one
        private MetadataByPts? _metadata;  // frames' metadata waiting for their packets; made at the first frame that has any
        private VideoSync? _sync;          // video: which frames are encoded how often, at which pts (the CLI's -vsync)
        private VideoFrame? _previous;     // video: the last frame, repeated into a gap with a constant frame rate
        private bool _fromInput;           // video: frames decoded from an input (through one-input nodes or none)
        private bool _direct;              // video: frames straight from a decoder, timed by their own duration

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            if (item is VideoFrame video)
            {
                await ProcessVideoAsync(context, video, cancellationToken).ConfigureAwait(false);
                return;
            }
            using var frame = (FrameBase)item;
            _encoder ??= Open(context, frame);
            var (pts, duration) = SendTiming(frame);
            // Once any frame had metadata, frames without any are remembered too: their packets must not borrow it.
            if (frame.MetadataSnapshot is not null || _metadata is not null)
            {
                var timeBase = _encoder.TimeBase;
                (_metadata ??= new MetadataByPts()).Remember(Rational.Rescale(pts, _inputTimeBase, timeBase),
                    Rational.Rescale(duration, _inputTimeBase, timeBase), timeBase, frame.MetadataSnapshot);
            }
            await SendAsync(context, frame.Native, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Encodes a video frame as many times as the frame-rate policy says (none when it is dropped,
        /// the previous frame first when a gap is filled) and keeps it as the previous frame.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask ProcessVideoAsync(NodeContext context, VideoFrame frame, CancellationToken cancellationToken)
        {
            try
            {
                _encoder ??= Open(context, frame);
                var sync = _sync!;
                var ticks = frame.Pts == Timestamp.None ? sync.NextSlot : VideoSync.ToOutputTicks(frame.Pts, frame.TimeBase, _inputTimeBase);
                var (repeats, count) = sync.Decide(ticks, FrameDuration(frame));
                for (var i = 0; i < count; i++)
                    await EncodeVideoAsync(context, i < repeats && _previous is not null ? _previous : frame, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                frame.Dispose();
                throw;
            }
            _previous?.Dispose();
            _previous = frame;
        }

        /// <summary>How long <paramref name="frame"/> lasts in output frames, as the CLI reckons it: one frame of its
        /// rate, at most one output frame when it was decoded from an input, or its own duration when it comes
        /// straight from the decoder and that rounds to at least one output frame.</summary>
        private double FrameDuration(VideoFrame frame)
        {
            var duration = frame.FrameRate.IsValid
                ? (double)frame.FrameRate.Den * _inputTimeBase.Den / ((double)frame.FrameRate.Num * _inputTimeBase.Num) : 0;
            if (_fromInput) duration = Math.Min(duration, 1);
            if (_direct && frame.Duration > 0 && frame.TimeBase.IsValid)
            {
                var own = Math.Round((float)(frame.Duration * frame.TimeBase.ToDouble() / _inputTimeBase.ToDouble()), MidpointRounding.ToEven);
                if (own > 0) return own;
            }
            return duration;
        }

        /// <summary>Encodes <paramref name="frame"/> once at the policy's next output timestamp.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask EncodeVideoAsync(NodeContext context, VideoFrame frame, CancellationToken cancellationToken)
        {
            var pts = _sync!.TakePts();
            if (frame.MetadataSnapshot is not null || _metadata is not null)
            {
                var timeBase = _encoder!.TimeBase;
                (_metadata ??= new MetadataByPts()).Remember(Rational.Rescale(pts, _inputTimeBase, timeBase),
                    Rational.Rescale(1, _inputTimeBase, timeBase), timeBase, frame.MetadataSnapshot);
            }
            // NVENC hand-off: FFmpeg's NVENC reads its input on the device's shared stream (nvEncSetIOCudaStreams with
            // AVCUDADeviceContext.stream), so that stream waits on the GPU for the frame's producer, and the frame
            // gets a reader fence there (FFmpeg also holds the frame itself until its packet is out).
            var nvenc = frame.Device is { Cuda: not null } device ? context.FfmpegStreamOn(device) : null;
            nvenc?.Reads(frame);
            try
            {
                // The frame's own timing is left alone: it may be shared with another encoder timing it differently.
                while (_encoder!.SendAt(frame.Native, pts, 1) == NativeMethods.Again)
                    await DrainAsync(context, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                nvenc?.Done();
            }
            await DrainAsync(context, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sends a frame (0 = flush), receiving packets first whenever the encoder is full.</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask SendAsync(NodeContext context, nint frame, CancellationToken cancellationToken)
        {
            while (_encoder!.Send(frame) == NativeMethods.Again)
                await DrainAsync(context, cancellationToken).ConfigureAwait(false);
            await DrainAsync(context, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Writes an audio frame's timing in the encoder's input time base to the native frame and returns it.</summary>
        private (long Pts, long Duration) SendTiming(FrameBase frame)
        {
            var pts = Rational.Rescale(frame.Pts, frame.TimeBase, _inputTimeBase);
            var duration = Rational.Rescale(frame.Duration, frame.TimeBase, _inputTimeBase);
            NativeMethods.mg_frame_set_timing(frame.Native, pts, duration);
            return (pts, duration);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_encoder is null) return;
            if (_sync is { } sync)
            {
                // As the CLI at the end: the last frame repeated the median of the last three repeat counts.
                var repeats = sync.Finish();
                for (var i = 0; i < repeats && _previous is not null; i++)
                    await EncodeVideoAsync(context, _previous, cancellationToken).ConfigureAwait(false);
                _previous?.Dispose();
                _previous = null;
                if (sync.Duplicated > 0 || sync.Dropped > 0)
                    context.Logger.LogInformation("{Node}: {Method} frame rate: {Duplicated} frames duplicated, {Dropped} dropped", context.NodeName,
                        sync.Method, sync.Duplicated, sync.Dropped);
            }
            await SendAsync(context, 0, cancellationToken).ConfigureAwait(false);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask DrainAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var encoder = _encoder!;
            while (true)
            {
                // A hard stop (the grace period after a cancel or fault ran out) must not wait for the encoder to
                // work off its lookahead: a slow preset holds dozens of frames, each costing real encoding time.
                cancellationToken.ThrowIfCancellationRequested();
                var packet = context.RentPacket();
                var status = encoder.Receive(packet.Native, out var info);
                if (status != NativeMethods.Ok)
                {
                    packet.Dispose();
                    return;
                }
                if (info.Duration <= 0 && _packetDuration > 0)
                {
                    info.Duration = _packetDuration;
                    NativeMethods.mg_packet_set_timing(packet.Native, info.Pts, info.Dts, info.Duration);
                }
                packet.SetFrom(in info, _parameters!, encoder.TimeBase);
                _metadata?.AttachTo(packet, info.Dts);
                await context.EmitAsync(0, packet, cancellationToken).ConfigureAwait(false);
            }
        }

        private unsafe Encoder Open(NodeContext context, FrameBase first)
        {
            var options = node.Options;
            var format = Codecs.GuessOutputFormat(node.OutputPath, options.Format, out _);
            var codec = Marshal.StringToCoTaskMemUTF8(node.RunCodec);
            var codecOptions = Marshal.StringToCoTaskMemUTF8(node.CodecOptionString() ?? "");
            try
            {
                var config = new EncoderConfig
                {
                    Codec = (byte*)codec,
                    Options = (byte*)codecOptions,
                    PixFmt = -1,
                    SampleFmt = -1,
                    MaxBFrames = options.MaxBFrames ?? -1,
                    Gop = options.Gop,
                    Threads = options.Threads,
                    GlobalHeader = format is not null && Codecs.NeedsGlobalHeader(format) ? 1 : 0,
                };
                _inputTimeBase = first.TimeBase;
                if (first is VideoFrame v)
                {
                    config.Width = v.Width;
                    config.Height = v.Height;
                    config.InputPixFmt = v.Format.Id;
                    if (options.PixelFormat is { } pf) config.PixFmt = PixelFormat.FromName(pf).Id;
                    config.SarNum = v.SampleAspectRatio.Num;
                    config.SarDen = v.SampleAspectRatio.Den;
                    // As the CLI: -r, else the frames' rate, else (frames from an app) their duration's, else 25.
                    var own = v.FrameRate.IsValid ? v.FrameRate : v.Duration > 0 ? new Rational(v.TimeBase.Den, (int)(v.TimeBase.Num * v.Duration)) : new Rational(25, 1);
                    var rate = options.FrameRate is { IsValid: true } r ? r : own;
                    // As the CLI: an encoder that lists its rates gets the nearest; MPEG-4 a 16-bit one (a damaged
                    // input's 1000000/33 would otherwise be refused by the encoder).
                    rate = Codecs.EncoderFrameRate(node.Codec, rate);
                    config.FrNum = rate.Num;
                    config.FrDen = rate.Den;
                    _inputTimeBase = rate.Invert(); // like ffmpeg: the encoder counts in frames of the output rate
                    config.BitRate = options.VideoBitrate;
                    config.ColorFrame = v.Native;
                    // NVENC from device frames: CUDA frames of the input's format on the shared device, no host copy.
                    if (v.Device?.Cuda is { } cuda)
                    {
                        if (v.Format.Name != "nv12")
                            throw new MediaGraphException(context.NodeName, $"{node.RunCodec} takes device frames in nv12 (NVENC reads the chroma right after the luma); got {v.Format}: add .ConvertTo(\"nv12\") before it");
                        config.Cuda = cuda.Ptr;
                    }
                    // As the CLI: interlaced frames give tb/bt (mjpeg: tt/bb), others progressive.
                    var mjpeg = node.Codec == "mjpeg";
                    config.FieldOrder = !v.IsInterlaced ? 1 : v.TopFieldFirst ? (mjpeg ? 2 : 4) : (mjpeg ? 3 : 5);
                    var (decoder, direct) = node.Upstream();
                    var demux = decoder?.Inputs[0].Source?.Node as DemuxNode;
                    _direct = direct;
                    _fromInput = decoder is not null;
                    _sync = new VideoSync(VideoSync.Resolve(options.FrameRateMode, OutputDefaults.TimingOf(node.OutputPath, options.Format, out _),
                        onlyStreamOfInput: demux is { StreamCount: 1 }, keptTimestamps: demux?.Options.KeepTimestamps == true));
                }
                else if (first is AudioFrame a)
                {
                    // Sample rate (unless set), channels and sample format are left to the encoder: the input's where
                    // it takes them, else what the ffmpeg CLI's negotiation gives (44.1 kHz into libopus: 48 kHz; 5.1
                    // into libmp3lame: stereo).
                    config.SampleRate = options.SampleRate;
                    config.InputSampleFmt = a.Format.Id;
                    config.InputSampleRate = a.SampleRate;
                    config.InputChannels = a.Channels;
                    config.InputChannelMask = a.ChannelMask;
                    config.BitRate = options.AudioBitrate;
                }
                config.TbNum = _inputTimeBase.Num;
                config.TbDen = _inputTimeBase.Den;
                Encoder encoder;
                try { encoder = new Encoder(in config, node.Codec, context.NodeName); }
                catch (MediaGraphException e) when (first is VideoFrame { } odd && (odd.Width % 2 == 1 || odd.Height % 2 == 1)
                                                    && OpensAtEvenSize(config, context.NodeName))
                {
                    throw new MediaGraphException(context.NodeName,
                        $"{e.Cause}. The {odd.Width}x{odd.Height} frames have an odd size, which 4:2:0 encoders refuse: scale to an even size first, e.g. Scale({odd.Width + odd.Width % 2}, -2) or --scale {odd.Width + odd.Width % 2}x-2",
                        e.ErrorCode, e.Position, e);
                }
                if (first is VideoFrame)
                    _packetDuration = Rational.Rescale(1, _inputTimeBase, encoder.TimeBase);
                _parameters = new StreamParameters(encoder.CodecParameters, StreamDescription.From(encoder.Info));
                context.DisposeAtEndOfRun(_parameters);
                context.Logger.LogInformation("{Node}: encoding with {Encoder} to {Stream} ({Threads} threads)", context.NodeName, node.RunCodec,
                    _parameters.Description, node.Options.Threads == 0 ? "automatic" : node.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (_sync is { } sync)
                    context.Logger.LogInformation("{Node}: {Method} frame rate at {Rate} fps", context.NodeName, sync.Method, _inputTimeBase.Invert());
                return encoder;
            }
            finally
            {
                Marshal.FreeCoTaskMem(codec);
                Marshal.FreeCoTaskMem(codecOptions);
            }
        }

        /// <summary>True when the encoder that refused <paramref name="config"/> opens with the size rounded up to
        /// even: then the odd size was the reason, and the message may say so (a refusal for another cause, such as
        /// a colour range, keeps FFmpeg's own reason alone).</summary>
        private static bool OpensAtEvenSize(EncoderConfig config, string node)
        {
            var even = config;
            even.Width += even.Width % 2;
            even.Height += even.Height % 2;
            try
            {
                using var probe = new Encoder(in even, node, node);
                probe.CodecParameters.Dispose();
                return true;
            }
            catch (MediaGraphException)
            {
                return false;
            }
        }

        public override ValueTask DisposeAsync()
        {
            _previous?.Dispose();
            _previous = null;
            _encoder?.Dispose();
            return default;
        }
    }
}

/// <summary>The encoder an <see cref="EncodeNode"/> runs and where it came from.</summary>
/// <param name="Encoder">The encoder's name; "" when there is none (see <paramref name="Problem"/>).</param>
/// <param name="FromOutput">Chosen by the output format's default rather than named by the options.</param>
/// <param name="Problem">Why there is no encoder, for validation; null when the muxer reports it.</param>
internal readonly record struct EncoderChoice(string Encoder, bool FromOutput, string? Problem);
