using ILGPU.Runtime;
using MediaGraph.Kernels;

namespace MediaGraph;

/// <summary>One call of a user's kernel: the input frames (one per input, taken in step), the output frame to fill,
/// and, on a device, the device, its stream and a cache for loaded kernels.</summary>
public sealed class KernelCall
{
    private readonly string _key;

    private readonly DeviceStream? _stream;

    internal KernelCall(string key, IReadOnlyList<VideoFrame> inputs, VideoFrame output, ComputeDevice? device, DeviceStream? stream = null)
    {
        _key = key;
        Inputs = inputs;
        Output = output;
        Device = device;
        _stream = stream;
    }

    /// <summary>The input frames, one per input of the node, in input order.</summary>
    public IReadOnlyList<VideoFrame> Inputs { get; }

    /// <summary>The first (or only) input.</summary>
    public VideoFrame Input => Inputs[0];

    /// <summary>The frame to write: of <see cref="KernelOptions.OutputFormat"/> (the input's format and size by
    /// default), already holding the first input's pixels when <see cref="KernelOptions.CopyInput"/>.</summary>
    public VideoFrame Output { get; }

    /// <summary>The device (null when the call runs on the CPU).</summary>
    public ComputeDevice? Device { get; }

    /// <summary>The node's own stream, to launch on. Before the call it already waits (on the GPU) for the inputs'
    /// producers and the output buffer's earlier readers; after it, the node records the output's ready fence there.
    /// The host does not wait: launch everything on this stream, never on another.</summary>
    public AcceleratorStream Stream => _stream?.Stream ?? Device?.Stream ?? throw new InvalidOperationException("a CPU call has no stream");

    /// <summary>The kernel <paramref name="load"/> makes (e.g. <c>acc =&gt; acc.LoadAutoGroupedKernel&lt;…&gt;(MyKernel)</c>),
    /// loaded once per device and kept, so a frame never compiles anything.</summary>
    public T Load<T>(Func<Accelerator, T> load) where T : class
        => (Device ?? throw new InvalidOperationException("a CPU call loads no kernels")).GetOrLoad((_key, typeof(T)), load);
}

/// <summary>A user's operator: what runs on a device (an ILGPU kernel launch) and what runs on the CPU (a C#
/// delegate), and the output's format. Either may be absent; the node then runs only where the other one can.</summary>
public sealed class KernelOptions
{
    /// <summary>The node's kind, shown in metrics, messages and ToDot ("privacy-blur").</summary>
    public required string Name { get; init; }

    /// <summary>Runs on device frames: launch kernels on <see cref="KernelCall.Stream"/> over the views of
    /// <see cref="VideoFrame.GetDevicePlane{T}"/>.</summary>
    public Action<KernelCall>? OnDevice { get; init; }

    /// <summary>Runs on host frames: read <see cref="VideoFrame.GetPlaneSpan"/> of the inputs, write the output's.</summary>
    public Action<KernelCall>? OnCpu { get; init; }

    /// <summary>The output's pixel format and size for given first input; null keeps the input's.</summary>
    public Func<VideoFrame, (PixelFormat Format, int Width, int Height)>? OutputFormat { get; init; }

    /// <summary>Start the output as a copy of the first input (for operators that change a part of the picture).
    /// Needs the output's format and size to be the input's. Default true.</summary>
    public bool CopyInput { get; init; } = true;
}

/// <summary>
/// A user's kernel as a node: one or more video inputs (taken in step: the n-th frame of each input makes the n-th
/// output), one video output. The node owns the plumbing: it runs <see cref="KernelOptions.OnDevice"/> when the
/// frames live on a device (the graph places it there and inserts uploads and downloads like for the built-in
/// kernels) and <see cref="KernelOptions.OnCpu"/> on host frames; it rents the output from the device's buffer pool
/// (or allocates it on the host), copies the first input into it when asked, orders its own stream after the inputs'
/// producers with GPU-side waits and gives the output the stream's fence (no host wait), carries the first
/// input's timing and metadata, counts metrics and releases the inputs. Inputs left over when one input ends are
/// released. Fails naming the node when the frames live where it has no implementation, or the inputs live in
/// different places.
/// </summary>
public sealed class KernelNode : Node
{
    private readonly string _kind;

    /// <summary>A node running <paramref name="options"/> over <paramref name="inputs"/> video inputs.</summary>
    public KernelNode(KernelOptions options, int inputs = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        if (options.OnDevice is null && options.OnCpu is null) throw new ArgumentException($"{options.Name}: give OnDevice, OnCpu or both");
        Options = options;
        _kind = options.Name;
        for (var i = 0; i < inputs; i++) AddInput(MediaKind.Video, inputs == 1 ? "in" : $"in{i}");
        AddOutput(MediaKind.Video, "out");
    }

    public KernelOptions Options { get; }

    public override string Kind => _kind;

    internal override bool RunsOnDevice => Options.OnDevice is not null;

    public override IReadOnlyDictionary<string, string> DescribeOptions() => new Dictionary<string, string>
    {
        ["runs on"] = (Options.OnDevice, Options.OnCpu) switch { (not null, not null) => "device or cpu", (not null, _) => "device", _ => "cpu" },
    };

    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(KernelNode node) : NodeInstance
    {
        private readonly Queue<VideoFrame>[] _queues = node.Inputs.Select(_ => new Queue<VideoFrame>()).ToArray();
        private byte[] _staging = [];

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            _queues[input].Enqueue((VideoFrame)item);
            while (_queues.All(q => q.Count > 0))
            {
                var frames = _queues.Select(q => q.Dequeue()).ToArray();
                VideoFrame output;
                try
                {
                    output = Run(context, frames);
                }
                finally
                {
                    foreach (var f in frames) f.Dispose();
                }
                await context.EmitAsync(0, output, cancellationToken).ConfigureAwait(false);
            }
        }

        private VideoFrame Run(NodeContext context, VideoFrame[] inputs)
        {
            var first = inputs[0];
            var device = first.Device;
            if (inputs.Any(f => f.Device != device || f.Location != first.Location))
                throw new MediaGraphException(context.NodeName, $"{node.Kind}: its inputs live in different places ({string.Join(", ", inputs.Select(f => f.Device?.ToString() ?? f.Location.ToString()))}); upload or download one of them");
            var body = device is not null ? node.Options.OnDevice : first.Location == FrameLocation.Host ? node.Options.OnCpu : null;
            if (body is null)
                throw new MediaGraphException(context.NodeName, $"{node.Kind} has no implementation for frames in {(device is null ? "host" : device.ToString())} memory" +
                    (device is null ? ": give it OnCpu, or run the graph on a device" : ": give it OnDevice, or set the graph's device to cpu"));
            var (format, width, height) = node.Options.OutputFormat?.Invoke(first) ?? (first.Format, first.Width, first.Height);
            if (node.Options.CopyInput && (format != first.Format || width != first.Width || height != first.Height))
                throw new MediaGraphException(context.NodeName, $"{node.Kind}: CopyInput needs the output to be the input's format and size, not {width}x{height} {format}");
            var output = context.RentVideoFrame();
            var stream = device is not null ? context.StreamOn(device) : null;
            try
            {
                if (device is not null)
                {
                    device.Frames.Fill(output, format, width, height, first);
                    if (node.Options.CopyInput) DeviceOps.Remap(first, output, (_, _, _) => RemapParams.Crop(0, 0), stream: stream);
                }
                else
                {
                    DeviceCopy.AllocateHostLike(output, first);
                    if (node.Options.CopyInput)
                        for (var i = 0; i < 4 && first.GetPlane(i).Data != 0; i++)
                        {
                            var p = first.GetPlane(i);
                            var q = output.GetPlane(i);
                            var src = first.GetPlaneSpan(i);
                            var dst = output.GetPlaneSpan(i);
                            for (var row = 0; row < p.Rows; row++) src.Slice(row * p.Pitch, p.RowBytes).CopyTo(dst.Slice(row * q.Pitch));
                        }
                }
                output.FrameRate = first.FrameRate;
                output.Pts = first.Pts;
                output.Duration = first.Duration;
                output.TimeBase = first.TimeBase;
                if (first.MetadataSnapshot is { } values) output.Metadata.Attach(values);
                if (stream is null)
                {
                    body(new KernelCall(node.Kind, inputs, output, null));
                    return output;
                }
                foreach (var input in inputs) stream.Reads(input);
                stream.Writes(output);
                try
                {
                    body(new KernelCall(node.Kind, inputs, output, device, stream));
                }
                finally
                {
                    stream.Done();
                }
                return output;
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }

        protected internal override ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            Release();
            return default;
        }

        public override ValueTask DisposeAsync()
        {
            Release();
            return default;
        }

        private void Release()
        {
            foreach (var q in _queues)
                while (q.TryDequeue(out var f)) f.Dispose();
        }
    }
}
