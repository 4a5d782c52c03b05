using MediaGraph.Interop;

namespace MediaGraph;

/// <summary>
/// Runs any libavfilter graph description (BMF's ff_filter): one input per open input pad and one output per open
/// output pad, in order of appearance — "hflip", "[0][1]overlay=10:10", "concat=n=2:v=1:a=1", "amix=inputs=2",
/// "split[a][b]". The description is parsed when the node is made, so a typo fails at once with FFmpeg's message.
/// With one input and one output it runs as a transform (<see cref="TransformNode"/>'s behaviour: metadata carried
/// by pts, re-negotiation on a format change); with several it reads the inputs libavfilter asks for first. Emits
/// whatever the filters emit, in each output's time base; drains every filter at end of input.
/// <para>FFmpeg's CUDA filters (<c>scale_cuda</c>, <c>yadif_cuda</c>, <c>overlay_cuda</c>, <c>bwdif_cuda</c> ...): a
/// graph that names one takes device frames (the "device" option: auto; cuda forces it, cpu refuses it). The run
/// places it on the device like the kernel nodes (uploads inserted before it, downloads after it where a CPU node
/// follows); its buffer sources get a <c>hw_frames_ctx</c> over the run's one CUDA device context (the primary
/// context ILGPU and NVDEC share), our device frames enter as <c>AV_PIX_FMT_CUDA</c> frames without a copy, and its
/// CUDA outputs are adopted back as device frames without a copy, as NVDEC's are. Such a graph needs a CUDA GPU: on
/// the CPU, and on cuda-sim (which has no CUDA context), validation fails naming the node and the filter.</para>
/// </summary>
public class FilterNode : Node
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "filter",
        Doc = "Runs a libavfilter graph; its open input and output pads are the node's inputs and outputs, in order.",
        Parameters =
        [
            Parameter.String("graph", "The libavfilter graph description (\"hflip\", \"[0][1]overlay=10:10\").", required: true),
            Parameter.Int("threads", "Filter slice threads (0 = automatic: one per core, as the ffmpeg CLI's -filter_threads).", @default: FilterThreads.Automatic, min: 0),
            Parameter.Choice("device", "Where the graph's video frames live: auto gives it device frames when it names a CUDA filter (scale_cuda, yadif_cuda, overlay_cuda ...), cuda always, cpu never.", "auto", "auto", "cpu", "cuda"),
        ],
        Create = v => new FilterNode(v),
    };

    /// <summary>A filter node running <paramref name="description"/> on <paramref name="threads"/> threads (0 =
    /// automatic), its frames where <paramref name="device"/> says (auto, cpu, cuda: see the class). Throws a
    /// <see cref="MediaGraphException"/> with FFmpeg's message when it does not parse.</summary>
    public FilterNode(string description, int threads = FilterThreads.Automatic, string device = "auto")
        : this(new ParameterValues { ["graph"] = description, ["threads"] = threads, ["device"] = device })
    {
    }

    private protected FilterNode(ParameterValues values) : base(Descriptor, values)
    {
        using var probe = new FilterGraph(Description, Threads, null);
        for (var i = 0; i < probe.InputCount; i++) AddInput(probe.InputKind(i), $"in{i}");
        for (var o = 0; o < probe.OutputCount; o++) AddOutput(probe.OutputKind(o), $"out{o}");
        CudaFilters = probe.FilterNames().Where(IsCudaFilter).Distinct().ToArray();
    }

    /// <summary>FFmpeg's CUDA filters this graph names (they take and make CUDA frames), in order.</summary>
    public IReadOnlyList<string> CudaFilters { get; }

    /// <summary>True when the graph's video inputs are device frames: it names a CUDA filter (or its "device" option
    /// is cuda), and the option is not cpu.</summary>
    public bool TakesDeviceFrames => Values.Get<string?>("device") switch { "cuda" => true, "cpu" => false, _ => CudaFilters.Count > 0 };

    /// <summary>FFmpeg's filters that run on CUDA frames: the <c>_cuda</c> and <c>_npp</c> families (hwupload_cuda
    /// takes host frames: the run's uploads do its job).</summary>
    internal static bool IsCudaFilter(string name)
        => (name.EndsWith("_cuda", StringComparison.Ordinal) && name != "hwupload_cuda") || name.EndsWith("_npp", StringComparison.Ordinal);

    internal override bool RunsOnDevice => TakesDeviceFrames;

    /// <inheritdoc />
    protected internal override void Validate(ValidationContext context)
    {
        var first = CudaFilters.FirstOrDefault();
        if (first is not null && Values.Get<string?>("device") == "cpu")
            context.Problem(this, $"'{first}' is FFmpeg's CUDA filter: it takes device frames, and the node's \"device\" option is cpu; drop the option, or use the CPU filter ('{CpuTwin(first)}')");
        else if (TakesDeviceFrames && NoCudaReason(context.Device) is { } why)
            context.Problem(this, NeedsGpu(why));
    }

    /// <summary>Why a run on <paramref name="device"/> has no CUDA context for the graph's filters; null when it may.</summary>
    private static string? NoCudaReason(Device? device) => device?.Kind switch
    {
        DeviceKind.Cpu => "this graph runs on the CPU (its device is cpu)",
        DeviceKind.CudaSim => "this graph's device is cuda-sim, ILGPU's CPU simulator, which has no CUDA context for FFmpeg",
        DeviceKind.Auto when !ComputeDevice.CudaPresent => "this machine has no CUDA GPU (the device auto falls back to the CPU)",
        _ => null,
    };

    private string NeedsGpu(string why)
    {
        var filter = CudaFilters.FirstOrDefault();
        return filter is null
            ? $"the graph takes device frames (\"device\": cuda), which needs a CUDA GPU: {why}"
            : $"'{filter}' is FFmpeg's CUDA filter and needs a CUDA GPU: {why}; run with --device cuda on a machine with an NVIDIA GPU, or use the CPU filter ('{CpuTwin(filter)}')";
    }

    private static string CpuTwin(string filter) => filter[..filter.LastIndexOf('_')];

    /// <summary>The run's CUDA device for the graph, or a clear failure naming the node and the filter.</summary>
    internal ComputeDevice CudaDevice(ComputeDevice? device, string node)
    {
        if (device is { Cuda: not null }) return device;
        var why = device is null ? "this run has no device (it runs on the CPU)" : NoCudaReason(device.Device) ?? $"{device} has no CUDA context";
        throw new MediaGraphException(node, NeedsGpu(why));
    }

    /// <summary>The libavfilter graph description.</summary>
    public string Description => Values.Get<string>("graph");
    /// <summary>libavfilter slice threads (0 = automatic, the default: one per core, as the ffmpeg CLI's
    /// -filter_threads; 1 keeps the filter on the node's own thread, for many small graphs sharing few cores).</summary>
    public int Threads => Values.Get<int>("threads");

    protected internal override NodeInstance CreateInstance() => Inputs.Count == 1 && Outputs.Count == 1
        ? new TransformInstance(this, CreateTransform)
        : new FilterGraphInstance(this);

    private FrameTransform? CreateTransform(FrameLocation location, FrameBase first)
    {
        if (!TakesDeviceFrames || first is not VideoFrame video) return FilterTransform.OnHost(Description, Threads, Name, location, first);
        var device = CudaDevice(video.Device, Name);
        return new FilterTransform(Description, Threads, Name, first, device);
    }
}
