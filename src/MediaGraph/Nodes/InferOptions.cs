namespace MediaGraph;

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

    /// <summary>Model runs of this node that may be in flight at once (the next batch is prepared while one runs);
    /// results still come out in order. 1: runs one after another on the node's thread; N &gt; 1: up to N at once.
    /// 0 (default), automatic: on the CPU a batch with nothing queued behind it runs at once on the node's thread with
    /// all of the session's threads (the lowest latency for a lone frame), and when frames queue behind the node
    /// (it is the bottleneck) runs overlap, up to one per core in flight for the model across all the nodes and
    /// graphs that share it (<see cref="InferenceModel.AutomaticParallelRuns"/>). Why: one run at a time with one
    /// ONNX Runtime thread per core leaves cores idle between and inside its ~400 operators (waking the pool's
    /// threads, waiting for their share; see <see cref="InferenceOptions.IntraOpThreads"/>): on a quiet 2-core
    /// machine one process ran PP-OCRv4 detection at 22.0 frames/s one run at a time, 24.4 with a run per core
    /// (README, "Across processes"). On CUDA automatic means 1 (overlap not measured there).</summary>
    public int ParallelRuns
    {
        get => _parallelRuns;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); _parallelRuns = value; }
    }
}
