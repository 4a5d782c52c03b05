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
    /// results still come out in order. 1: runs one after another on the node's thread. 0 (default): chosen per
    /// batch from the cores and the queue: on the CPU, a batch with nothing queued behind it runs on the node's
    /// thread with all of the session's threads (latency: PP-OCRv4 detection at 960x544 took 103 ms with one
    /// thread, 60 ms with two on a quiet 2-core machine), and when frames queue behind it (the node is the
    /// bottleneck) runs overlap, up to one per core in flight for the model across all the nodes that share it
    /// (throughput: one run at a time left a core idle in the operators ONNX Runtime runs on one thread: 22.0
    /// frames/s against 24.4 with a run per core, see README "Across processes"). On CUDA, 0 means 1 (not measured
    /// there).</summary>
    public int ParallelRuns
    {
        get => _parallelRuns;
        init { ArgumentOutOfRangeException.ThrowIfNegative(value); _parallelRuns = value; }
    }
}
