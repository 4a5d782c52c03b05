using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Decodes the packets of one stream into frames (video or audio). Opens the decoder from the first packet's
/// stream parameters. Emits frames in presentation order with best-effort timestamps in the stream's time base;
/// at end of input drains the decoder so no reordered frame is lost. As the ffmpeg CLI, a decode error (whatever its
/// code, on the packet or the frame side) costs the damaged packet or frame, counted as a warning with the stream and
/// position, never the run; so does a decoded audio frame without a sample rate or channels. With
/// <see cref="GraphOptions.FailOnDamage"/> the first damage fails the node instead. A frame
/// carries the metadata of the packet with its pts (or the latest packet before it). Rotated video (phone clips) is
/// turned upright, metadata included, unless <see cref="DecodeOptions.AutoRotate"/> is off.
/// Its per-frame async methods use pooled builders, so waiting on a full edge allocates nothing.
/// </summary>
public sealed class DecodeNode : Node
{
    internal DecodeNode(OutputPort packets, MediaKind kind, DecodeOptions options)
    {
        MediaKind = kind;
        Options = options;
        var input = AddInput(MediaKind.Packets, "packets");
        input.Source = packets;
        packets.Consumers.Add(input);
        AddOutput(kind, kind == MediaKind.Video ? "video" : "audio").Policy = options.EdgePolicy;
    }

    public MediaKind MediaKind { get; }
    public DecodeOptions Options { get; }
    public override string Kind => MediaKind == MediaKind.Video ? "decode-video" : "decode-audio";
    public override NodeRoles Roles => MediaKind == MediaKind.Video ? NodeRoles.DecodesVideo : NodeRoles.None;
    internal override bool IsImplicit => true;

    /// <summary>True when this decodes video and asks for NVDEC (<see cref="DecodeOptions.HwAccel"/>): its frames may
    /// live on the device (NVDEC's) or on the host (software fallback), so the graph places both an upload (for device
    /// consumers) and a download (for host consumers) after it; each passes the other kind through uncounted.</summary>
    internal bool AsksForHardware => MediaKind == MediaKind.Video && Options.HwAccel != HwAccel.None;

    /// <summary>NVDEC output surfaces beyond the decoder's own (FFmpeg's extra_hw_frames): the frames a run holds at
    /// once between this decoder and the nodes that let go of them (set by the run from its edges' capacity).</summary>
    internal int HardwareFramesInFlight { get; set; } = 8;

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string>();
        if (AsksForHardware) d["hwaccel"] = Options.HwAccel.ToString().ToLowerInvariant();
        if (Options.Threads > 0) d["threads"] = Options.Threads.ToString();
        if (MediaKind == MediaKind.Video && Options.VideoDecoder is { } v) d["decoder"] = v;
        return d;
    }

    protected internal override void Validate(ValidationContext context)
    {
        if (MediaKind == MediaKind.Video && Options.VideoDecoder is { } name && Codecs.FindCodec(name, encoder: false, out var problem) is null)
            context.Problem(this, problem!);
    }

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(DecodeNode node) : NodeInstance
    {
        private Decoder? _decoder;
        private StreamParameters? _parameters;
        private Rational _frameRate;
        private NodeInstance? _rotator;
        private readonly MetadataByPts _packetMetadata = new();
        private const int MaxErrorsInARow = 64;

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            using var packet = (Packet)item;
            if (_decoder is not null && !ReferenceEquals(packet.Parameters, _parameters))
            {
                // New codec parameters (a live input reconnected, a broker stream changed form): what the old decoder
                // holds is drained, then a decoder opens for the new parameters (a camera may restart with new SPS/PPS).
                await FinishDecoderAsync(context, cancellationToken).ConfigureAwait(false);
                _decoder.Dispose();
                _decoder = null;
            }
            if (_decoder is null)
            {
                _parameters = packet.Parameters;
                // As the ffmpeg CLI: frames carry the rate it would encode them at (r_frame_rate, mostly), not the average.
                _frameRate = _parameters.Description.GuessedFrameRate.IsValid ? _parameters.Description.GuessedFrameRate : _parameters.Description.FrameRate;
                var codec = node.MediaKind == MediaKind.Video ? node.Options.VideoDecoder : null;
                if (DemuxNode.PictureSizeProblem(_parameters.Description, node.Options) is { } tooLarge)
                    throw new MediaGraphException(context.NodeName, tooLarge, NativeStatus.NotPermitted);
                // FFmpeg's own limit too, for a size that changes mid-stream: the decoder refuses such a frame
                // before allocating it (a damaged-packet warning), instead of allocating what a header claims.
                var limits = node.MediaKind == MediaKind.Video && node.Options.MaxPixels > 0
                    ? $"max_pixels={Math.Min(node.Options.MaxPixels, int.MaxValue)}" : null;
                _decoder = OpenDecoder(context, codec, limits);
                context.Logger.LogInformation("{Node}: decoding {Stream} with {Decoder} ({Threads} threads)", context.NodeName, _parameters.Description,
                    codec ?? _parameters.CodecName, node.Options.Threads == 0 ? "automatic" : node.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (node.MediaKind == MediaKind.Video && node.Options.AutoRotate) _rotator ??= Rotator.For(node, _parameters.Description.Rotation);
            }
            _packetMetadata.Remember(packet);
            if (_hardware) ReclaimSurfaces(context);
            while (true)
            {
                var status = _decoder.Send(packet.Native);
                if (status == NativeMethods.Again)
                {
                    await DrainAsync(context, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (status < 0) HandleDecodeError(context, status, packet);
                break;
            }
            await DrainAsync(context, cancellationToken).ConfigureAwait(false);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_decoder is null) return;
            await FinishDecoderAsync(context, cancellationToken).ConfigureAwait(false);
            if (_rotator is not null) await _rotator.FinishAsync(context, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Sends the end of the stream to the decoder and emits what it still holds (reordered frames).</summary>
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask FinishDecoderAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var status = _decoder!.Send(0);
            if (status < 0) context.Damaged($"flushing the decoder of {StreamName}: {NativeStatus.LastError()}");
            await DrainAsync(context, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>NVDEC surfaces whose last readers have finished on the GPU go back to FFmpeg before it decodes the
        /// next picture. When the decoder's surfaces for the graph (extra_hw_frames) are all held, some only by GPU
        /// work still queued, the host waits for the oldest such (counted in the device's host waits): FFmpeg fails a
        /// decode that finds no free surface.</summary>
        private void ReclaimSurfaces(NodeContext context)
        {
            if (context.Device is not { } device) return;
            device.Timeline.Poll();
            while (ForeignDeviceMemory.Outstanding >= node.HardwareFramesInFlight && device.Timeline.WaitOldest()) { }
        }

        private bool _hardware;        // opened with NVDEC asked for
        private bool _hardwareSaid;    // the one line about where it decodes was logged

        /// <summary>The decoder, with NVDEC on the run's CUDA device when asked for and possible. Without a CUDA device,
        /// <see cref="HwAccel.Auto"/> decodes in software and says so once; <see cref="HwAccel.Cuda"/> fails at once.</summary>
        private Decoder OpenDecoder(NodeContext context, string? codec, string? limits)
        {
            var p = _parameters!;
            if (!node.AsksForHardware)
                return new Decoder(p.Handle, p.CodecName, codec, node.Options.Threads, limits, context.NodeName);
            if (context.Device?.Cuda is not { } cuda)
            {
                var where = context.Device is { } d ? $"the run's device is {d.Device}, not a CUDA GPU" : "the run has no CUDA device (GraphOptions.Device / --device is cpu, or auto found no GPU)";
                if (node.Options.HwAccel == HwAccel.Cuda)
                    throw new MediaGraphException(context.NodeName, $"hwaccel cuda: {where}; use --device cuda on a machine with an NVIDIA GPU, or --hwaccel auto to fall back to software decoding");
                context.Logger.LogInformation("{Node}: hwaccel auto: {Where}, so {Stream} is decoded in software", context.NodeName, where, StreamName);
                _hardwareSaid = true;
                return new Decoder(p.Handle, p.CodecName, codec, node.Options.Threads, limits, context.NodeName);
            }
            _hardware = true;
            // NVDEC does the decoding; CPU threads would only add output surfaces (FFmpeg adds one per frame thread).
            var threads = node.Options.Threads == 0 ? 1 : node.Options.Threads;
            return new Decoder(p.Handle, p.CodecName, codec, threads, limits, context.NodeName, cuda, node.HardwareFramesInFlight);
        }

        /// <summary>Makes an NVDEC frame a device frame of the run (zero copy), and says once where decoding happens.</summary>
        private void PlaceDecoded(NodeContext context, FrameBase frame)
        {
            if (!_hardware || frame is not VideoFrame video) return;
            video.Refresh(_parameters!.TimeBase);
            var onGpu = _decoder!.HardwareState(out var why);
            if (!_hardwareSaid)
            {
                _hardwareSaid = true;
                if (onGpu) context.Logger.LogInformation("{Node}: decoding {Stream} with NVDEC on {Device}", context.NodeName, StreamName, context.Device);
                else context.Logger.LogWarning("{Node}: NVDEC cannot decode {Stream}: {Why}; decoding in software", context.NodeName, StreamName, why);
            }
            if (video.Location == FrameLocation.Cuda && video.Device is null)
                ForeignDeviceMemory.Adopt(context.Device!, video, _parameters!.TimeBase, context.FfmpegStreamOn(context.Device!));
        }

        /// <summary>As the ffmpeg CLI (fftools/ffmpeg.c, process_input_packet): a decoder that fails on a packet, with
        /// whatever code (INVALIDDATA, AC-3's and AAC's own header-parse codes, EINVAL ...), costs that packet, counted
        /// as a warning with its position; the decoder stays usable and the next packet goes on. Strict mode
        /// (<see cref="GraphOptions.FailOnDamage"/>) fails instead.</summary>
        private void HandleDecodeError(NodeContext context, int status, Packet packet)
        {
            var reason = NativeStatus.LastError();
            if (string.IsNullOrEmpty(reason)) reason = NativeStatus.ErrorText(status);
            context.Damaged($"skipped a damaged packet of {StreamName} at {packet.DescribePosition()}: {reason}");
        }

        private string StreamName => _parameters is { } p ? $"stream #{p.Description.Index}" : "the stream";

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask DrainAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var decoder = _decoder!;
            var video = node.MediaKind == MediaKind.Video;
            var errors = 0;
            while (true)
            {
                FrameBase frame = video ? context.RentVideoFrame() : context.RentAudioFrame();
                var status = decoder.Receive(frame.Native);
                if (status != NativeMethods.Ok)
                {
                    frame.Dispose();
                    if (status >= 0) return;
                    // A frame the decoder failed on is lost, not the run (the CLI's decode_audio/decode_video); each
                    // failed receive consumes that frame, so the next one goes on. A decoder failing without end
                    // would be a bug in it: stop asking after many in a row and go on with the next packet.
                    var reason = NativeStatus.LastError();
                    context.Damaged($"lost a frame of {StreamName}: {(string.IsNullOrEmpty(reason) ? NativeStatus.ErrorText(status) : reason)}");
                    if (++errors >= MaxErrorsInARow) return;
                    continue;
                }
                errors = 0;
                try
                {
                    PlaceDecoded(context, frame);
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
                frame.RefreshProduced(_parameters!.TimeBase, _frameRate);
                if (frame is AudioFrame { SampleRate: <= 0 } or AudioFrame { Channels: <= 0 })
                {
                    // As the CLI ("Sample rate %d invalid" is AVERROR_INVALIDDATA there): nothing could play it.
                    var a = (AudioFrame)frame;
                    context.Damaged($"dropped a decoded frame of {StreamName} at {a.DescribePosition()} with {a.SampleRate} Hz and {a.Channels} channels");
                    frame.Dispose();
                    continue;
                }
                _packetMetadata.AttachTo(frame);
                if (frame is VideoFrame { IsDamaged: true } v)
                    context.Damaged($"the decoder concealed damage in the frame of {StreamName} at {v.DescribePosition()}");
                if (_rotator is not null)
                {
                    await _rotator.ProcessAsync(context, 0, frame, cancellationToken).ConfigureAwait(false); // takes the frame
                    continue;
                }
                await context.EmitAsync(0, frame, cancellationToken).ConfigureAwait(false);
            }
        }

        public override async ValueTask DisposeAsync()
        {
            _decoder?.Dispose();
            if (_rotator is not null) await _rotator.DisposeAsync().ConfigureAwait(false);
        }
    }
}
