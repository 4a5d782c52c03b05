using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MediaGraph;

/// <summary>
/// An ONNX model loaded once and shared (BMF's pre_module): one ONNX Runtime session, the
/// <see cref="PreprocessSpec"/> that makes its input from frames, and the <see cref="PostProcessor"/> that makes
/// results of its outputs. Any number of nodes in any number of graphs may use it at once: runs are thread-safe
/// (ONNX Runtime's <c>Run</c> is) and each caller brings its own input buffer.
/// </summary>
/// <remarks>
/// Making it is cheap and checks nothing; the session is created by <see cref="Load"/>, or by the validation of the
/// first graph that uses it (so a bad file is a validation problem naming the node and the file, never a mid-run
/// failure), then warmed up with one run. The execution provider is chosen then and said in one log line: CUDA when
/// asked for or available (the app references <c>Microsoft.ML.OnnxRuntime.Gpu</c> and a GPU answers), else the CPU,
/// with the reason. The app owns the model and disposes it after the graphs that use it have run.
/// </remarks>
public sealed class InferenceModel : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly ILogger _logger;
    private InferenceSession? _session;
    private RunOptions? _runOptions;
    private string? _problem;
    private int _sessionsCreated;
    private int _runsInFlight;
    private bool _disposed;
    private string[] _inputNames = [], _outputNames = [];

    /// <summary>A model from <paramref name="path"/> (loaded on first use, see <see cref="Load"/>).</summary>
    public InferenceModel(string path, PreprocessSpec preprocess, PostProcessor postProcessor, InferenceOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(preprocess);
        ArgumentNullException.ThrowIfNull(postProcessor);
        Path = path;
        Preprocess = preprocess;
        PostProcessor = postProcessor;
        Options = options ?? new InferenceOptions();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The .onnx file.</summary>
    public string Path { get; }
    public PreprocessSpec Preprocess { get; }
    public PostProcessor PostProcessor { get; }
    public InferenceOptions Options { get; }

    /// <summary>Sessions this model created: 1 once loaded, however many nodes, graphs and runs in flight use it.</summary>
    public int SessionsCreated => Volatile.Read(ref _sessionsCreated);

    /// <summary>"CPU" or "CUDA" once loaded; null before.</summary>
    public string? ExecutionProvider { get; private set; }

    /// <summary>True when the model runs (once loaded) or will run (before: CUDA asked for or allowed, and this ONNX
    /// Runtime has the CUDA execution provider) on the CUDA execution provider: the inference node then takes device
    /// frames and hands it the tensor in device memory.</summary>
    public bool RunsOnCuda => ExecutionProvider is { } provider ? provider == "CUDA" : Options.Provider != ExecutionProviderChoice.Cpu && CudaProviderBuilt;

    /// <summary>This process's ONNX Runtime has the CUDA execution provider (the app references
    /// Microsoft.ML.OnnxRuntime.Gpu); false when the native library is missing.</summary>
    public static bool CudaProviderBuilt => CudaBuilt.Value;

    private static readonly Lazy<bool> CudaBuilt = new(() =>
    {
        try { return OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider"); }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException or OnnxRuntimeException) { return false; }
    });

    /// <summary>The model's image input and its outputs (after load).</summary>
    public string InputName => _inputNames.Length > 0 ? _inputNames[0] : throw NotLoaded();
    public IReadOnlyList<string> OutputNames => _session is not null ? _outputNames : throw NotLoaded();

    /// <summary>The file name, for messages and the metrics summary.</summary>
    public string Name => System.IO.Path.GetFileName(Path);

    /// <summary>Creates the session (once; later calls return at once), checks the model against the spec and the
    /// post-processor, and warms it up. Throws an <see cref="InvalidOperationException"/> that names the file and
    /// says what is wrong; the same problem is reported by every later call and by graph validation.</summary>
    public void Load()
    {
        if (TryLoad() is { } problem) throw new InvalidOperationException(problem);
    }

    /// <summary><see cref="Load"/>, returning the problem instead of throwing (graph validation).</summary>
    internal string? TryLoad()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_session is not null || _problem is not null) return _problem;
            _problem = LoadCore();
            return _problem;
        }
    }

    private string? LoadCore()
    {
        if (!File.Exists(Path)) return $"model file '{Path}' does not exist";
        InferenceSession session;
        try
        {
            session = CreateSession(out var provider, out var why);
            ExecutionProvider = provider;
            _logger.LogInformation("inference model {Model}: {Provider} execution provider ({Why})", Name, provider, why);
        }
        catch (OnnxRuntimeException e)
        {
            return $"'{Path}' is not an ONNX model that ONNX Runtime can load: {FirstLine(e.Message)}";
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or EntryPointNotFoundException)
        {
            return "ONNX Runtime's native library is missing or too old: the app must reference Microsoft.ML.OnnxRuntime (CPU) " +
                   $"or Microsoft.ML.OnnxRuntime.Gpu (CUDA), version 1.31 or later ({FirstLine((e.InnerException ?? e).Message)})";
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }
        Interlocked.Increment(ref _sessionsCreated);
        var problem = Check(session);
        if (problem is null && Options.WarmUp) problem = WarmUp(session);
        if (problem is not null)
        {
            session.Dispose();
            return problem;
        }
        _inputNames = [session.InputNames[0]];
        _outputNames = [.. session.OutputNames];
        _runOptions = new RunOptions();
        _session = session;
        return null;
    }

    private InferenceSession CreateSession(out string provider, out string why)
    {
        var cudaBuilt = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");
        if (Options.Provider != ExecutionProviderChoice.Cpu && cudaBuilt)
        {
            try
            {
                using var cuda = CreateOptions();
                cuda.AppendExecutionProvider_CUDA(Options.DeviceId);
                var session = new InferenceSession(Path, cuda);
                provider = "CUDA";
                why = Options.Provider == ExecutionProviderChoice.Cuda ? $"asked for, device {Options.DeviceId}" : $"available, device {Options.DeviceId}";
                return session;
            }
            catch (OnnxRuntimeException e) when (Options.Provider == ExecutionProviderChoice.Auto && !IsModelProblem(e))
            {
                why = $"CUDA execution provider failed to start: {FirstLine(e.Message)}";
            }
            catch (OnnxRuntimeException e) when (!IsModelProblem(e))
            {
                throw new InvalidOperationException($"model '{Path}' asked for CUDA, which failed to start: {FirstLine(e.Message)}");
            }
        }
        else if (Options.Provider == ExecutionProviderChoice.Cuda)
            throw new InvalidOperationException($"model '{Path}' asked for CUDA, but this ONNX Runtime has no CUDA execution provider: " +
                                                "reference Microsoft.ML.OnnxRuntime.Gpu instead of Microsoft.ML.OnnxRuntime");
        else
            why = Options.Provider == ExecutionProviderChoice.Cpu
                ? "asked for"
                : "this ONNX Runtime has no CUDA execution provider; reference Microsoft.ML.OnnxRuntime.Gpu for it";
        // One ONNX Runtime thread a run on the CPU unless the app says otherwise: the Infer node overlaps runs, one
        // per core, when frames queue (InferenceOptions.IntraOpThreads says what was measured).
        using var cpu = CreateOptions(intraOpThreads: Options.IntraOpThreads > 0 ? 0 : 1);
        provider = "CPU";
        return new InferenceSession(Path, cpu);
    }

    private SessionOptions CreateOptions(int intraOpThreads = 0)
    {
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        var spin = Options.AllowSpinning ? "1" : "0";
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        options.AddSessionConfigEntry("session.inter_op.allow_spinning", spin);
        if ((intraOpThreads > 0 ? intraOpThreads : Options.IntraOpThreads) is var threads && threads > 0) options.IntraOpNumThreads = threads;
        if (Options.InterOpThreads > 0)
        {
            options.InterOpNumThreads = Options.InterOpThreads;
            options.ExecutionMode = ExecutionMode.ORT_PARALLEL;
        }
        return options;
    }

    private static bool IsModelProblem(OnnxRuntimeException e) => e.Message.Contains("Protobuf", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("INVALID_GRAPH", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("NO_SUCHFILE", StringComparison.OrdinalIgnoreCase)
        || e.Message.Contains("InvalidProtobuf", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model's first input must be a float image tensor that the spec's layout and size fit.</summary>
    private string? Check(InferenceSession session)
    {
        if (session.InputMetadata.Count == 0 || session.OutputMetadata.Count == 0) return $"model '{Path}' has no inputs or no outputs";
        var (name, input) = session.InputMetadata.First();
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
            return $"model '{Path}' input '{name}' is {(input.IsTensor ? input.ElementDataType.ToString().ToLowerInvariant() : "not a tensor")}; the preprocessing spec makes float tensors";
        var dims = input.Dimensions;
        var expected = Preprocess.Layout == TensorLayout.Nchw ? "[batch, 3, height, width]" : "[batch, height, width, 3]";
        if (dims.Length != 4)
            return $"model '{Path}' input '{name}' has rank {dims.Length} ({Shape(dims)}); the preprocessing spec makes rank-4 {Preprocess.Layout.ToString().ToUpperInvariant()} images {expected}";
        var (c, h, w) = Preprocess.Layout == TensorLayout.Nchw ? (dims[1], dims[2], dims[3]) : (dims[3], dims[1], dims[2]);
        if (c > 0 && c != 3 || h > 0 && h != Preprocess.Height || w > 0 && w != Preprocess.Width)
            return $"model '{Path}' input '{name}' is {Shape(dims)}; the preprocessing spec makes {Preprocess.Layout.ToString().ToUpperInvariant()} {Shape(Preprocess.Shape(-1).Select(d => (int)d).ToArray())} ({expected})";
        return PostProcessor.Validate(session.OutputMetadata) is { } problem ? $"model '{Path}': {problem}" : null;
    }

    private static string Shape(int[] dims) => "[" + string.Join(", ", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    private string? WarmUp(InferenceSession session)
    {
        try
        {
            var zeros = new float[Preprocess.ImageLength];
            using var input = OrtValue.CreateTensorValueFromMemory(zeros, Preprocess.Shape(1));
            using var options = new RunOptions();
            using var outputs = session.Run(options, [session.InputNames[0]], [input], session.OutputNames);
            return null;
        }
        catch (OnnxRuntimeException e)
        {
            return $"model '{Path}' fails on a {Shape(Preprocess.Shape(1).Select(d => (int)d).ToArray())} input made by its preprocessing spec: {FirstLine(e.Message)}";
        }
    }

    /// <summary>Runs the model on <paramref name="input"/> (a float tensor of the spec's layout; host memory, or
    /// device memory on CUDA). Thread-safe; the caller disposes the outputs.</summary>
    public IDisposableReadOnlyCollection<OrtValue> Run(OrtValue input)
    {
        var session = _session ?? throw NotLoaded();
        Interlocked.Increment(ref _runsInFlight);
        try
        {
            return session.Run(_runOptions, _inputNames, [input], _outputNames);
        }
        finally
        {
            Interlocked.Decrement(ref _runsInFlight);
        }
    }

    /// <summary>Runs of this model under way right now, from every node and graph that shares it.</summary>
    public int RunsInFlight => Volatile.Read(ref _runsInFlight);

    /// <summary>Runs in flight at once that the Infer nodes sharing this model aim for at most when their
    /// <see cref="InferOptions.ParallelRuns"/> is 0 (automatic) and frames queue: one per core on the CPU, 1 on
    /// CUDA (overlap not measured there). 1 before the model is loaded.</summary>
    public int AutomaticParallelRuns => ExecutionProvider == "CPU" ? Math.Max(1, Environment.ProcessorCount) : 1;

    /// <summary>Runs the model on <paramref name="input"/> and post-processes each image: <paramref name="boxes"/>
    /// gives each image's letterbox, <paramref name="results"/> receives one result per image. Returns the
    /// <see cref="System.Diagnostics.Stopwatch"/> ticks the model run alone took.</summary>
    internal long RunAndPostProcess(OrtValue input, ReadOnlySpan<Letterbox> boxes, Span<object?> results, ModelOutputs view)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        using var outputs = Run(input);
        var ran = System.Diagnostics.Stopwatch.GetTimestamp() - start;
        for (var i = 0; i < boxes.Length; i++)
        {
            view.Set(_outputNames, outputs, i);
            results[i] = PostProcessor.Process(view, boxes[i]);
        }
        return ran;
    }

    private InvalidOperationException NotLoaded() => new($"model '{Path}' is not loaded{(_problem is null ? "" : $": {_problem}")}; call Load() or run it in a graph");

    private static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length > 300 ? line[..300] + "…" : line;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _session?.Dispose();
            _runOptions?.Dispose();
            _session = null;
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({ExecutionProvider ?? "not loaded"})";
}
