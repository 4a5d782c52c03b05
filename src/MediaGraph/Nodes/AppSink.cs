using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace MediaGraph;

/// <summary>
/// The app-facing end of a graph: frames (or packets) the app reads with <c>await foreach</c> while
/// <see cref="Graph.RunAsync"/> runs. Backpressure reaches back through the graph: a slow reader slows the
/// decoder, nothing piles up. The app owns each item it reads and must dispose it. Stopping early (breaking out of
/// the loop) closes the sink; the graph then ends cleanly (sources stop, outputs are finalised). For a later run of
/// the same graph, start reading after calling <see cref="Graph.RunAsync"/>.
/// </summary>
/// <example>
/// <code>
/// var frames = graph.Sink(graph.Decode("in.mp4").Video.Scale(224, 224, pixelFormat: "rgb24"));
/// var run = graph.RunAsync(ct);
/// await foreach (var frame in frames.ReadAllAsync(ct)) using (frame) Use(frame);
/// await run;
/// </code>
/// </example>
public sealed class AppSink<T> : Node, IAppEndpoint where T : MediaItem
{
    private readonly RunChannel<T> _channel;
    // The app stage that times the loop reading each run's channel ("sink0:app" in that run's metrics).
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<Channel<T>, AppStage> _stages = new();

    internal AppSink(OutputPort source, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _channel = new RunChannel<T>(capacity, singleWriter: true);
        var input = AddInput(source.Kind, "in");
        input.Source = source;
        source.Consumers.Add(input);
    }

    public override string Kind => "sink";
    /// <summary>Shared: it only hands items to or from the app, awaiting it.</summary>
    public override NodeThreading Threading => NodeThreading.Shared;
    internal override bool IsSink => true;

    /// <summary>When true, video frames reach the app where they live: device frames (NVDEC's, a kernel's) as they are,
    /// with no Download inserted before the sink, and host frames as they are (check <see cref="VideoFrame.Location"/>).
    /// For an app that works on the GPU itself, or that only counts frames. Dispose each frame promptly: a device frame
    /// holds a pool buffer or an NVDEC surface the decoder needs back. A device frame lives on the run's device, which
    /// closes when the run ends, so the run waits for the app's read loop to end (its last frame handled) before it
    /// ends: read while the run goes (reading starts it, or start reading before awaiting <c>RunAsync</c>) and release
    /// every frame within the loop. Default false: the graph downloads device frames before the sink. Set it before
    /// the run starts.</summary>
    public bool TakesDeviceFrames { get; set; }

    // Per run channel: completed when the app's read loop over it has ended (it ran out of items, or was left).
    private readonly ConditionalWeakTable<Channel<T>, TaskCompletionSource> _readerLeft = new();

    private TaskCompletionSource ReaderLeft(Channel<T> channel)
        => _readerLeft.GetValue(channel, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    internal override bool TakesFramesWhereTheyLive => TakesDeviceFrames;


    /// <summary>How long the sink waits, full, for an app that has not started reading it before the run fails with a
    /// message saying so (awaiting <c>RunAsync</c> before reading would otherwise wait forever). Default 10 s.</summary>
    public TimeSpan ReaderTimeout
    {
        get => _readerTimeout;
        set { ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero); _readerTimeout = value; }
    }
    private TimeSpan _readerTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Starts the sink's graph when it is not running and returns that run; null when a run is going (set by
    /// the graph that holds the sink).</summary>
    internal Func<CancellationToken, Task?>? StartRun { get; set; }

    /// <summary>Reads the items of the run until it ends; the app owns each item. When the graph is not running,
    /// reading starts it (and a fault or cancellation of that run is thrown here, after the last item); when it
    /// runs, reading joins it. Break out to stop the graph early.</summary>
    /// <remarks>The loop's own work is timed into the run's metrics as the app stage "{sink}:app" (a row of
    /// <see cref="GraphMetrics.Summary"/>): from handing out an item to the loop asking for the next. Leaving the loop
    /// (a break, or an exception) ends the last item's time; C# does not tell a reader which of the two it was, so to
    /// count exceptions as errors, time the body with <see cref="GraphMetrics.Stage"/> or use
    /// <see cref="ForEachAsync"/>.</remarks>
    public IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default) => ReadAsync(null, cancellationToken);

    /// <summary>Whether the loop reading a sink was left by an exception (known to <see cref="ForEachAsync"/> only).</summary>
    private sealed class Outcome { public bool Failed; }

    private async IAsyncEnumerable<T> ReadAsync(Outcome? outcome, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // A run that was started (RunAsync) and whose items nobody read yet is joined, even when it already ended:
        // its items wait in the channel. Otherwise reading starts a run (null when another reader just started one).
        var channel = _channel.UnreadRunChannel();
        Task? started = null;
        if (channel is null)
        {
            started = StartRun?.Invoke(cancellationToken);
            channel = _channel.Current;
        }
        _channel.AttachReader(channel);
        AppStage.Scope work = default;
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var item))
                {
                    if (_stages.TryGetValue(channel, out var stage)) work = stage.Begin();
                    yield return item;
                    work.Complete();
                }
        }
        finally
        {
            // Left the loop with an item out: its time ends here (an error when the body threw, where that is known).
            if (outcome is { Failed: true }) work.Dispose();
            else work.Complete();

            channel.Writer.TryComplete(); // the reader is gone: the instance sees a closed channel and stops the graph
            while (channel.Reader.TryRead(out var left)) left.Dispose();
            ReaderLeft(channel).TrySetResult(); // a sink taking device frames lets its run end now
        }
        if (started is not null) await started.ConfigureAwait(false);
    }

    /// <summary>Reads every item of the run (as <see cref="ReadAllAsync"/>) and hands each to <paramref name="body"/>,
    /// disposing it afterwards. Each call is timed into the app stage "{sink}:app"; an exception it throws counts as
    /// an error there, stops the graph (as leaving a read loop does) and is rethrown.</summary>
    public async Task ForEachAsync(Func<T, CancellationToken, ValueTask> body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var outcome = new Outcome();
        var enumerator = ReadAsync(outcome, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            while (await enumerator.MoveNextAsync().ConfigureAwait(false))
            {
                using var item = enumerator.Current;
                try { await body(item, cancellationToken).ConfigureAwait(false); }
                catch
                {
                    outcome.Failed = true;
                    throw;
                }
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
    }

    void IAppEndpoint.BeginRun() => _channel.BeginRun();
    void IAppEndpoint.FailBeforeStart(Exception error) => _channel.FailBeforeStart(error);

    protected internal override NodeInstance CreateInstance()
    {
        return new Instance(this, _channel.Take());
    }

    private sealed class Instance(AppSink<T> sink, Channel<T> channel) : NodeInstance
    {
        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (context.Stage($"{context.NodeName}:app") is { } stage) sink._stages.AddOrUpdate(channel, stage);
            return default;
        }

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            try
            {
                if (channel.Writer.TryWrite((T)item)) return;
                if (!sink._channel.HasReader(channel))
                {
                    await WaitForAReaderAsync(context, item, cancellationToken).ConfigureAwait(false);
                    return;
                }
                if (await channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) && channel.Writer.TryWrite((T)item))
                    return;
            }
            catch (ChannelClosedException) { }
            item.Dispose();
            context.StopInputs(); // the app stopped reading: end the graph cleanly
        }

        /// <summary>The sink is full and nobody has started reading it: wait <see cref="ReaderTimeout"/> for a reader,
        /// then fail saying what to do instead of holding the graph forever.</summary>
        private async ValueTask WaitForAReaderAsync(NodeContext context, MediaItem item, CancellationToken cancellationToken)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(sink.ReaderTimeout);
            try
            {
                while (await channel.Writer.WaitToWriteAsync(timeout.Token).ConfigureAwait(false))
                    if (channel.Writer.TryWrite((T)item)) return;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !sink._channel.HasReader(channel))
            {
                item.Dispose();
                throw new MediaGraphException(context.NodeName,
                    $"nothing read this sink for {sink.ReaderTimeout.TotalSeconds:0.#} s while it was full, so the graph could not go on: " +
                    "read it with `await foreach (var item in sink.ReadAllAsync())` while the graph runs (reading alone runs the graph; " +
                    "with RunAsync, start it, read, then await the run, rather than awaiting RunAsync first)");
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A reader came just as the wait timed out: hand it the item the normal way.
                if (await channel.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false) && channel.Writer.TryWrite((T)item)) return;
            }
            item.Dispose();
            context.StopInputs();
        }

        /// <summary>With <see cref="TakesDeviceFrames"/>: the run (and its device) ends only once the app's read loop
        /// has ended, so no device frame is used after its device closed.</summary>
        protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (!sink.TakesDeviceFrames || !sink._channel.HasReader(channel)) return;
            channel.Writer.TryComplete();
            await sink.ReaderLeft(channel).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync()
        {
            channel.Writer.TryComplete();
            return default;
        }
    }
}
