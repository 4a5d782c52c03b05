using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// The second half of <c>ReadText()</c>: for each frame carrying <see cref="TextDetections"/> (from an
/// <see cref="InferNode"/> running the detector), cuts every region out of the frame rectified (a perspective crop),
/// turns the ones the orientation classifier finds upside down, recognises them in batches (PaddleOCR's recogniser
/// input: height 48, as wide as the widest crop of the batch, at least 320) and puts <see cref="TextLines"/> on the
/// frame, in reading order, leaving out lines read with less than <see cref="TextReaderOptions.MinConfidence"/>.
/// The detections are replaced by the lines. Emits each frame as it comes, after its text was read; frames without
/// detections pass with empty lines. Host
/// frames only. The models load at graph validation.
/// </summary>
public sealed partial class RecognizeTextNode : Node
{
    public RecognizeTextNode(OcrModels models)
    {
        ArgumentNullException.ThrowIfNull(models);
        Models = models;
        AddInput(MediaKind.Video, "in");
        AddOutput(MediaKind.Video, "out");
    }

    /// <summary>The models (for a read-text node read from JSON, ones it made from its parameters and owns).</summary>
    public OcrModels Models { get; private set; }

    /// <inheritdoc />
    public override string Kind => Declaration?.Kind ?? "recognize-text";

    /// <inheritdoc />
    public override IReadOnlyDictionary<string, string> DescribeOptions() => Declaration is not null ? base.DescribeOptions() : new Dictionary<string, string>
    {
        ["model"] = Models.Recognizer.Name,
        ["orientation"] = Models.Options.Orientation ? Models.Orientation.Name : "off",
    };

    /// <inheritdoc />
    protected internal override void Validate(ValidationContext context)
    {
        if (Detects && Models.Detector.TryLoad() is { } det) context.Problem(this, det);
        if (Models.Recognizer.TryLoad() is { } problem) context.Problem(this, problem);
        if (Models.Options.Orientation && Models.Orientation.TryLoad() is { } cls) context.Problem(this, cls);
    }

    /// <inheritdoc />
    protected internal override NodeInstance CreateInstance() => new Instance(Models, Detects);

    private sealed class Instance(OcrModels models, bool detects) : NodeInstance
    {
        private const int MaxWidth = 48 * 40; // PaddleOCR caps the recogniser's width at 3200; a 40:1 line is plenty
        private readonly TextReaderOptions _options = models.Options;
        private readonly CtcDecoder _ctc = (CtcDecoder)models.Recognizer.PostProcessor;
        private readonly ModelOutputs _view = new();
        private HostBgrImage? _image;
        private float[] _rec = [], _cls = [];
        private StageMetrics? _recStage, _clsStage, _detStage;
        private TensorBatch? _detBatch;
        private IFrameTensorizer? _detTensorizer;
        private (int Width, int Height, int Format) _detFormat;
        private readonly object?[] _detResult = new object?[1];

        protected internal override ValueTask StartAsync(NodeContext context, CancellationToken cancellationToken)
        {
            if (detects) _detStage = context.Metrics.AddStage($"inference ({models.Detector.Name}, {models.Detector.ExecutionProvider ?? "?"})");
            _recStage = context.Metrics.AddStage($"recognition ({models.Recognizer.Name}, {models.Recognizer.ExecutionProvider ?? "?"})", "crops");
            if (_options.Orientation) _clsStage = context.Metrics.AddStage($"orientation ({models.Orientation.Name})", "crops");
            return default;
        }

        protected internal override async ValueTask ProcessAsync(NodeContext context, int input, MediaItem item, CancellationToken cancellationToken)
        {
            var frame = (VideoFrame)item;
            try
            {
                if (detects) frame.Metadata.Set(Detect(frame, context.NodeName));
                var lines = frame.Metadata.TryGet<TextDetections>(out var found) && found.Regions.Count > 0
                    ? Read(frame, found.Regions, context.NodeName)
                    : [];
                frame.Metadata.Set(new TextLines(lines));
                frame.Metadata.Remove<TextDetections>(); // the lines carry their polygons and scores
            }
            catch
            {
                frame.Dispose();
                throw;
            }
            await context.EmitAsync(0, frame, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Runs the text detector on the frame (one frame a run: the read-text node of the JSON form).</summary>
        private TextDetections Detect(VideoFrame frame, string node)
        {
            var model = models.Detector;
            var format = (frame.Width, frame.Height, frame.Format.Id);
            if (_detTensorizer is null || _detFormat != format || _detBatch!.Location != frame.Location)
            {
                _detTensorizer?.Dispose();
                _detTensorizer = null;
                _detBatch?.Dispose();
                _detBatch = FrameTensorizers.CreateBatch(model.Preprocess, frame.Location, 1, node);
                _detTensorizer = FrameTensorizers.Create(model.Preprocess, frame, node);
                _detFormat = format;
            }
            Span<Letterbox> boxes = [_detTensorizer.Write(frame, _detBatch, 0)];
            long ran;
            try
            {
                _detBatch.Complete(1);
                ran = model.RunAndPostProcess(_detBatch.Input(1), boxes, _detResult, _view);
            }
            catch (OnnxRuntimeException e)
            {
                _detStage!.RecordError();
                throw new MediaGraphException(node, $"inference with '{model.Path}' failed: {e.Message}", inner: e);
            }
            _detStage!.Record(ran, 1);
            var found = (TextDetections)_detResult[0]!;
            _detResult[0] = null;
            return found;
        }

        private List<TextLine> Read(VideoFrame frame, IReadOnlyList<TextRegion> regions, string node)
        {
            if (frame.Location != FrameLocation.Host) throw new MediaGraphException(node, $"text recognition reads host frames, not {frame.Location} ones; download them first");
            if (_image is null || _image.Width != frame.Width || _image.Height != frame.Height)
            {
                _image?.Dispose();
                _image = null;
                _image = new HostBgrImage(frame, node);
            }
            var bgr = _image.Convert(frame);
            var quads = new PointF32[regions.Count][];
            for (var i = 0; i < regions.Count; i++)
            {
                var q = regions[i].Polygon.ToArray();
                var (w, h) = TextCrop.Size(q);
                quads[i] = h >= 1.5f * w ? [q[1], q[2], q[3], q[0]] : q; // a vertical line is read turned (np.rot90)
            }
            var rotated = new bool[regions.Count];
            if (_options.Orientation) Orient(bgr, quads, rotated, node);
            var texts = new (string Text, float Confidence)[regions.Count];
            Recognize(bgr, quads, texts, node);
            var lines = new List<TextLine>(regions.Count);
            for (var i = 0; i < regions.Count; i++)
                if (texts[i].Confidence >= _options.MinConfidence && texts[i].Text.Length > 0)
                    lines.Add(new TextLine(regions[i].Polygon, regions[i].Score, texts[i].Text, texts[i].Confidence, rotated[i]));
            return lines;
        }

        private void Orient(ReadOnlySpan<byte> bgr, PointF32[][] quads, bool[] rotated, string node)
        {
            var model = models.Orientation;
            var spec = model.Preprocess;
            for (var start = 0; start < quads.Length; start += _options.RecognitionBatch)
            {
                var n = Math.Min(_options.RecognitionBatch, quads.Length - start);
                Ensure(ref _cls, n * spec.ImageLength);
                for (var i = 0; i < n; i++)
                    TextCrop.Write(bgr, _image!.Pitch, _image.Width, _image.Height, quads[start + i], spec, spec.Width, _cls.AsSpan(i * spec.ImageLength, spec.ImageLength));
                var results = new object?[n];
                Run(model, _cls, spec.Shape(n), n, results, _clsStage!, node);
                for (var i = 0; i < n; i++)
                {
                    var top = ((Classification)results[i]!).Top[0];
                    if (top.Label == "180" && top.Score > _options.OrientationThreshold)
                    {
                        var q = quads[start + i];
                        quads[start + i] = [q[2], q[3], q[0], q[1]];
                        rotated[start + i] = true;
                    }
                }
            }
        }

        private void Recognize(ReadOnlySpan<byte> bgr, PointF32[][] quads, (string, float)[] texts, string node)
        {
            var model = models.Recognizer;
            var spec = model.Preprocess;
            // As PaddleOCR: crops sorted by aspect ratio, so each batch's width fits its crops closely.
            var order = Enumerable.Range(0, quads.Length).OrderBy(i => { var (w, h) = TextCrop.Size(quads[i]); return w / Math.Max(h, 1); }).ToArray();
            for (var start = 0; start < order.Length; start += _options.RecognitionBatch)
            {
                var n = Math.Min(_options.RecognitionBatch, order.Length - start);
                var ratio = (float)spec.Width / spec.Height;
                for (var i = 0; i < n; i++) { var (w, h) = TextCrop.Size(quads[order[start + i]]); ratio = Math.Max(ratio, w / Math.Max(h, 1)); }
                var width = Math.Min(MaxWidth, (int)(spec.Height * ratio));
                var image = 3 * spec.Height * width;
                Ensure(ref _rec, n * image);
                for (var i = 0; i < n; i++)
                    TextCrop.Write(bgr, _image!.Pitch, _image.Width, _image.Height, quads[order[start + i]], spec, width, _rec.AsSpan(i * image, image));
                var results = new object?[n];
                Run(model, _rec, [n, 3, spec.Height, width], n, results, _recStage!, node);
                for (var i = 0; i < n; i++)
                {
                    var r = (RecognizedText)results[i]!;
                    texts[order[start + i]] = (r.Text, r.Confidence);
                }
            }
        }

        private void Run(InferenceModel model, float[] data, long[] shape, int n, object?[] results, StageMetrics stage, string node)
        {
            long ran;
            var length = (int)(shape[1] * shape[2] * shape[3] * n);
            try
            {
                using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, length), shape);
                Span<Letterbox> boxes = stackalloc Letterbox[n];
                ran = model.RunAndPostProcess(input, boxes, results, _view);
            }
            catch (OnnxRuntimeException e)
            {
                stage.RecordError();
                throw new MediaGraphException(node, $"inference with '{model.Path}' failed: {e.Message}", inner: e);
            }
            stage.Record(ran, n);
        }

        private static void Ensure(ref float[] buffer, int length)
        {
            if (buffer.Length < length) buffer = new float[length];
        }

        public override ValueTask DisposeAsync()
        {
            _image?.Dispose();
            _image = null;
            _detTensorizer?.Dispose();
            _detTensorizer = null;
            _detBatch?.Dispose();
            _detBatch = null;
            return default;
        }
    }
}
