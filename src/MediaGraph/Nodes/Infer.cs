using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// Runs an <see cref="InferenceModel"/> on video frames and puts its post-processor's result on each frame as
/// metadata (<see cref="FrameMetadata.SetValue"/>), frames otherwise unchanged. One node may take several streams
/// (many cameras, one model: input i's frames leave on output i): frames from every input are written into one batch
/// (preprocessed straight into the batch slot, by the tensorizer for where the frames live), and a batch runs when it
/// holds <see cref="InferOptions.BatchSize"/> frames or <see cref="InferOptions.MaxDelay"/> after its first frame
/// (a deadline wake-up), so a stream that stalls holds the others back by at most the delay. Each output emits its
/// frames in the order they came; runs overlap when frames queue behind the node on the CPU
/// (<see cref="InferOptions.ParallelRuns"/> 0, the default: up to one run per core in flight for the model) or with
/// <see cref="InferOptions.ParallelRuns"/> above 1, and their results are still emitted in order. Completes after the last batch ran; fails naming the node and the model when a run
/// fails. The model is loaded (checked) at graph validation.
/// <para>
/// Where frames are tensorized (<see cref="InferOptions.Tensorize"/>): on a run with a device the node takes device
/// frames when the model runs on the CUDA execution provider (the tensor is written by a kernel and read by ONNX
/// Runtime in device memory, unverified on hardware) or when asked to (<see cref="TensorizePlace.Device"/>: for a
/// CPU-provider model the finished tensor is downloaded, counted in the node's device→host bytes); otherwise device
/// frames are downloaded before it. Either way the frames leave the node where they came in.
/// </para>
/// </summary>
public sealed partial class InferNode : Node
{
    /// <summary>A node running <paramref name="model"/> on <paramref name="streams"/> inputs.</summary>
    public InferNode(InferenceModel model, InferOptions? options = null, int streams = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        Model = model;
        Options = options ?? new InferOptions();
        for (var i = 0; i < streams; i++)
        {
            AddInput(MediaKind.Video, streams == 1 ? "in" : $"in{i}");
            AddOutput(MediaKind.Video, streams == 1 ? "out" : $"out{i}");
        }
    }

    /// <summary>The model the node runs (for a node read from JSON, one it made from its parameters and owns).</summary>
    public InferenceModel Model { get; private set; }
    public InferOptions Options { get; }

    /// <inheritdoc />
    public override string Kind => "infer";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> DescribeOptions() => Declaration is not null ? base.DescribeOptions() : new Dictionary<string, string>
    {
        ["model"] = Model.Name,
        ["batch"] = Options.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["maxDelayMs"] = Options.MaxDelay.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["tensorize"] = Options.Tensorize.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    protected internal override void Validate(ValidationContext context)
    {
        if (FileProblem() is { } files) context.Problem(this, files);
        if (Model.TryLoad() is { } problem) context.Problem(this, problem);
        if (Options.Tensorize == TensorizePlace.Device && context.Device is { Kind: DeviceKind.Cpu })
            context.Problem(this, "tensorize is Device, but the run has no device (GraphOptions.Device / --device is cpu): choose cuda or cuda-sim, or tensorize Auto or Host");
        else if (Options.Tensorize == TensorizePlace.Device && !FrameTensorizers.HasCuda)
            context.Problem(this, "tensorize is Device, but this process cannot tensorize on a device (no CUDA tensorizer registered, or a Native AOT build without ILGPU): tensorize Auto or Host");
    }

    /// <summary>Takes device frames when it tensorizes on the device (see <see cref="InferOptions.Tensorize"/>).</summary>
    internal override bool RunsOnDevice => TakesDeviceFrames(Options.Tensorize, FrameTensorizers.HasCuda, Model.RunsOnCuda);

    /// <summary>The placement rule: device frames when asked for, or on Auto when they can be tensorized on the
    /// device and the model reads device memory (its session is on the CUDA execution provider); for a model on
    /// the CPU the frame is downloaded instead (smaller than its float tensor).</summary>
    internal static bool TakesDeviceFrames(TensorizePlace place, bool cudaTensorizer, bool modelOnCuda) => place switch
    {
        TensorizePlace.Device => true,
        TensorizePlace.Auto => cudaTensorizer && modelOnCuda,
        _ => false,
    };

    /// <inheritdoc />
    protected internal override NodeInstance CreateInstance() => new Instance(this);

    private sealed class Instance(InferNode node) : NodeInstance
    {
        private readonly InferenceModel _model = node.Model;
        private readonly InferOptions _options = node.Options;
        private readonly BatchRunner _runner = new(node.Model, node.Options.BatchSize);
        private readonly Queue<InferenceBatch> _inFlight = new();
        private InferenceBatch? _pending;
        private long _deadline;
        private StageMetrics? _stage, _post;

        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_options.Tensorize == TensorizePlace.Device && context.Device is null)
                throw new MediaGraphException(context.NodeName, "tensorize is Device, but the run opened no device (auto found no GPU): choose cuda or cuda-sim, or tensorize Auto or Host");
            _stage = context.Metrics.AddStage($"inference ({_model.Name}, {_model.ExecutionProvider ?? "?"})");
            _post = context.Metrics.AddStage($"post-processing ({_model.PostProcessor.GetType().Name})");
            return default;
        }

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            var frame = (VideoFrame)item;
            await EmitCompletedAsync(context, wait: false, cancellationToken).ConfigureAwait(false);
            if (_pending is { } other && other.Location != frame.Location)
                await DispatchAsync(context, cancellationToken).ConfigureAwait(false); // a batch's tensor lives in one place
            InferenceBatch batch;
            try
            {
                batch = _pending ??= _runner.Rent(frame, context);
            }
            catch
            {
                frame.Dispose();
                throw;
            }
            try
            {
                batch.Add(input, frame, _runner.Tensorizer(frame, context.NodeName));
            }
            catch
            {
                frame.Dispose();
                throw;
            }
            if (batch.Count == 1)
                _deadline = Stopwatch.GetTimestamp() + (long)(_options.MaxDelay.TotalSeconds * Stopwatch.Frequency);
            if (batch.Count >= _options.BatchSize) await DispatchAsync(context, cancellationToken).ConfigureAwait(false);
            ArmWakeUp(context);
        }

        protected internal override async ValueTask OnWakeUpAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_pending is not null && Stopwatch.GetTimestamp() >= _deadline) await DispatchAsync(context, cancellationToken).ConfigureAwait(false);
            await EmitCompletedAsync(context, wait: false, cancellationToken).ConfigureAwait(false);
            ArmWakeUp(context);
        }

        protected internal override async ValueTask FinishAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (_pending is not null) await DispatchAsync(context, cancellationToken).ConfigureAwait(false);
            await EmitCompletedAsync(context, wait: true, cancellationToken).ConfigureAwait(false);
            context.CancelWakeUp();
        }

        /// <summary>The next wake-up: the pending batch's deadline, or now when an overlapping run has finished. A run
        /// that finishes later asks for its own wake-up (see <see cref="Launch"/>); checking after arming means
        /// neither request is lost.</summary>
        private void ArmWakeUp(NodeContext context)
        {
            if (_pending is not null) context.RequestWakeUp(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
            else context.CancelWakeUp();
            if (_inFlight.TryPeek(out var head) && head.IsDone) context.RequestWakeUp(TimeSpan.Zero);
        }

        private async ValueTask DispatchAsync(NodeContext context, CancellationToken cancellationToken)
        {
            var batch = _pending!;
            _pending = null;
            if (batch.Count == 0) // its first frame failed to go in
            {
                _runner.Return(batch);
                return;
            }
            try
            {
                batch.Complete(); // on this thread, which wrote it: a device batch waits for its kernels (and downloads)
            }
            catch
            {
                _runner.Return(batch);
                throw;
            }
            bool inline;
            if (_options.ParallelRuns == 0)
            {
                // Automatic: nothing queued behind this batch and nothing in flight → run it here, no hand-off
                // (latency); frames queueing → overlap runs, up to the model's automatic limit in
                // flight across every node sharing it (throughput: one run at a time leaves cores idle).
                inline = _inFlight.Count == 0 && context.QueuedInputItems == 0 || _model.AutomaticParallelRuns == 1;
                var limit = _model.AutomaticParallelRuns;
                while (_inFlight.Count > 0 && (inline || _inFlight.Count >= limit || _model.RunsInFlight >= limit))
                    await EmitCompletedAsync(context, wait: true, cancellationToken, one: true).ConfigureAwait(false);
            }
            else
            {
                inline = _options.ParallelRuns == 1;
                while (_inFlight.Count >= _options.ParallelRuns) await EmitCompletedAsync(context, wait: true, cancellationToken, one: true).ConfigureAwait(false);
            }
            if (inline)
            {
                _inFlight.Enqueue(batch); // first: a failed run's frames are released with the queue
                _runner.Run(batch, _stage!, _post!, context.NodeName);
            }
            else
            {
                _inFlight.Enqueue(batch);
                Launch(batch, context);
            }
            await EmitCompletedAsync(context, wait: false, cancellationToken).ConfigureAwait(false);
        }

        private void Launch(InferenceBatch batch, NodeContext context)
        {
            var (stage, post) = (_stage!, _post!);
            batch.Task = Task.Run(() =>
            {
                try { _runner.Run(batch, stage, post, context.NodeName); }
                finally { context.RequestWakeUp(TimeSpan.Zero); } // the node emits it on its own thread
            });
        }

        /// <summary>Emits the finished batches at the head of the queue, in order; with <paramref name="wait"/> waits
        /// for them (all, or <paramref name="one"/>).</summary>
        private async ValueTask EmitCompletedAsync(NodeContext context, bool wait, CancellationToken cancellationToken, bool one = false)
        {
            while (_inFlight.TryPeek(out var batch))
            {
                if (!batch.IsDone)
                {
                    if (!wait) return;
                    await batch.Task!.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                if (batch.Task is { IsFaulted: true } failed) await failed.ConfigureAwait(false); // rethrows the run's failure
                _inFlight.Dequeue();
                try
                {
                    await batch.EmitAsync(context, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _runner.Return(batch);
                }
                if (one) return;
            }
        }

        public override async ValueTask DisposeAsync()
        {
            foreach (var batch in _inFlight)
                if (batch.Task is { } task)
                    try { await task.ConfigureAwait(false); } catch { /* the run's failure was reported, or the run was abandoned */ }
            foreach (var batch in _inFlight) batch.Clear();
            _inFlight.Clear();
            _pending?.Clear();
            _pending = null;
            _runner.Dispose();
        }
    }
}

/// <summary>
/// The buffers and tensorizers of one inference node for one run: batch buffers (pooled: a steady stream allocates
/// none), a tensorizer per input format, and the model run with post-processing of a batch.
/// </summary>
internal sealed class BatchRunner(InferenceModel model, int batchSize) : IDisposable
{
    private readonly List<InferenceBatch> _free = new();
    private readonly List<InferenceBatch> _all = new();
    private readonly Dictionary<(FrameLocation, int, int, int), IFrameTensorizer> _tensorizers = new();
    private bool _saidHowDeviceTensorsAreRead;

    /// <summary>An empty batch whose tensor lives where <paramref name="frame"/> does (pooled). A device batch is
    /// written on the node's stream and read by the model as <see cref="DeviceTensorBatch.ChooseInput"/> says (said
    /// once in the node's log).</summary>
    public InferenceBatch Rent(VideoFrame frame, NodeContext context)
    {
        var location = frame.Location;
        for (var i = _free.Count - 1; i >= 0; i--)
            if (_free[i].Location == location)
            {
                var free = _free[i];
                _free.RemoveAt(i);
                return free;
            }
        DeviceBatchOptions? device = null;
        if (location == FrameLocation.Cuda && frame.Device is null)
            throw new MediaGraphException(context.NodeName, $"{frame} is in CUDA memory that is not on the run's device (an FFmpeg hardware frame MediaGraph does not view): tensorize it on the host (InferOptions.Tensorize = Host)");
        if (location == FrameLocation.Cuda && frame.Device is { } on)
        {
            var input = DeviceTensorBatch.ChooseInput(on.Device, model.ExecutionProvider, model.Options.DeviceId, out var why);
            if (!_saidHowDeviceTensorsAreRead)
            {
                _saidHowDeviceTensorsAreRead = true;
                context.Logger.LogInformation("{Node}: tensorizing {Model}'s input on {Device}; {Why}", context.NodeName, model.Name, on.Device, why);
            }
            device = new DeviceBatchOptions(context.StreamOn(on), input, context.Metrics.CountDownload);
        }
        var batch = new InferenceBatch(FrameTensorizers.CreateBatch(model.Preprocess, location, batchSize, context.NodeName, device));
        _all.Add(batch);
        return batch;
    }

    public void Return(InferenceBatch batch)
    {
        batch.Clear();
        _free.Add(batch);
    }

    /// <summary>The tensorizer for frames like <paramref name="frame"/>: made on a new format, kept for the run.</summary>
    public IFrameTensorizer Tensorizer(VideoFrame frame, string node)
    {
        var key = (frame.Location, frame.Width, frame.Height, frame.Format.Id);
        if (!_tensorizers.TryGetValue(key, out var tensorizer))
            _tensorizers[key] = tensorizer = FrameTensorizers.Create(model.Preprocess, frame, node);
        return tensorizer;
    }

    /// <summary>Runs the model on the batch and post-processes every image (any thread).</summary>
    public void Run(InferenceBatch batch, StageMetrics stage, StageMetrics post, string node)
    {
        var start = Stopwatch.GetTimestamp();
        long ran;
        try
        {
            ran = batch.Run(model);
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidOperationException or ArgumentException)
        {
            stage.RecordError();
            throw new MediaGraphException(node, $"inference with '{model.Path}' on a batch of {batch.Count} failed: {e.Message}", inner: e);
        }
        stage.Record(ran, batch.Count);
        post.Record(Stopwatch.GetTimestamp() - start - ran, batch.Count);
    }

    public void Dispose()
    {
        foreach (var t in _tensorizers.Values) t.Dispose();
        _tensorizers.Clear();
        foreach (var b in _all) b.Dispose();
        _all.Clear();
        _free.Clear();
    }
}

/// <summary>One batch: its input tensor (one image slot per frame, where the frames live), the frames with the input
/// each came on and where it landed in its slot, and the results once run.</summary>
internal sealed class InferenceBatch(TensorBatch tensor) : IDisposable
{
    private readonly int[] _inputs = new int[tensor.Capacity];
    private readonly VideoFrame?[] _frames = new VideoFrame?[tensor.Capacity];
    private readonly Letterbox[] _boxes = new Letterbox[tensor.Capacity];
    private readonly object?[] _results = new object?[tensor.Capacity];
    private readonly ModelOutputs _view = new();
    private volatile bool _done;

    public int Count { get; private set; }
    /// <summary>Where the batch's tensor lives: frames from elsewhere go into another batch.</summary>
    public FrameLocation Location => tensor.Location;
    /// <summary>The run, when it overlaps with the node's own work.</summary>
    public Task? Task { get; set; }
    public bool IsDone => _done || Task is { IsCompleted: true };

    public void Add(int input, VideoFrame frame, IFrameTensorizer tensorizer)
    {
        _boxes[Count] = tensorizer.Write(frame, tensor, Count);
        _inputs[Count] = input;
        _frames[Count] = frame;
        Count++;
    }

    /// <summary>Makes the written images readable by the model (see <see cref="TensorBatch.Complete"/>).</summary>
    public void Complete() => tensor.Complete(Count);

    /// <summary>Runs the model and post-processes; returns the ticks of the model run alone.</summary>
    public long Run(InferenceModel model)
    {
        var ran = model.RunAndPostProcess(tensor.Input(Count), _boxes.AsSpan(0, Count), _results.AsSpan(0, Count), _view);
        _done = true;
        return ran;
    }

    /// <summary>Puts each result on its frame and emits the frames on their outputs, in slot order.</summary>
    public async ValueTask EmitAsync(NodeContext context, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Count; i++)
        {
            var frame = _frames[i]!;
            _frames[i] = null;
            if (_results[i] is { } result) frame.Metadata.SetValue(result);
            _results[i] = null;
            await context.EmitAsync(_inputs[i], frame, cancellationToken).ConfigureAwait(false);
        }
        Count = 0;
    }

    /// <summary>Releases frames not emitted and makes the batch empty.</summary>
    public void Clear()
    {
        for (var i = 0; i < _frames.Length; i++)
        {
            _frames[i]?.Dispose();
            _frames[i] = null;
            _results[i] = null;
        }
        Count = 0;
        Task = null;
        _done = false;
        tensor.Reset();
    }

    public void Dispose()
    {
        Clear();
        tensor.Dispose();
    }
}
