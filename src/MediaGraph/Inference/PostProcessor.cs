using Microsoft.ML.OnnxRuntime;

namespace MediaGraph;

/// <summary>
/// Turns a model's outputs for one image into a typed result that rides on the frame as metadata
/// (<see cref="TextDetections"/>, <see cref="Classification"/>, <see cref="RecognizedText"/>, <see cref="Detections"/>
/// or the app's own type). Called for each image of each batch, possibly from several threads at once when runs
/// overlap: keep no per-call state in fields.
/// </summary>
public abstract class PostProcessor
{
    /// <summary>What is wrong with a model for this post-processor (output shape, a key file that does not match),
    /// or null. Runs once at load; its message is reported at graph validation under the node's name.</summary>
    public virtual string? Validate(IReadOnlyDictionary<string, NodeMetadata> outputs) => null;

    /// <summary>The result for one image (<paramref name="outputs"/> is positioned on it); <paramref name="box"/>
    /// maps model coordinates back to the frame.</summary>
    public abstract object Process(ModelOutputs outputs, Letterbox box);

    /// <summary>A post-processor made of a delegate (anything the built-in ones do not cover: a detector's boxes,
    /// embeddings ...). The delegate returns the metadata value to attach.</summary>
    public static PostProcessor From(Func<ModelOutputs, Letterbox, object> process) => new DelegatePostProcessor(process);

    private sealed class DelegatePostProcessor(Func<ModelOutputs, Letterbox, object> process) : PostProcessor
    {
        public override object Process(ModelOutputs outputs, Letterbox box) => process(outputs, box);
    }
}

/// <summary>
/// A model's outputs for one run, positioned on one image of the batch (<see cref="Index"/>): each output's shape and
/// that image's slice of its data. Valid only during <see cref="PostProcessor.Process"/>.
/// </summary>
public sealed class ModelOutputs
{
    private IReadOnlyList<OrtValue> _values = [];
    private IReadOnlyList<string> _names = [];

    internal void Set(IReadOnlyList<string> names, IReadOnlyList<OrtValue> values, int index)
    {
        _names = names;
        _values = values;
        Index = index;
    }

    /// <summary>The image of the batch the outputs are positioned on.</summary>
    public int Index { get; private set; }

    /// <summary>Number of outputs.</summary>
    public int Count => _values.Count;

    /// <summary>Output <paramref name="output"/>'s name.</summary>
    public string Name(int output) => _names[output];

    /// <summary>Output <paramref name="output"/>'s full shape, batch dimension first.</summary>
    public long[] Shape(int output) => _values[output].GetTensorTypeAndShape().Shape;

    /// <summary>This image's slice of output <paramref name="output"/> (float tensors), the batch dimension taken off.</summary>
    public ReadOnlySpan<float> Image(int output = 0)
    {
        var all = _values[output].GetTensorDataAsSpan<float>();
        var batch = (int)_values[output].GetTensorTypeAndShape().Shape[0];
        var per = all.Length / Math.Max(1, batch);
        return all.Slice(Index * per, per);
    }
}
