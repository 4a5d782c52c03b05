using Microsoft.Extensions.Logging;
using System.Runtime.CompilerServices;
using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Decodes the packets of one stream into frames (video or audio). Opens the decoder from the first packet's
/// stream parameters. Emits frames in presentation order with best-effort timestamps in the stream's time base;
/// at end of input drains the decoder so no reordered frame is lost. Damaged packets are skipped and counted as
/// warnings (the frames that can be decoded still come out); any other decoder failure fails the node. A frame
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
        AddOutput(kind, kind == MediaKind.Video ? "video" : "audio");
    }

    public MediaKind MediaKind { get; }
    public DecodeOptions Options { get; }
    public override string Kind => MediaKind == MediaKind.Video ? "decode-video" : "decode-audio";
    public override NodeRoles Roles => MediaKind == MediaKind.Video ? NodeRoles.DecodesVideo : NodeRoles.None;
    internal override bool IsImplicit => true;

    public override IReadOnlyDictionary<string, string> DescribeOptions()
    {
        var d = new Dictionary<string, string>();
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

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            using var packet = (Packet)item;
            if (_decoder is null)
            {
                _parameters = packet.Parameters;
                // As the ffmpeg CLI: frames carry the rate it would encode them at (r_frame_rate, mostly), not the average.
                _frameRate = _parameters.Description.GuessedFrameRate.IsValid ? _parameters.Description.GuessedFrameRate : _parameters.Description.FrameRate;
                var codec = node.MediaKind == MediaKind.Video ? node.Options.VideoDecoder : null;
                _decoder = new Decoder(_parameters.Handle, _parameters.CodecName, codec, node.Options.Threads, null, context.NodeName);
                context.Logger.LogInformation("{Node}: decoding {Stream} with {Decoder} ({Threads} threads)", context.NodeName, _parameters.Description,
                    codec ?? _parameters.CodecName, node.Options.Threads == 0 ? "automatic" : node.Options.Threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
                if (node.MediaKind == MediaKind.Video && node.Options.AutoRotate) _rotator = Rotator.For(node, _parameters.Description.Rotation);
            }
            _packetMetadata.Remember(packet);
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
            var status = _decoder.Send(0);
            if (status < 0 && status != NativeStatus.InvalidData) NativeStatus.ThrowIfFailed(status, "flushing the decoder", context.NodeName);
            await DrainAsync(context, cancellationToken).ConfigureAwait(false);
            if (_rotator is not null) await _rotator.FinishAsync(context, cancellationToken).ConfigureAwait(false);
        }

        private static void HandleDecodeError(NodeContext context, int status, Packet packet)
        {
            // Damage in the input (truncated or corrupted data) is recoverable: skip the packet, count it.
            if (status == NativeStatus.InvalidData || status == -5 /* EIO */ || status == -22 /* EINVAL */ || status == -1 /* EPERM */)
            {
                context.Warn($"skipped a damaged packet at {packet.DescribePosition()}: {NativeStatus.LastError()}");
                return;
            }
            NativeStatus.ThrowIfFailed(status, "decoding", context.NodeName, packet.DescribePosition());
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        private async ValueTask DrainAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var decoder = _decoder!;
            var video = node.MediaKind == MediaKind.Video;
            while (true)
            {
                FrameBase frame = video ? context.RentVideoFrame() : context.RentAudioFrame();
                var status = decoder.Receive(frame.Native);
                if (status != NativeMethods.Ok)
                {
                    frame.Dispose();
                    if (status < 0)
                    {
                        if (status == NativeStatus.InvalidData) { context.Warn($"damaged data: {NativeStatus.LastError()}"); continue; }
                        NativeStatus.ThrowIfFailed(status, "decoding", context.NodeName);
                    }
                    return;
                }
                frame.RefreshProduced(_parameters!.TimeBase, _frameRate);
                _packetMetadata.AttachTo(frame);
                if (frame is VideoFrame { IsDamaged: true } v)
                    context.Warn($"the decoder concealed damage in the frame at {v.DescribePosition()}");
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
