using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>Settings of a graph and its runs.</summary>
public sealed class GraphOptions
{
    private int _capacity = 8;

    /// <summary>Default capacity of every edge (items). Small keeps memory bounded; it must cover what a reader
    /// needs to see before it can emit. Default 8.</summary>
    public int ChannelCapacity
    {
        get => _capacity;
        set { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); _capacity = value; }
    }

    /// <summary>Run a chain of simple filter nodes (Deinterlace → Scale, one input and one output each) as one
    /// libavfilter graph on one thread. Faster on few cores; the chain's metrics appear under one entry named
    /// "deinterlace0+scale0". Default true.</summary>
    public bool FuseFilters { get; set; } = true;

    /// <summary>Where video processing runs (<see cref="MediaGraph.Device"/>): <see cref="Device.Auto"/> (a CUDA GPU when
    /// present, else the CPU, said in one log line), <see cref="Device.Cpu"/>, <see cref="Device.Cuda"/>(index), or
    /// <see cref="Device.CudaSim"/> (the CUDA code on ILGPU's CPU simulator: slow, for checking). Nodes that have a
    /// device implementation (scale, deinterlace, crop, flip, rotate, blur, gamma, colour conversion, your own kernels)
    /// run there, and the graph inserts an upload and a download where host nodes meet them; a node's own "device"
    /// option (cpu) keeps it on the host. Default <see cref="Device.Cpu"/>: the GPU path is asked for, not assumed.</summary>
    public Device Device { get; set; } = Device.Cpu;

    /// <summary>Where the runtime and nodes log (warnings such as skipped damaged packets, faults).</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Receives <see cref="GraphProgress"/> every <see cref="ProgressInterval"/> and at the end.</summary>
    public IProgress<GraphProgress>? Progress { get; set; }

    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After cancellation, how long nodes may flush and finalise before they are stopped hard.</summary>
    public TimeSpan CancelGracePeriod { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>After a fault, how long the rest of the graph may drain and finalise before it is stopped hard.</summary>
    public TimeSpan FaultGracePeriod { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Bytes of frames and packets that may wait on the graph's edges at once (see <see cref="GraphMetrics.PeakBytesInFlight"/>).
    /// Over it, an edge that already holds an item counts as full, so large frames (8K video) queue one per edge
    /// instead of <see cref="ChannelCapacity"/>; an empty edge always takes one, so the graph never stalls on it.
    /// Default 512 MiB: ordinary video (1080p: 3 MB a frame) never reaches it. 0 = accounting only.</summary>
    public long MemoryBudget
    {
        get => _memoryBudget;
        set { ArgumentOutOfRangeException.ThrowIfNegative(value); _memoryBudget = value; }
    }
    private long _memoryBudget = 512L << 20;

    /// <summary>Strict mode, the ffmpeg CLI's <c>-xerror</c>: the first damaged packet or frame (a decode error, a
    /// frame the decoder had to conceal errors in) fails the run, naming the node and the position. Default false:
    /// as the CLI by default, damage costs the damaged packet or frame, counted as a warning, never the run.</summary>
    public bool FailOnDamage { get; set; }

    /// <summary>Give the native heap's free memory back to the system (glibc's <c>malloc_trim</c>) when a run ends
    /// (completed, failed or cancelled) and every <see cref="NativeMemoryTrimInterval"/> while it runs. FFmpeg's frames
    /// and codec state are freed into the malloc arenas of the threads that used them, and glibc would otherwise keep
    /// each arena's high-water mark resident for the life of the process: RSS that creeps up over hours, and the peak
    /// of many concurrent graphs kept after they end. A trim runs on a pool thread, so no run waits for it; its cost
    /// grows with what it gives back (about 50 ms per 100 MB given back on a busy 2-core machine), holding each
    /// arena's lock in turn.
    /// Default true. See README, "Memory".</summary>
    public bool TrimNativeMemory { get; set; } = true;

    /// <summary>How often a running graph trims the native heap (<see cref="TrimNativeMemory"/>). Default 30 s.</summary>
    public TimeSpan NativeMemoryTrimInterval
    {
        get => _trimInterval;
        set { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero); _trimInterval = value; }
    }
    private TimeSpan _trimInterval = TimeSpan.FromSeconds(30);

    /// <summary>Records a frame timeline of each run (every item's passage through every node: queue wait, start,
    /// end, device, pts, stream) and writes it as Chrome trace-event JSON for Perfetto and chrome://tracing when the
    /// run ends (<see cref="FrameTrace"/>). Default null: off, and then nothing is recorded or allocated per item.
    /// See README, "Frame timeline".</summary>
    public FrameTrace? Trace { get; set; }
}

/// <summary>Progress of a run, computed from the frames that moved (never parsed from text).</summary>
/// <param name="Frames">Frames decoded so far.</param>
/// <param name="PositionSeconds">The furthest position any sink reached.</param>
/// <param name="DurationSeconds">Duration of the longest input, NaN when unknown (live input).</param>
/// <param name="Elapsed">Wall time so far.</param>
/// <param name="Fps">Frames per second so far.</param>
public readonly record struct GraphProgress(long Frames, double PositionSeconds, double DurationSeconds, TimeSpan Elapsed, double Fps)
{
    /// <summary>0..1 when the duration is known, else NaN.</summary>
    public double Fraction => DurationSeconds > 0 ? Math.Clamp(PositionSeconds / DurationSeconds, 0, 1) : double.NaN;

    internal static GraphProgress From(GraphMetrics metrics)
    {
        var sinks = metrics.Nodes.Where(n => n.Roles.HasFlag(NodeRoles.Output)).Select(n => n.PositionSeconds).Where(p => !double.IsNaN(p)).ToArray();
        var position = sinks.Length > 0 ? sinks.Max() : 0;
        return new GraphProgress(metrics.Frames, position, metrics.DurationSeconds, metrics.Elapsed, metrics.Fps);
    }
}
