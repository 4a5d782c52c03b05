namespace MediaGraph;

/// <summary>How an inference node batches and runs.</summary>
public sealed class InferOptions
{
    private int _batchSize = 1, _parallelRuns = 1;
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
    /// results still come out in order. Default 1: runs one after another on the node's thread.</summary>
    public int ParallelRuns
    {
        get => _parallelRuns;
        init { ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value); _parallelRuns = value; }
    }
}
