using Xunit;

namespace MediaGraph.Tests.Inference;

using Graph = global::MediaGraph.Graph;

/// <summary>Bad models and key files are graph validation problems naming the node and the file, before any frame.</summary>
public sealed class InferValidationTests
{
    private static async Task<GraphValidationException> ValidateAsync(Func<VideoStream, VideoStream> build)
    {
        var graph = new Graph();
        graph.Sink(build(graph.Decode(await TestMedia.TinyAsync(2)).Video));
        return Assert.Throws<GraphValidationException>(graph.Validate);
    }

    [Fact]
    public async Task Infer_FileThatIsNotOnnx_ValidationNamesTheNodeAndTheFile()
    {
        var bogus = Path.Combine(TestMedia.OutputFolder(), "not-a-model.onnx");
        await File.WriteAllTextAsync(bogus, "this is not a protobuf");
        using var model = new InferenceModel(bogus, PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation());
        var e = await ValidateAsync(v => v.Infer(model));
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("infer", problem);
        Assert.Contains(bogus, problem);
        Assert.Contains("not an ONNX model", problem);
    }

    [Fact]
    public async Task Infer_MissingModelFile_ValidationNamesTheFile()
    {
        using var model = new InferenceModel("/nonexistent/m.onnx", PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation());
        var problem = Assert.Single((await ValidateAsync(v => v.Infer(model))).Problems);
        Assert.Contains("'/nonexistent/m.onnx' does not exist", problem);
    }

    [Fact]
    public async Task Infer_InputSizeThatDoesNotFitTheSpec_ValidationSaysBoth()
    {
        // The detector takes any size but the recogniser's height is fixed at 48: a 64-row spec does not fit it.
        using var model = new InferenceModel(TestModels.Recognizer, new PreprocessSpec(320, 64), new CtcDecoder(TestModels.Keys));
        var problem = Assert.Single((await ValidateAsync(v => v.Infer(model))).Problems);
        Assert.Contains(TestModels.Recognizer, problem);
        Assert.Contains("[?, 3, 48, ?]", problem);
        Assert.Contains("[?, 3, 64, 320]", problem);
    }

    [Fact]
    public async Task Infer_NhwcSpecForAnNchwModel_ValidationRefusesTheLayout()
    {
        using var model = new InferenceModel(TestModels.Orientation, new PreprocessSpec(192, 48, layout: TensorLayout.Nhwc), SoftmaxClassifier.TextOrientation());
        var problem = Assert.Single((await ValidateAsync(v => v.Infer(model))).Problems);
        Assert.True(problem.Contains("is [?, 3, ?, ?]") && problem.Contains("NHWC [?, 48, 192, 3]"), problem);
    }

    [Fact]
    public async Task ReadText_MissingKeyFile_ValidationNamesTheKeyFile()
    {
        var folder = TestMedia.OutputFolder();
        foreach (var f in new[] { OcrModels.DetectorFile, OcrModels.RecognizerFile, OcrModels.OrientationFile })
            File.CreateSymbolicLink(Path.Combine(folder, f), Path.Combine(TestModels.Folder, f));
        using var models = OcrModels.Open(folder);
        var e = await ValidateAsync(v => v.ReadText(models));
        var problem = Assert.Single(e.Problems);
        Assert.StartsWith("recognize-text", problem);
        Assert.Contains(Path.Combine(folder, OcrModels.KeyFile), problem);
        Assert.Contains("does not exist", problem);
    }

    [Fact]
    public async Task ReadText_KeyFileOfAnotherModel_ValidationSaysTheCountsDiffer()
    {
        var keys = Path.Combine(TestMedia.OutputFolder(), "keys.txt");
        await File.WriteAllLinesAsync(keys, ["a", "b", "c"]);
        using var model = new InferenceModel(TestModels.Recognizer, PreprocessSpec.PaddleTextRecognition(), new CtcDecoder(keys));
        var problem = Assert.Single((await ValidateAsync(v => v.Infer(model))).Problems);
        Assert.Contains("has 3 characters", problem);
    }
}
