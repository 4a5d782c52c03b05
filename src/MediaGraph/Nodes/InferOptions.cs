namespace MediaGraph;

/// <summary>Where an inference node turns frames into its model's input tensor.</summary>
public enum TensorizePlace
{
    /// <summary>On the device when the run has one, a CUDA tensorizer is registered and the model runs on the CUDA
    /// execution provider (the tensor never leaves the GPU); else on the host, device frames downloaded before the
    /// node (an NV12 frame is 1.5 bytes a pixel, its float tensor 12 bytes an input pixel: the frame is the smaller
    /// transfer).</summary>
    Auto,
    /// <summary>On the host: device frames are downloaded before the node.</summary>
    Host,
    /// <summary>On the run's device (host frames are uploaded before the node); for a model on the CPU execution
    /// provider the finished tensor is downloaded (counted in the node's device→host bytes). Needs a run with a
    /// device: a graph on the CPU fails validation naming the node.</summary>
    Device,
}

/// <summary>How an inference node batches and runs.</summary>
public sealed class InferOptions
{
    private int _batchSize = 1, _parallelRuns;
    private TimeSpan _maxDelay = TimeSpan.FromMilliseconds(20);

    /// <summary>Frames per model run, at most (from any of the node's inputs). A batch goes when it is full or when
    /// <see cref="MaxDelay"/> has passed since its first frame, whichever is first. Default 1.</summary>
    public int BatchSize
    {
        get => _batchSize;
        init { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); _batchSize = value; }
    }

    /// <summary>How long a partial batch may wait for more frames (a deadline wake-up, not polling). Default 20 ms.</summary>
    public TimeSpan MaxDelay
    {
        get => _maxDelay;
        init { ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero); _maxDelay = value; }
    }

    /// <summary>Where frames become the model's input tensor (default <see cref="TensorizePlace.Auto"/>).</summary>
    public TensorizePlace Tensorize { get; init; }

    /// <summary>Model runs of this node that may be in flight at once (the next batch is prepared while one runs);
    /// results still come out in order. 1: runs one after another on the node's thread; N &gt; 1: up to N at once.
    /// 0 (default), automatic: on the CPU a batch with nothing queued behind it runs at once on the node's thread (no
    /// hand-off), and when frames queue behind the node
    /// (it is the bottleneck) runs overlap, up to one per core in flight for the model across all the nodes and
    /// graphs that share it (<see cref="InferenceModel.AutomaticParallelRuns"/>). Why: a second ONNX Runtime thread
    /// inside one run buys little on this kind of model, while runs side by side keep every core computing: on a
    /// quiet 2-core machine one process ran decode → PP-OCRv4 detection of 2 streams at 28.2 frames/s with this
    /// default, 22.7 one run at a time of 2 threads (README "Across processes"; see also
    /// <see cref="InferenceOptions.IntraOpThreads"/>). On CUDA automatic means 1 (overlap not measured there).</summary>
    public int ParallelRuns
    {
        get => _parallelRuns;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); _parallelRuns = value; }
    }
}
