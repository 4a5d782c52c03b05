namespace MediaGraph;

// The JSON form's "read-text": text detection and recognition in one node, the PaddleOCR models referenced by their
// folder, made from the node's parameters and owned by it (loaded at validation, disposed when the run ends). The
// fluent ReadText() is two nodes instead (a batched InferNode, then this node's recognition half).
public sealed partial class RecognizeTextNode
{
    public static readonly NodeDescriptor ReadTextDescriptor = new()
    {
        Kind = "read-text",
        Doc = "Reads the text on every frame with PaddleOCR (PP-OCRv4 detection, orientation, recognition): TextLines ride on the frames.",
        Inputs = [new("in", MediaKind.Video)],
        Outputs = [new("out", MediaKind.Video)],
        Parameters =
        [
            Parameter.String("models", "The folder of the PaddleOCR models (default $MEDIAGRAPH_MODELS, else ~/.cache/mediagraph/models/ocr-models-1.4.2)."),
            Parameter.Int("detWidth", "The text detector's input width (a multiple of 32).", @default: 960, min: 32, rule: v => v % 32 == 0 ? null : "must be a multiple of 32"),
            Parameter.Int("detHeight", "The text detector's input height (a multiple of 32).", @default: 544, min: 32, rule: v => v % 32 == 0 ? null : "must be a multiple of 32"),
            Parameter.Bool("orientation", "Run the 0/180° text-orientation classifier.", @default: true),
            Parameter.Double("minConfidence", "Lines read with a lower confidence are left out.", @default: 0.5, min: 0, max: 1),
            Parameter.Int("threads", "ONNX Runtime threads per run (0: one per core).", @default: 0, min: 0),
            Parameter.Enum("provider", "auto (CUDA when ONNX Runtime has it and a GPU answers, else CPU), cpu or cuda.", ExecutionProviderChoice.Auto,
                ("auto", ExecutionProviderChoice.Auto), ("cpu", ExecutionProviderChoice.Cpu), ("cuda", ExecutionProviderChoice.Cuda)),
        ],
        Create = v => new RecognizeTextNode(v),
    };

    private RecognizeTextNode(ParameterValues values) : base(ReadTextDescriptor, values) => Models = OpenModels(Values); // the resolved values: defaults filled in

    /// <summary>True for the read-text node: it runs the detector itself instead of reading its regions off the frame.</summary>
    private bool Detects => Declaration is not null;

    private static OcrModels OpenModels(ParameterValues v) => OcrModels.Open(v.Get<string?>("models"), new TextReaderOptions
    {
        DetectionWidth = v.Get<int>("detWidth"),
        DetectionHeight = v.Get<int>("detHeight"),
        Orientation = v.Get<bool>("orientation"),
        MinConfidence = (float)v.Get<double>("minConfidence"),
        Inference = new InferenceOptions { IntraOpThreads = v.Get<int>("threads"), Provider = v.Get<ExecutionProviderChoice>("provider") },
    });

    /// <summary>Models the node owns are disposed when the run that loaded them ends, and made afresh for the next.</summary>
    internal override void ReleasePrepared()
    {
        if (!Detects) return;
        Models.Dispose();
        Models = OpenModels(Values);
    }
}
