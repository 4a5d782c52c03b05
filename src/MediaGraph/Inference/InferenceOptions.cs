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
    /// <summary>Threads one run may use inside an operator; 0 = automatic: one on the CPU execution provider (the Infer
    /// node overlaps runs, one per core, when frames queue: <see cref="InferenceModel.AutomaticParallelRuns"/>), ONNX
    /// Runtime's default on CUDA. Runs in flight at once share the model's one session and its threads. Why one: on a
    /// quiet 2-core machine (PP-OCRv4 detection at 960x544, <c>MediaGraph.Benchmarks -- ort-threads</c>) one run
    /// of 2 threads took 59 ms and 85 ms of CPU per frame, one of 1 thread 65 ms and 65 ms of CPU; two 1-thread runs
    /// side by side gave 28.3 frames/s at 69 ms of CPU per frame against 16.9 for one 2-thread run at a time and 23.3
    /// for two 2-thread runs. A lone frame pays ~10% (65 against 59 ms here; more on a machine of many cores): an app
    /// that wants the lowest latency for frames that never queue sets this to its cores.</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Threads for running independent operators at once; 0 = ONNX Runtime's default (runs them one by one).</summary>
    public int InterOpThreads { get; init; }
    /// <summary>CPU, CUDA, or CUDA when available (default).</summary>
    public ExecutionProviderChoice Provider { get; init; } = ExecutionProviderChoice.Auto;
    /// <summary>The CUDA device for the CUDA execution provider.</summary>
    public int DeviceId { get; init; }
    /// <summary>Let ONNX Runtime's CPU threads spin between runs waiting for the next one (its own default). Default
    /// false here: in a pipeline the same cores decode, scale and encode, and spinning threads take CPU from them and
    /// from the other graphs of the process (ONNX Runtime's threading guidance for shared CPUs). Measured on a 2-core
    /// machine (PP-OCRv4 detection at 960x544, <c>MediaGraph.Benchmarks -- ort-threads</c>): quiet, spinning made a
    /// 2-thread run 52 ms instead of 59 ms but took 102 ms of CPU per frame instead of 85; loaded (load 19–20), 133–145
    /// ms of CPU per frame against 88–98, and (<c>-- ort-profile</c>, load 41–44) a run took 574 ms against 252 ms,
    /// the spinning thread holding the core the run needed.</summary>
    public bool AllowSpinning { get; init; }
    /// <summary>Run the model once at load so the first frame does not pay for ONNX Runtime's lazy set-up (default true).</summary>
    public bool WarmUp { get; init; } = true;
}
