namespace MediaGraph;

// The JSON form's "infer": a model referenced by its path, with a built-in post-processor, made from the node's
// parameters and owned by the node (loaded at validation, disposed when the run ends; the next run loads it again).
public sealed partial class InferNode
{
    public static readonly NodeDescriptor Descriptor = new()
    {
        Kind = "infer",
        Doc = "Runs an ONNX model on every frame with a built-in post-processor; the results ride on the frames.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.String("model", "The .onnx file (relative to the current directory).", required: true),
            Parameter.Choice("post", "Post-processing: text-detect (DB, PP-OCR det), text-recognize (CTC, PP-OCR rec; needs keys), classify (softmax top-k).",
                "text-detect", "text-detect", "text-recognize", "classify"),
            Parameter.String("keys", "text-recognize: the key file, one character per line (ppocr_keys_v1.txt)."),
            Parameter.String("labels", "classify: a file with one label per class."),
            Parameter.Int("top", "classify: classes kept per frame.", @default: 5, min: 1),
            Parameter.Int("width", "The model's input width (0: per post: 960 text-detect, 320 text-recognize, 224 classify).", @default: 0, min: 0),
            Parameter.Int("height", "The model's input height (0: per post: 544 text-detect, 48 text-recognize, 224 classify).", @default: 0, min: 0),
            Parameter.Bool("bgr", "classify: the model takes BGR (default RGB with ImageNet mean and std)."),
            Parameter.Int("batch", "Frames per model run, at most.", @default: 1, min: 1),
            Parameter.Double("maxDelayMs", "How long a partial batch waits for more frames, in milliseconds.", @default: 20, min: 0),
            Parameter.Int("parallelRuns", "Model runs in flight at once (results stay in order).", @default: 1, min: 1),
            Parameter.Int("threads", "ONNX Runtime threads per run (0: one per core).", @default: 0, min: 0),
            Parameter.Enum("provider", "auto (CUDA when ONNX Runtime has it and a GPU answers, else CPU), cpu or cuda.", ExecutionProviderChoice.Auto,
                ("auto", ExecutionProviderChoice.Auto), ("cpu", ExecutionProviderChoice.Cpu), ("cuda", ExecutionProviderChoice.Cuda)),
            Parameter.Enum("tensorize", "Where frames become the input tensor: auto (on the device when the model runs on CUDA), host (device frames downloaded first) or device (needs a run with a device).",
                TensorizePlace.Auto, ("auto", TensorizePlace.Auto), ("host", TensorizePlace.Host), ("device", TensorizePlace.Device)),
        ],
        Rule = v => v.Get<string>("post") == "text-recognize" && string.IsNullOrWhiteSpace(v.Get<string?>("keys"))
            ? "post text-recognize needs 'keys' (the model's key file)" : null,
        Create = v => new InferNode(v),
    };

    private InferNode(ParameterValues values) : base(Descriptor, values)
    {
        Model = CreateModel(Values); // the resolved values: defaults filled in
        Options = new InferOptions
        {
            BatchSize = Values.Get<int>("batch"),
            MaxDelay = TimeSpan.FromMilliseconds(Values.Get<double>("maxDelayMs")),
            ParallelRuns = Values.Get<int>("parallelRuns"),
            Tensorize = Values.Get<TensorizePlace>("tensorize"),
        };
    }

    /// <summary>True when the node made its model from its parameters (the JSON form) and so disposes it.</summary>
    private bool OwnsModel => Declaration is not null;

    private static InferenceModel CreateModel(ParameterValues v)
    {
        var post = v.Get<string>("post");
        int width = v.Get<int>("width"), height = v.Get<int>("height");
        PostProcessor processor = post switch
        {
            "text-detect" => new DbTextDetector(),
            "text-recognize" => new CtcDecoder(v.Get<string>("keys")),
            _ => new SoftmaxClassifier(v.Get<int>("top"), v.Get<string?>("labels") is { } file && File.Exists(file) ? File.ReadAllLines(file).Select(l => l.Trim()).ToArray() : []),
        };
        var spec = post switch
        {
            "text-detect" => PreprocessSpec.PaddleTextDetection(width > 0 ? width : 960, height > 0 ? height : 544),
            "text-recognize" => PreprocessSpec.PaddleTextRecognition(width > 0 ? width : 320),
            _ => new PreprocessSpec(width > 0 ? width : 224, height > 0 ? height : 224, keepAspect: false,
                v.Get<bool>("bgr") ? ColorOrder.Bgr : ColorOrder.Rgb, mean: [0.485f, 0.456f, 0.406f], std: [0.229f, 0.224f, 0.225f]),
        };
        return new InferenceModel(v.Get<string>("model"), spec, processor,
            new InferenceOptions { IntraOpThreads = v.Get<int>("threads"), Provider = v.Get<ExecutionProviderChoice>("provider") });
    }

    /// <summary>What is wrong with the files the parameters name, beyond the model (which loads at validation).</summary>
    private string? FileProblem()
        => OwnsModel && Values.Get<string>("post") == "classify" && Values.Get<string?>("labels") is { Length: > 0 } labels && !File.Exists(labels)
            ? $"the labels file '{labels}' does not exist"
            : null;

    /// <summary>A model the node owns is disposed when the run that loaded it ends, and made afresh for the next.</summary>
    internal override void ReleasePrepared()
    {
        if (!OwnsModel) return;
        Model.Dispose();
        Model = CreateModel(Values);
    }
}
