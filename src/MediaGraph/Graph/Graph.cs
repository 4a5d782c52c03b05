using MediaGraph.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MediaGraph;

/// <summary>
/// A media pipeline: decode → process → encode, built with typed streams and run in-process. Building records
/// nodes and edges only; <see cref="RunAsync"/> validates the whole graph, creates fresh per-run state (FFmpeg
/// contexts, channels, pools), runs every node on its own loop joined by bounded channels, and frees everything
/// before it returns. The same graph can run again.
/// </summary>
/// <example>
/// <code>
/// var graph = new Graph();
/// var input = graph.Decode("in.mpg");
/// var video = input.Video.Deinterlace().Scale(1280, 720);
/// graph.Encode("out.mp4", video, input.Audio, new() { Preset = "veryfast", AudioCodec = "copy" });
/// var metrics = await graph.RunAsync(cancellationToken);
/// Console.WriteLine(metrics.Summary());
/// </code>
/// </example>
public sealed partial class Graph
{
    private readonly List<Node> _nodes = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Node, Graph> Holders = new();

    /// <summary>The graph <paramref name="node"/> was added to.</summary>
    internal static Graph Holding(Node node) => Holders.TryGetValue(node, out var graph)
        ? graph
        : throw new InvalidOperationException($"{node} is in no graph; add it with graph.Add first");
    private readonly Dictionary<string, int> _kindCounts = new();
    private GraphMetrics? _metrics; // of the run in progress or the last one
    private int _runState; // 1 from RunAsync's call until its task ends

    public Graph(GraphOptions? options = null) => Options = options ?? new GraphOptions();

    public GraphOptions Options { get; }

    /// <summary>Every node, in the order added.</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Metrics of the run in progress, or of the last run; null before the first. A run cancelled before its
    /// nodes started (while its inputs were being opened) has metrics too: every node, all at zero. A run refused by
    /// validation (<see cref="GraphValidationException"/>) never ran and leaves the previous value.</summary>
    public GraphMetrics? Metrics => Volatile.Read(ref _metrics);

    /// <summary>Adds an input (file path or URL); its streams are decoded when asked for.</summary>
    public InputFile Decode(string url, DecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        return new InputFile(this, Add(new DemuxNode(url, options ?? new DecodeOptions())));
    }

    /// <summary>
    /// Adds an output: encodes <paramref name="video"/> and <paramref name="audio"/> (either may be null) and muxes
    /// them into <paramref name="path"/> (format from the extension or <see cref="EncodeOptions.Format"/>).
    /// With codec "copy" the input's packets are remuxed without decoding. Without a codec, each stream gets the
    /// encoder the ffmpeg CLI picks for the format; a stream the format takes no codec for (video into wav, audio into
    /// gif or an image sequence) is left out with a logged warning, as the CLI leaves it out.
    /// </summary>
    /// <exception cref="ArgumentException">No stream is left to write; the message names the output.</exception>
    public MuxNode Encode(string path, VideoStream? video, AudioStream? audio = null, EncodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new EncodeOptions();
        if (options.NoAudio) audio = null;
        var dropped = new List<string>();
        var videoEncoder = video is null ? null : EncoderFor(path, options, MediaKind.Video, options.VideoCodec, dropped);
        var audioEncoder = audio is null ? null : EncoderFor(path, options, MediaKind.Audio, options.AudioCodec, dropped);
        if (videoEncoder is null) video = null;
        if (audioEncoder is null) audio = null;
        if (video is null && audio is null)
            throw new ArgumentException(dropped.Count == 0
                ? $"output '{path}' has no streams: give a video or an audio stream"
                : $"output '{path}' has no streams left: {string.Join("; ", dropped)}");
        foreach (var reason in dropped)
            (Options.LoggerFactory?.CreateLogger("MediaGraph") ?? NullLogger.Instance)
                .LogWarning("output '{Path}': {Reason}; it is left out, as the ffmpeg CLI does", path, reason);

        var streams = new List<OutputPort>();
        if (video is not null)
        {
            Own(video);
            if (options.CopyVideo)
                streams.Add((video.Packets ?? throw new ArgumentException($"cannot stream-copy '{video}': copy needs a stream straight from Decode, not a processed one")).Port);
            else
                streams.Add(Add(new EncodeNode(video.Port, MediaKind.Video, videoEncoder!.Value, options, path)).Outputs[0]);
        }
        if (audio is not null)
        {
            Own(audio);
            if (options.CopyAudio)
                streams.Add((audio.Packets ?? throw new ArgumentException($"cannot stream-copy '{audio}': copy needs a stream straight from Decode, not a processed one")).Port);
            else
                streams.Add(Add(new EncodeNode(audio.Port, MediaKind.Audio, audioEncoder!.Value, options, path)).Outputs[0]);
        }
        return Add(new MuxNode(path, options, streams));
    }

    /// <summary>The encoder for one stream of an output: the one given, else the ffmpeg CLI's default for the format
    /// (<see cref="OutputDefaults"/>); null when the format takes no stream of the kind (the reason is added to
    /// <paramref name="dropped"/>). A format that cannot be guessed, or a default this FFmpeg cannot encode, gives an
    /// encoder node that validation reports.</summary>
    private static EncoderChoice? EncoderFor(string path, EncodeOptions options, MediaKind kind, string? codec, List<string> dropped)
    {
        if (codec is not null) return new EncoderChoice(codec, FromOutput: false, Problem: null);
        var choice = OutputDefaults.For(path, options.Format, kind, out _);
        var noun = kind == MediaKind.Video ? "video" : "audio";
        if (choice is null) return new EncoderChoice("", FromOutput: true, Problem: null); // the muxer reports the format
        if (choice.Value.TakesNone)
        {
            dropped.Add($"the {choice.Value.Format} format takes no {noun} stream");
            return null;
        }
        return choice.Value.Encoder is { } encoder
            ? new EncoderChoice(encoder, FromOutput: true, Problem: null)
            : new EncoderChoice("", FromOutput: true, Problem:
                $"the {choice.Value.Format} format's default {noun} codec is {choice.Value.Codec}, but this FFmpeg has no encoder for it: choose one ({(kind == MediaKind.Video ? "VideoCodec, --vcodec" : "AudioCodec, --acodec")})");
    }

    /// <summary>Muxes already-compressed packet streams into <paramref name="path"/> (stream copy).</summary>
    public MuxNode Remux(string path, EncodeOptions? options, params PacketStream[] packets)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (packets.Length == 0) throw new ArgumentException($"output '{path}' has no streams");
        return Add(new MuxNode(path, options ?? new EncodeOptions(), packets.Select(p => Own(p)).ToArray()));
    }

    /// <summary>Adds a libavfilter graph over <paramref name="inputs"/> (in the order of its open input pads).</summary>
    public FilterOutputs Filter(string description, params MediaStream[] inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(description);
        foreach (var input in inputs) Own(input);
        var node = new FilterNode(description);
        Add(node, inputs);
        return new FilterOutputs(this, node);
    }

    /// <summary>Runs a user's kernel over several video streams taken in step (N in, one out; <see cref="KernelNode"/>).</summary>
    public VideoStream Kernel(KernelOptions options, params VideoStream[] inputs)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (inputs.Length == 0) throw new ArgumentException($"{options.Name}: a kernel needs at least one input stream", nameof(inputs));
        return Add(new KernelNode(options, inputs.Length), inputs).VideoOutput(0);
    }

    /// <summary>A sink the app reads with <c>await foreach</c>; see <see cref="AppSink{T}"/>.</summary>
    public AppSink<VideoFrame> Sink(VideoStream video, int capacity = 4) => Attach(Add(new AppSink<VideoFrame>(Own(video), capacity)));
    /// <inheritdoc cref="Sink(VideoStream, int)"/>
    public AppSink<AudioFrame> Sink(AudioStream audio, int capacity = 4) => Attach(Add(new AppSink<AudioFrame>(Own(audio), capacity)));
    /// <inheritdoc cref="Sink(VideoStream, int)"/>
    public AppSink<Packet> Sink(PacketStream packets, int capacity = 4) => Attach(Add(new AppSink<Packet>(Own(packets), capacity)));

    /// <summary>Lets reading <paramref name="sink"/> start this graph when it is not running.</summary>
    private AppSink<T> Attach<T>(AppSink<T> sink) where T : MediaItem
    {
        sink.StartRun = StartIfIdle;
        return sink;
    }

    /// <summary>Starts a run when none is going (reading a sink of an idle graph) and returns it; null when one runs.</summary>
    private Task? StartIfIdle(CancellationToken cancellationToken) => TryRun(cancellationToken);

    /// <summary>A source of video frames the app writes; see <see cref="AppSource{T}"/>.</summary>
    public AppSource<VideoFrame> AddVideoSource(int capacity = 4) => Add(new AppSource<VideoFrame>(MediaKind.Video, capacity));
    /// <summary>A source of audio frames the app writes.</summary>
    public AppSource<AudioFrame> AddAudioSource(int capacity = 4) => Add(new AppSource<AudioFrame>(MediaKind.Audio, capacity));
    /// <summary>A source of compressed packets the app writes (each carrying its <see cref="StreamParameters"/>).</summary>
    public AppSource<Packet> AddPacketSource(int capacity = 4) => Add(new AppSource<Packet>(MediaKind.Packets, capacity));

    /// <summary>Adds a node (built-in or your own subclass of <see cref="Node"/>) and names it.</summary>
    public T Add<T>(T node) where T : Node
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Volatile.Read(ref _runState) != 0 && !_buildingBranch)
            throw new InvalidOperationException("the graph is running: add nodes to a running graph with AddBranchAsync, or wait for RunAsync to end");
        if (_nodes.Contains(node)) return node;
        foreach (var input in node.Inputs)
            if (input.Source is { } source && !_nodes.Contains(source.Node))
                throw new ArgumentException($"{node.Kind} takes '{source}', which belongs to another graph");
        var subgraph = SubgraphFor(node);
        var prefix = SubgraphPrefix(subgraph); // a subgraph's nodes are named after it (Graph.Subgraphs.cs)
        if (string.IsNullOrEmpty(node.Name))
        {
            string name;
            do
            {
                _kindCounts.TryGetValue(prefix + node.Kind, out var n);
                _kindCounts[prefix + node.Kind] = n + 1;
                name = $"{prefix}{node.Kind}{n}";
            } while (_nodes.Any(x => x.Name == name));
            node.Name = name;
        }
        else if (_nodes.Any(x => x.Name == prefix + node.Name)) throw new ArgumentException($"a node named '{prefix + node.Name}' is already in the graph");
        else if (prefix.Length > 0) node.Name = prefix + node.Name;
        node.SubgraphPath = subgraph;
        _nodes.Add(node);
        Holders.AddOrUpdate(node, this);
        node.InGraph = true;
        return node;
    }

    /// <summary>
    /// Adds <paramref name="node"/> and connects its inputs, in order, to <paramref name="inputs"/>; returns its
    /// outputs as typed streams. Everything is checked before the graph changes: the number of streams, their kinds
    /// and that they belong to this graph (an <see cref="ArgumentException"/> names the node and the stream).
    /// For one input and one output, <see cref="VideoStream.Through"/> says the same in one call.
    /// </summary>
    public NodeStreams Add<T>(T node, params MediaStream[] inputs) where T : Node
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(inputs);
        foreach (var input in inputs) Own(input);
        if (inputs.Length != node.Inputs.Count)
        {
            var what = node is FilterNode f ? $"filter graph '{f.Description}' has {node.Inputs.Count} open input(s)" : $"{node.Kind} has {node.Inputs.Count} input(s)";
            throw new ArgumentException($"{what} but was given {inputs.Length} stream(s)", nameof(inputs));
        }
        for (var i = 0; i < inputs.Length; i++)
        {
            var port = node.Inputs[i];
            if (port.Source is not null) throw new ArgumentException($"input '{port.Name}' of {node.Kind} is already connected to '{port.Source}'", nameof(node));
            if (port.Kind != inputs[i].Kind)
                throw new ArgumentException($"input {i} ('{port.Name}') of {node.Kind} takes {port.Kind.ToString().ToLowerInvariant()}, but stream '{inputs[i]}' is {inputs[i].Kind.ToString().ToLowerInvariant()}", nameof(inputs));
        }
        Add(node);
        for (var i = 0; i < inputs.Length; i++) Connect(inputs[i].Port, node.Inputs[i]);
        return new NodeStreams(this, node);
    }

    /// <summary>Typed views of <paramref name="node"/>'s outputs.</summary>
    public NodeStreams Streams(Node node) => _nodes.Contains(node) ? new NodeStreams(this, node) : throw new ArgumentException($"{node} is not in this graph");

    /// <summary>Connects a raw output to a raw input (for custom nodes). Type and ownership are checked.</summary>
    public void Connect(OutputPort output, InputPort input)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        if (!_nodes.Contains(output.Node) || !_nodes.Contains(input.Node)) throw new ArgumentException($"'{output}' and '{input}' must both be in this graph");
        if (input.Source is not null) throw new ArgumentException($"input '{input}' is already connected to '{input.Source}'");
        if (input.Kind != output.Kind) throw new ArgumentException($"'{output}' carries {output.Kind.ToString().ToLowerInvariant()} but '{input}' takes {input.Kind.ToString().ToLowerInvariant()}");
        input.Source = output;
        output.Consumers.Add(input);
    }

    internal OutputPort Own(MediaStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!ReferenceEquals(stream.Graph, this)) throw new ArgumentException($"stream '{stream}' belongs to another graph");
        return stream.Port;
    }

    /// <summary>Checks the whole graph — wiring (unconnected or doubly-consumed streams, type mismatches, cycles),
    /// inputs that are missing or unreadable, unknown codecs and formats — and throws one
    /// <see cref="GraphValidationException"/> listing every problem. <see cref="RunAsync"/> calls it first.</summary>
    public void Validate() => ValidateCore(forRun: false);

    private (IReadOnlyList<Node> Active, double Duration) ValidateCore(bool forRun)
    {
        NativeLibraryCheck.EnsureLoaded();
        var context = new ValidationContext { ForRun = forRun, Device = Options.Device };
        var active = ActiveNodes();
        if (active.Count == 0) context.Problem("the graph is empty: add an input and an output (Decode, then Encode or Sink)");
        CheckWiring(active, active, context, unavailable: _ => null);
        CheckOutputsAreNotInputs(active, context);
        var ordered = TopologicalOrder(active, context);
        if (context.Problems.Count == 0)
            foreach (var node in ordered) node.Validate(context);
        if (context.Problems.Count > 0) throw new GraphValidationException(context.Problems);
        return (ordered, context.DurationSeconds);
    }

    /// <summary>Wiring problems of <paramref name="nodes"/>: unconnected or mistyped inputs, a stream consumed twice by
    /// one node, outputs nobody consumes. <paramref name="unavailable"/> says why a source outside
    /// <paramref name="active"/> cannot feed a node (null: it can).</summary>
    private static void CheckWiring(List<Node> nodes, List<Node> active, ValidationContext context, Func<OutputPort, string?> unavailable)
    {
        foreach (var node in nodes)
        {
            foreach (var input in node.Inputs)
            {
                if (input.Source is null) context.Problem(node, $"input '{input.Name}' is not connected");
                else if (input.Source.Kind != input.Kind) context.Problem(node, $"input '{input.Name}' takes {input.Kind.ToString().ToLowerInvariant()} but '{input.Source}' carries {input.Source.Kind.ToString().ToLowerInvariant()}");
                else if (!active.Contains(input.Source.Node) && unavailable(input.Source) is { } why) context.Problem(node, why);
            }
            foreach (var group in node.Inputs.Where(i => i.Source is not null).GroupBy(i => i.Source!).Where(g => g.Count() > 1))
                context.Problem(node, $"stream '{group.Key}' is consumed twice by the same node; use two streams (a split filter) if you mean it");
            if (!node.IsImplicit && !node.IsSink)
                foreach (var output in node.Outputs)
                    if (!output.Consumers.Any(c => active.Contains(c.Node)))
                        context.Problem(node, $"stream '{output}' is not connected to anything: encode it, sink it, or remove the node");
        }
    }

    /// <summary>An output that is also an input (or another output) would be destroyed while it is read.</summary>
    private static void CheckOutputsAreNotInputs(IEnumerable<Node> nodes, ValidationContext context)
    {
        static string? Local(string path) => InputInfo.IsUrl(path) || path == "-" ? null : Path.GetFullPath(path);
        var inputs = nodes.OfType<DemuxNode>().Select(d => (Node: d, Path: Local(d.Url))).Where(x => x.Path is not null).ToList();
        var outputs = new Dictionary<string, MuxNode>();
        foreach (var mux in nodes.OfType<MuxNode>())
        {
            if (Local(mux.Path) is not { } path) continue;
            if (inputs.FirstOrDefault(i => i.Path == path) is { Node: { } reader })
                context.Problem(mux, $"output '{mux.Path}' is also the input of {reader.Name}: writing it would destroy it while it is read");
            if (!outputs.TryAdd(path, mux))
                context.Problem(mux, $"output '{mux.Path}' is also written by {outputs[path].Name}");
        }
    }

    /// <summary>Nodes that take part in a run: implicit ones (demuxers, decoders) only when something consumes them.</summary>
    private List<Node> ActiveNodes() => ActiveAmong(_nodes);

    /// <summary>The nodes of <paramref name="nodes"/> that take part: implicit ones only when something consumes them.</summary>
    private static List<Node> ActiveAmong(IReadOnlyList<Node> nodes)
    {
        var active = new HashSet<Node>(nodes);
        bool changed;
        do
        {
            changed = false;
            foreach (var node in active.ToArray())
                if (node.IsImplicit && node.Outputs.All(o => !o.Consumers.Any(c => active.Contains(c.Node))))
                    changed |= active.Remove(node);
        } while (changed);
        return nodes.Where(active.Contains).ToList();
    }

    private static List<Node> TopologicalOrder(List<Node> nodes, ValidationContext context)
    {
        var set = new HashSet<Node>(nodes);
        var pending = nodes.ToDictionary(n => n, n => n.Inputs.Count(i => i.Source is not null && set.Contains(i.Source.Node)));
        var ready = new Queue<Node>(nodes.Where(n => pending[n] == 0));
        var order = new List<Node>();
        while (ready.Count > 0)
        {
            var node = ready.Dequeue();
            order.Add(node);
            foreach (var output in node.Outputs)
                foreach (var consumer in output.Consumers)
                    if (set.Contains(consumer.Node) && --pending[consumer.Node] == 0) ready.Enqueue(consumer.Node);
        }
        if (order.Count < nodes.Count)
        {
            var cycle = FindCycle(nodes.Where(n => !order.Contains(n)).ToHashSet());
            context.Problem($"the graph has a cycle through {string.Join(" → ", cycle.Select(n => n.Name))}: a stream cannot feed back into the nodes it came from");
        }
        return order;
    }

    /// <summary>One cycle among <paramref name="left"/> (nodes a topological sort could not order), closed: a → b → a.</summary>
    private static List<Node> FindCycle(HashSet<Node> left)
    {
        var path = new List<Node>();
        var onPath = new HashSet<Node>();
        var done = new HashSet<Node>();
        List<Node>? Visit(Node node)
        {
            if (onPath.Contains(node)) return path.Skip(path.IndexOf(node)).Append(node).ToList();
            if (!done.Add(node)) return null;
            path.Add(node);
            onPath.Add(node);
            foreach (var next in node.Outputs.SelectMany(o => o.Consumers).Select(c => c.Node).Where(left.Contains))
                if (Visit(next) is { } found) return found;
            path.RemoveAt(path.Count - 1);
            onPath.Remove(node);
            return null;
        }
        foreach (var start in left)
            if (Visit(start) is { } cycle) return cycle;
        return left.ToList();
    }

    /// <summary>
    /// Validates, then runs the graph until every output is finalised. Returns at once: validation (which opens the
    /// inputs) and the run happen off the caller's thread; each node runs on a thread of its own. The task gives the
    /// run's metrics; it throws the first node fault (a <see cref="MediaGraphException"/> naming the node) after the
    /// other nodes have drained and finalised their outputs, a <see cref="GraphValidationException"/> listing every
    /// problem when the graph is not valid, and <see cref="OperationCanceledException"/> promptly when
    /// <paramref name="cancellationToken"/> fires, after finalising (the partial output plays). A graph runs once
    /// at a time: calling again before the task ended throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public Task<GraphMetrics> RunAsync(CancellationToken cancellationToken = default)
        => TryRun(cancellationToken) ?? throw new InvalidOperationException("the graph is already running (reading a sink of an idle graph runs it too): await the task of the first run before running it again, or build a second graph to run both at once");

    /// <summary>Starts a run unless one is going (then null): the one place a run begins.</summary>
    private Task<GraphMetrics>? TryRun(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _runState, 1, 0) != 0) return null;
        _started = new TaskCompletionSource<GraphRunner>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            // On the caller's thread, before returning: an app that writes to a source or reads a sink right after
            // calling RunAsync meets this run's channels.
            foreach (var node in _nodes) (node as IAppEndpoint)?.BeginRun();
        }
        catch
        {
            Volatile.Write(ref _runState, 0);
            throw;
        }
        // Validation and start-up on a thread of their own, not the pool's: a busy pool must not delay the start.
        return Task.Factory.StartNew(() => RunCoreAsync(cancellationToken), CancellationToken.None,
            TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
    }

    /// <summary>
    /// Stops the running graph without losing work (a drain, the ffmpeg CLI's first <c>q</c> or Ctrl+C): its sources
    /// stop reading, every frame already decoded is processed and encoded, encoders are flushed and trailers written.
    /// There is no deadline: it takes as long as that work does. The run's task then completes normally with its
    /// metrics (<see cref="GraphMetrics.Stopped"/> true). To stop at once instead, cancel the token given to
    /// <see cref="RunAsync"/> (an abort: within a second, keeping everything already muxed). Completes when the run
    /// ended; at once when the graph is not running.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _runState) == 0 || _started is not { } started) return;
        GraphRunner runner;
        try { runner = await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException) { return; } // the run failed before it started
        runner.Metrics.Stopped = true;
        runner.RequestStop(Timeout.InfiniteTimeSpan);
        await runner.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<GraphMetrics> RunCoreAsync(CancellationToken cancellationToken)
    {
        var started = _started!;
        // A long run frees and allocates frames on many threads: give what the arenas keep free back now and then.
        var trimmer = Options.TrimNativeMemory
            ? new Timer(static _ => NativeHeap.TrimInBackground(), null, Options.NativeMemoryTrimInterval, Options.NativeMemoryTrimInterval)
            : null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (active, duration) = ValidateCore(forRun: true);
            cancellationToken.ThrowIfCancellationRequested(); // cancelled while the inputs were being opened
            // The device is opened only when a node can use it (or the user placed an upload), and closed after the run.
            // (On the CPU nothing of ILGPU is loaded: a CPU run costs what it did before devices existed.)
            var wantsDevice = Options.Device.Kind != DeviceKind.Cpu && active.Any(n => n.RunsOnDevice || n is UploadNode || n is DecodeNode { AsksForHardware: true }
                || n is EncodeNode { MediaKind: MediaKind.Video } e && NvencPlan.IsNvenc(e.Codec));
            // NVDEC surfaces a run may hold at once: per consumer, the edge into it and the edge after an inserted
            // upload/download, plus the frames being worked on (see DecodeNode.HardwareFramesInFlight).
            foreach (var decode in active.OfType<DecodeNode>().Where(d => d.AsksForHardware))
                decode.HardwareFramesInFlight = Math.Min(32, Math.Max(1, decode.Outputs[0].Consumers.Count) * (2 * Options.ChannelCapacity + 2));
            await using var device = wantsDevice ? ComputeDevice.Open(Options.Device, Options.LoggerFactory?.CreateLogger("MediaGraph")) : null;
            var onDevice = DevicePlacement.DeviceNodes(active, device is not null);
            foreach (var encode in active.OfType<EncodeNode>()) encode.PlanNvenc(device, Options.LoggerFactory?.CreateLogger("MediaGraph"));
            var (fused, remap) = Options.FuseFilters ? FilterFusion.Apply(active, onDevice) : (active, null);
            var (nodes, inputRemap) = DevicePlacement.Apply(fused, onDevice, remap, device is not null);
            var runner = new GraphRunner(Options, device);
            runner.Metrics.DurationSeconds = duration;
            Volatile.Write(ref _metrics, runner.Metrics);
            var run = runner.RunAsync(nodes, remap, inputRemap, cancellationToken);
            started.TrySetResult(runner);
            return await run.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Failed before the nodes started (nodes that started complete their app channels themselves): the app's
            // readers and writers get the reason rather than waiting for a run that never comes.
            if (started.TrySetException(e))
            {
                foreach (var node in _nodes) (node as IAppEndpoint)?.FailBeforeStart(e);
                // Cancelled before any node started: this run's metrics (all zero), not a null or the previous run's
                // that an app reading them after the cancellation would meet.
                if (e is OperationCanceledException) Volatile.Write(ref _metrics, GraphMetrics.NotStarted(ActiveNodes()));
            }
            throw;
        }
        finally
        {
            foreach (var node in _nodes) node.ReleasePrepared(); // inputs opened for a run that failed before using them
            trimmer?.Dispose();
            if (Options.TrimNativeMemory) NativeHeap.TrimInBackground(); // the run's native memory, back to the system; nobody waits
            Volatile.Write(ref _runState, 0);
        }
    }

    /// <summary>A Graphviz picture of the graph (<c>dot -Tpng</c>).</summary>
    /// <remarks>With a device (<see cref="GraphOptions.Device"/> cuda or cuda-sim, or auto on a machine with a CUDA
    /// GPU), the picture shows the placement a run makes: the uploads and downloads it inserts.</remarks>
    public string ToDot()
    {
        var active = ActiveNodes();
        var hasDevice = Options.Device.Kind is DeviceKind.Cuda or DeviceKind.CudaSim
            || (Options.Device.Kind == DeviceKind.Auto && ComputeDevice.CudaPresent);
        var onDevice = DevicePlacement.DeviceNodes(active, hasDevice);
        var (nodes, inputRemap) = DevicePlacement.Apply(TopologicalOrderOrSelf(active), onDevice, null, hasDevice);
        return GraphDot.Render(nodes, inputRemap);
    }

    private static List<Node> TopologicalOrderOrSelf(List<Node> active)
    {
        var context = new ValidationContext();
        var ordered = TopologicalOrder(active, context);
        return context.Problems.Count == 0 ? ordered.ToList() : active;
    }

    /// <summary>The graph in the JSON form the CLI runs (<c>mediagraph run graph.json</c>).</summary>
    public string ToJson() => GraphJson.Write(this);

    /// <summary>Builds a graph from its JSON form.</summary>
    public static Graph FromJson(string json, GraphOptions? options = null) => GraphJson.Read(json, options);
}
