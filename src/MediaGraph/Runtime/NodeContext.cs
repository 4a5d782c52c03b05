using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph;

/// <summary>
/// What a running node may use: its name, metrics, logger, item pools and its outputs. Emitting passes ownership
/// of the item on; an item emitted to an output nobody reads any more is released and the output reported closed.
/// </summary>
public abstract class NodeContext
{
    private readonly ItemPool<VideoFrame> _videoPool;
    private readonly ItemPool<AudioFrame> _audioPool;
    private readonly ItemPool<Packet> _packetPool;
    private readonly RunPools _pools;
    private long _lastWarningLog;

    private protected NodeContext(string nodeName, NodeMetrics metrics, ILogger? logger, RunPools pools, bool failOnDamage = false)
    {
        FailOnDamage = failOnDamage;
        NodeName = nodeName;
        Metrics = metrics;
        Logger = logger ?? NullLogger.Instance;
        _videoPool = pools.Video;
        _audioPool = pools.Audio;
        _packetPool = pools.Packets;
        _pools = pools;
    }

    /// <summary>Keeps <paramref name="resource"/> alive until the run ends (stream parameters that packets in
    /// flight refer to), then disposes it.</summary>
    public void DisposeAtEndOfRun(IDisposable resource) => _pools.Own(resource);

    public string NodeName { get; }
    public NodeMetrics Metrics { get; }
    public ILogger Logger { get; }

    /// <summary>Fires when the graph asks sources to stop early (cancellation, a fault elsewhere, consumers gone).
    /// Nodes downstream keep draining and finalise normally.</summary>
    public abstract CancellationToken StopRequested { get; }

    /// <summary>Items waiting on this node's inputs right now (all inputs together; 0 where the runtime does not
    /// queue, as in a <see cref="NodeSession"/>). A hint for nodes that trade latency for throughput: work queued
    /// behind the current item means the node is the bottleneck and may overlap its work.</summary>
    public virtual int QueuedInputItems => 0;

    /// <summary>True when nobody will read output <paramref name="output"/> any more.</summary>
    public abstract bool IsOutputClosed(int output);

    /// <summary>True when every output is closed: a source may stop.</summary>
    public abstract bool AllOutputsClosed { get; }

    /// <summary>Emits <paramref name="item"/> on <paramref name="output"/>, waiting while the edge is full
    /// (backpressure). Ownership passes to the consumers.</summary>
    public abstract ValueTask EmitAsync(int output, MediaItem item, CancellationToken cancellationToken);

    /// <summary>The node wants no more input (an app stopped reading): its inputs are closed and drained.</summary>
    public abstract void StopInputs();

    /// <summary>Asks the runtime to call <see cref="NodeInstance.OnWakeUpAsync"/> once <paramref name="after"/> has
    /// passed, even when no input arrives (a batch that must go out after its timeout, a live source that went
    /// quiet, a latest-frame edge). One wake-up is pending at a time: a new request replaces the previous one. The
    /// wake-up never re-enters the node: it comes between items. None is delivered once every input has ended.</summary>
    public abstract void RequestWakeUp(TimeSpan after);

    /// <summary>Cancels a pending <see cref="RequestWakeUp"/>.</summary>
    public abstract void CancelWakeUp();

    /// <summary>The run's app stage called <paramref name="name"/> (<see cref="GraphMetrics.Stage"/>), or null when the
    /// node runs outside a graph run.</summary>
    public virtual AppStage? Stage(string name) => null;

    /// <summary>The device the run opened (<see cref="GraphOptions.Device"/>), or null when it runs on the CPU.</summary>
    public ComputeDevice? Device => _pools.Device;

    private DeviceStream? _stream;

    /// <summary>This node's own stream on <paramref name="device"/> (the run's device, or the device its frames live
    /// on): made on first use, kept for the node's life and disposed when the run ends. The node launches its
    /// kernels and copies there; its frames carry fences, so other nodes order against it on the GPU
    /// (<see cref="DeviceStream"/>).</summary>
    public DeviceStream StreamOn(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (_stream is { } s && ReferenceEquals(s.Device, device)) return s;
        s = device.CreateStream(NodeName);
        DisposeAtEndOfRun(s);
        return _stream = s;
    }

    private DeviceStream? _ffmpegStream;

    /// <summary>This node's view of <paramref name="device"/>'s shared stream, where FFmpeg queues its work (NVDEC's
    /// output, NVENC's input): for a decoder or encoder to order FFmpeg's work with fences like a stream of its own.</summary>
    internal DeviceStream FfmpegStreamOn(ComputeDevice device)
    {
        if (_ffmpegStream is { } s && ReferenceEquals(s.Device, device)) return s;
        return _ffmpegStream = device.SharedStream(NodeName);
    }

    public VideoFrame RentVideoFrame() => _videoPool.Rent();
    public AudioFrame RentAudioFrame() => _audioPool.Rent();
    public Packet RentPacket() => _packetPool.Rent();

    /// <summary>True when damage in the input fails the run instead of costing the damaged part
    /// (<see cref="GraphOptions.FailOnDamage"/>, the ffmpeg CLI's <c>-xerror</c>).</summary>
    public bool FailOnDamage { get; }

    /// <summary>Reports damage in the input that the node recovers from by losing <paramref name="message"/>'s part
    /// (a packet, a frame, a stream): a warning, or with <see cref="FailOnDamage"/> a fault naming the node.</summary>
    public void Damaged(string message)
    {
        if (FailOnDamage) throw new MediaGraphException(NodeName, $"{message} (the graph fails on damaged input: GraphOptions.FailOnDamage)");
        Warn(message);
    }

    /// <summary>Counts a recoverable problem and logs it (at most one log line per second per node).</summary>
    public void Warn(string message)
    {
        Metrics.CountWarning();
        var now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastWarningLog) < 1000) return;
        Interlocked.Exchange(ref _lastWarningLog, now);
        Logger.LogWarning("{Node}: {Message} ({Count} warnings so far)", NodeName, message, Metrics.Warnings);
    }
}

/// <summary>The item pools of one run (or one standalone node).</summary>
internal sealed class RunPools : IDisposable
{
    public ItemPool<VideoFrame> Video { get; } = new(() => new VideoFrame());
    public ItemPool<AudioFrame> Audio { get; } = new(() => new AudioFrame());
    public ItemPool<Packet> Packets { get; } = new(() => new Packet());
    /// <summary>The run's device (its frame buffer pool and kernels), or null on the CPU; owned by the graph's run.</summary>
    public ComputeDevice? Device { get; set; }
    private readonly List<IDisposable> _owned = new();

    public void Own(IDisposable resource)
    {
        lock (_owned) _owned.Add(resource);
    }

    public void Dispose()
    {
        lock (_owned)
        {
            foreach (var r in _owned) r.Dispose();
            _owned.Clear();
        }
        Video.Dispose();
        Audio.Dispose();
        Packets.Dispose();
    }
}
