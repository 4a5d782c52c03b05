namespace MediaGraph;

/// <summary>Where a model runs.</summary>
public enum ExecutionProviderChoice
{
    /// <summary>CUDA when the app brought ONNX Runtime's GPU package and a GPU answers, else the CPU (logged once).</summary>
    Auto,
    /// <summary>The CPU.</summary>
    Cpu,
    /// <summary>CUDA or fail: loading the model reports why CUDA is not there.</summary>
    Cuda,
}

/// <summary>How an <see cref="InferenceModel"/> builds its ONNX Runtime session.</summary>
public sealed class InferenceOptions
{
    /// <summary>Threads one run may use inside an operator; 0 = ONNX Runtime's default (one per physical core). Runs
    /// in flight at once share these threads; the Infer node overlaps runs when frames queue behind it
    /// (<see cref="InferOptions.ParallelRuns"/>), which keeps the cores busy where one run at a time cannot: with
    /// spinning off, ONNX Runtime wakes its pool threads for each of the detector's ~400 operators, and the calling
    /// thread spent 83 ms of a 252 ms run handing work out and 24 ms waiting for it (<c>-- ort-profile</c>, loaded
    /// 2-core machine), time in which a second run computes.</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Threads for running independent operators at once; 0 = ONNX Runtime's default (runs them one by one).</summary>
    public int InterOpThreads { get; init; }
    /// <summary>CPU, CUDA, or CUDA when available (default).</summary>
    public ExecutionProviderChoice Provider { get; init; } = ExecutionProviderChoice.Auto;
    /// <summary>The CUDA device for the CUDA execution provider.</summary>
    public int DeviceId { get; init; }
    /// <summary>Let ONNX Runtime's CPU threads spin between runs waiting for the next one (its own default). Default
    /// false here: in a pipeline the same cores decode, scale and encode, and spinning threads take CPU from them and
    /// from the other graphs of the process (ONNX Runtime's threading guidance for shared CPUs). Measured on a shared
    /// 2-core machine (PP-OCRv4 detection at 960x544, <c>MediaGraph.Benchmarks -- ort-threads</c>, load 19–20):
    /// spinning took 133–145 ms of CPU per frame against 88–98 without; <c>-- ort-profile</c> (load 41–44): a run
    /// took 574 ms against 252 ms without, the spinning pool thread holding the core the run needed.</summary>
    public bool AllowSpinning { get; init; }
    /// <summary>Run the model once at load so the first frame does not pay for ONNX Runtime's lazy set-up (default true).</summary>
    public bool WarmUp { get; init; } = true;
}
