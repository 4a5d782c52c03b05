using System.Runtime.CompilerServices;

namespace MediaGraph;

/// <summary>
/// The base of nodes with one input and one output of frames (GStreamer's BaseTransform): the node's own code is its
/// <see cref="FrameTransform"/>. The base negotiates on the first frame and again when the format changes (size,
/// pixel format, sample format, rate or layout, where the frames live), flushing the old implementation first; picks
/// the implementation by where the frames live (<see cref="CreateTransform"/>), and fails naming the node when there
/// is none for that place; carries each input's metadata to the outputs made from it (by pts); disposes the input
/// after the transform, also when it throws; flushes at the end of the input.
/// Emits what the transform produces, in order, waiting while the output edge is full (backpressure); completes
/// after the flush; fails with the transform's exception, which the run reports under the node's name.
/// </summary>
public abstract class TransformNode : Node
{
    /// <summary>A transform node of a declared kind; the declaration must give one input and one output.</summary>
    protected TransformNode(NodeDescriptor descriptor, ParameterValues values) : base(descriptor, values)
    {
        if (Inputs.Count != 1 || Outputs.Count != 1)
            throw new ArgumentException($"{descriptor.Kind}: a transform node declares one input and one output, not {Inputs.Count} and {Outputs.Count}");
    }

    /// <summary>
    /// The implementation for frames like <paramref name="first"/>, which live in <paramref name="location"/>
    /// memory; null when the node has none there. Called on the first frame and on every format change, never per
    /// frame: look at the format here and keep what the frames need (buffers, kernels, a filter graph).
    /// </summary>
    protected abstract FrameTransform? CreateTransform(FrameLocation location, FrameBase first);

    /// <summary>True for nodes that have an implementation for device frames (an ILGPU kernel): on a graph with a
    /// device (<see cref="GraphOptions.Device"/>) they run there, with uploads and downloads inserted around them.</summary>
    protected internal virtual bool HasDeviceImplementation => false;

    internal override bool RunsOnDevice => HasDeviceImplementation && !PinnedToCpu;

    /// <summary>True when the node's "device" option is cpu: it stays on the host in a graph with a device.</summary>
    internal bool PinnedToCpu => Declaration?.Find("device") is not null && Values.Get<string?>("device") == "cpu";

    /// <summary>The libavfilter description that does the same ("scale=w=1280:h=720"), for nodes that are one
    /// libavfilter filter: a run fuses chains of them into one filter graph. Null for other transforms.</summary>
    internal virtual string? FilterDescription => null;

    protected internal sealed override NodeInstance CreateInstance() => new TransformInstance(this, CreateTransform);
}

/// <summary>
/// The per-format implementation of a <see cref="TransformNode"/> (made fresh for each run and each format): a
/// per-frame <see cref="Transform"/> and an end-of-stream <see cref="Flush"/>. Never re-entered.
/// </summary>
public abstract class FrameTransform : IDisposable
{
    /// <summary>Transforms <paramref name="input"/> and adds what it produces now (zero, one or more frames) to
    /// <paramref name="output"/>. The base keeps ownership of the input and releases it afterwards; adding the input
    /// itself passes it on. Metadata is carried by the base.</summary>
    public abstract void Transform(FrameBase input, TransformOutput output);

    /// <summary>The input ended or its format changed: add the frames still held (a lookahead's last frame).</summary>
    public virtual void Flush(TransformOutput output) { }

    /// <summary>Frees what the implementation holds (a filter graph, device buffers).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}

/// <summary>Where a <see cref="FrameTransform"/> puts the frames it produces, and where it rents new ones.</summary>
public sealed class TransformOutput
{
    private readonly List<FrameBase> _frames = new();
    private NodeContext? _context;
    private FrameBase? _input;

    internal void Begin(NodeContext context, FrameBase? input)
    {
        _context = context;
        _input = input;
    }

    internal List<FrameBase> Frames => _frames;

    /// <summary>A pooled frame shell for a native producer to fill (libavfilter, a decoder).</summary>
    public VideoFrame RentVideoFrame() => _context!.RentVideoFrame();
    /// <inheritdoc cref="RentVideoFrame"/>
    public AudioFrame RentAudioFrame() => _context!.RentAudioFrame();

    /// <summary>The device of the run (null on the CPU): where an upload puts frames.</summary>
    public ComputeDevice? Device => _context!.Device;

    /// <summary>The node's own stream on <paramref name="device"/> (see <see cref="NodeContext.StreamOn"/>): launch
    /// there, after <see cref="DeviceStream.Reads"/> / <see cref="DeviceStream.Writes"/>, and call
    /// <see cref="DeviceStream.Done"/> after.</summary>
    public DeviceStream StreamOn(ComputeDevice device) => _context!.StreamOn(device);

    /// <summary>The node's metrics, e.g. to count bytes moved between host and device.</summary>
    public NodeMetrics Metrics => _context!.Metrics;

    /// <summary>The name of the node, for messages.</summary>
    public string NodeName => _context!.NodeName;

    /// <summary>A device frame of <paramref name="format"/> at <paramref name="width"/>×<paramref name="height"/> on
    /// <paramref name="device"/>, from its buffer pool, with the timing, flags and colour of <paramref name="props"/>
    /// (pixels undefined: a kernel writes them). Add it with <see cref="Add"/>.</summary>
    public VideoFrame RentDeviceFrame(ComputeDevice device, PixelFormat format, int width, int height, VideoFrame? props)
    {
        ArgumentNullException.ThrowIfNull(device);
        var shell = RentVideoFrame();
        try
        {
            device.Frames.Fill(shell, format, width, height, props);
            if (props is not null) shell.FrameRate = props.FrameRate;
            return shell;
        }
        catch
        {
            shell.Dispose();
            throw;
        }
    }

    /// <summary>Adds a produced frame; ownership passes to the node, which emits it.</summary>
    public void Add(FrameBase frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (ReferenceEquals(frame, _input)) frame.AddRef(); // passed on: the base still releases its own reference
        _frames.Add(frame);
    }
}

/// <summary>The running side of a <see cref="TransformNode"/> (and of a one-input, one-output filter graph): see
/// <see cref="TransformNode"/>. Its per-frame methods use pooled builders, so a steady stream allocates nothing.</summary>
internal sealed class TransformInstance(Node node, Func<FrameLocation, FrameBase, FrameTransform?> create) : NodeInstance
{
    private readonly TransformOutput _output = new();
    private readonly MetadataByPts _trail = new();
    private FrameTransform? _transform;
    private FormatKey _format;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
    {
        var frame = (FrameBase)item;
        var format = FormatKey.Of(frame);
        if (_transform is null || format != _format)
        {
            try
            {
                if (_transform is not null) await FlushAsync(context, cancellationToken).ConfigureAwait(false);
                _transform = create(format.Location, frame)
                    ?? throw new MediaGraphException(context.NodeName, $"{node.Kind} has no implementation for frames in {format.Location} memory; " +
                        (format.Location == FrameLocation.Host ? "it runs only on device frames: upload them first" : "it runs on host frames: download them first"));
                _format = format;
            }
            catch
            {
                frame.Dispose();
                throw;
            }
        }
        _trail.Remember(frame);
        _output.Begin(context, frame);
        try
        {
            _transform.Transform(frame, _output);
        }
        catch
        {
            DisposeProduced();
            throw;
        }
        finally
        {
            frame.Dispose();
        }
        await EmitProducedAsync(context, frame, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
    {
        if (_transform is not null) await FlushAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes and disposes the current implementation, emitting what it still held.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FlushAsync(NodeContext context, CancellationToken cancellationToken)
    {
        var transform = _transform!;
        _transform = null;
        try
        {
            _output.Begin(context, null);
            transform.Flush(_output);
        }
        catch
        {
            DisposeProduced();
            throw;
        }
        finally
        {
            transform.Dispose();
        }
        await EmitProducedAsync(context, null, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EmitProducedAsync(NodeContext context, FrameBase? input, CancellationToken cancellationToken)
    {
        var frames = _output.Frames;
        var i = 0;
        try
        {
            for (; i < frames.Count; i++)
            {
                var frame = frames[i];
                if (!ReferenceEquals(frame, input)) _trail.AttachTo(frame); // a frame passed on keeps its own
                await context.EmitAsync(0, frame, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            for (i++; i < frames.Count; i++) frames[i].Dispose(); // only when an emit threw
            frames.Clear();
        }
    }

    private void DisposeProduced()
    {
        foreach (var f in _output.Frames) f.Dispose();
        _output.Frames.Clear();
    }

    public override ValueTask DisposeAsync()
    {
        DisposeProduced();
        _transform?.Dispose();
        _transform = null;
        return default;
    }

    /// <summary>What makes a transform re-negotiate: kind, place, size and pixel format, or sample format, rate and
    /// layout. (The time base is not part of it: frames are rescaled by their own.)</summary>
    private readonly record struct FormatKey(FrameLocation Location, int Width, int Height, int Format, int SampleRate, int Channels, ulong ChannelMask, bool Audio)
    {
        public static FormatKey Of(FrameBase frame) => frame switch
        {
            VideoFrame v => new(v.Location, v.Width, v.Height, v.Format.Id, 0, 0, 0, false),
            AudioFrame a => new(FrameLocation.Host, 0, 0, a.Format.Id, a.SampleRate, a.Channels, a.ChannelMask, true),
            _ => throw new InvalidOperationException($"a transform takes frames, not {frame.GetType().Name}"),
        };
    }
}
