using Microsoft.Extensions.Logging;
using Xunit;

namespace MediaGraph.Tests.Inference;

/// <summary>Which execution provider a model gets with the CPU package the tests reference, and what it says.</summary>
public sealed class ExecutionProviderTests
{
    /// <summary>Keeps every line logged through it.</summary>
    private sealed class Lines : ILogger
    {
        public List<string> Logged { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Logged) Logged.Add(formatter(state, exception));
        }
    }

    [Fact]
    public void Load_AutoWithTheCpuPackage_RunsOnTheCpuAndSaysWhyInOneLine()
    {
        var log = new Lines();
        using var model = new InferenceModel(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation(), logger: log);
        model.Load();
        model.Load(); // once loaded, loading again does nothing
        Assert.Equal("CPU", model.ExecutionProvider);
        Assert.Equal(1, model.SessionsCreated);
        var line = Assert.Single(log.Logged);
        Assert.Contains("ch_ppocr_mobile_v2.0_cls_infer.onnx: CPU execution provider", line);
        Assert.Contains("Microsoft.ML.OnnxRuntime.Gpu", line);
    }

    [Fact]
    public void Load_CudaAskedForWithTheCpuPackage_FailsSayingWhichPackageToReference()
    {
        using var model = new InferenceModel(TestModels.Orientation, PreprocessSpec.PaddleTextOrientation(), SoftmaxClassifier.TextOrientation(),
            new InferenceOptions { Provider = ExecutionProviderChoice.Cuda });
        var e = Assert.Throws<InvalidOperationException>(model.Load);
        Assert.Contains("asked for CUDA", e.Message);
        Assert.Contains("reference Microsoft.ML.OnnxRuntime.Gpu", e.Message);
        Assert.Equal(0, model.SessionsCreated);
    }
}
