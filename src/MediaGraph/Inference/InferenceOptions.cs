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
    /// <summary>Threads one run may use inside an operator; 0 = ONNX Runtime's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }
    /// <summary>Threads for running independent operators at once; 0 = ONNX Runtime's default (runs them one by one).</summary>
    public int InterOpThreads { get; init; }
    /// <summary>CPU, CUDA, or CUDA when available (default).</summary>
    public ExecutionProviderChoice Provider { get; init; } = ExecutionProviderChoice.Auto;
    /// <summary>The CUDA device for the CUDA execution provider.</summary>
    public int DeviceId { get; init; }
    /// <summary>Let ONNX Runtime's CPU threads spin between runs waiting for the next one (its own default). Default
    /// false here: in a pipeline the same cores decode, scale and encode, and spinning threads take CPU from them and
    /// from the other graphs of the process (ONNX Runtime's threading guidance for shared CPUs). Not measured here:
    /// the benchmark machine was too loaded to tell the difference apart from noise.</summary>
    public bool AllowSpinning { get; init; }
    /// <summary>Run the model once at load so the first frame does not pay for ONNX Runtime's lazy set-up (default true).</summary>
    public bool WarmUp { get; init; } = true;
}
